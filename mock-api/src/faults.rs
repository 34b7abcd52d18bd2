//! The deterministic fault decision.
//!
//! Whether an attempt is faulted is a pure function of the seed, the page
//! and the attempt number of that page, so concurrent clients and request
//! order cannot change what a scenario does.

use std::time::{Duration, SystemTime};

use crate::config::{RetryAfterFormat, Settings};
use crate::hash::{mix, unit};

/// A fault injected instead of (or on top of) a normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The page is listed in `fail_pages`: 503 on every attempt.
    FailPage,
    /// A random server error, 500 or 503.
    ServerError(u16),
    /// 429 Too Many Requests with `Retry-After`.
    RateLimited,
    /// A correct answer that arrives after `slow_ms`.
    Slow,
    /// 200 with a body cut short, so it is not valid JSON.
    Malformed,
}

/// Salts that keep each independent draw from reusing the same hash.
const DRAW_KIND: u64 = 0x4B49_4E44;
const DRAW_STATUS: u64 = 0x5354_4154;

/// Decides the fault, if any, for attempt `attempt` (1-based) of `page`.
///
/// `fail_pages` wins on every attempt. Otherwise only attempts up to
/// `max_faults_per_page` can be faulted, and one uniform draw is split into
/// bands of width `rate_limit_rate`, `failure_rate`, `slow_rate` and
/// `malformed_rate`, so each rate is honoured exactly as long as they sum
/// to at most 1 (later bands are squeezed out beyond that).
pub fn decide(settings: &Settings, page: u32, attempt: u32) -> Option<Fault> {
    if settings.fail_pages.contains(&page) {
        return Some(Fault::FailPage);
    }
    if attempt == 0 || attempt > settings.max_faults_per_page {
        return None;
    }
    let keys = [settings.seed, u64::from(page), u64::from(attempt)];
    let draw = unit(mix(&[keys[0], keys[1], keys[2], DRAW_KIND]));
    let bands = [
        (settings.rate_limit_rate, Fault::RateLimited),
        (settings.failure_rate, Fault::ServerError(0)),
        (settings.slow_rate, Fault::Slow),
        (settings.malformed_rate, Fault::Malformed),
    ];
    let mut upper = 0.0;
    for (rate, fault) in bands {
        upper += rate;
        if draw < upper {
            return Some(match fault {
                Fault::ServerError(_) => {
                    let coin = mix(&[keys[0], keys[1], keys[2], DRAW_STATUS]) & 1;
                    Fault::ServerError(if coin == 0 { 500 } else { 503 })
                }
                other => other,
            });
        }
    }
    None
}

/// The `Retry-After` header value: whole seconds, or the HTTP-date that
/// lies `secs` after `now`.
pub fn retry_after_value(format: RetryAfterFormat, secs: u64, now: SystemTime) -> String {
    match format {
        RetryAfterFormat::Seconds => secs.to_string(),
        RetryAfterFormat::HttpDate => {
            let at = now.checked_add(Duration::from_secs(secs)).unwrap_or(now);
            httpdate::fmt_http_date(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn settings() -> Settings {
        Settings {
            failure_rate: 0.0,
            ..Settings::default()
        }
    }

    #[test]
    fn same_inputs_same_decision() {
        let s = Settings {
            failure_rate: 0.3,
            rate_limit_rate: 0.2,
            slow_rate: 0.1,
            malformed_rate: 0.1,
            ..settings()
        };
        for page in 1..200 {
            for attempt in 1..3 {
                assert_eq!(decide(&s, page, attempt), decide(&s, page, attempt));
            }
        }
        let other_seed = Settings {
            seed: 2,
            ..s.clone()
        };
        let differs = (1..200).any(|p| decide(&s, p, 1) != decide(&other_seed, p, 1));
        assert!(differs, "the seed must matter");
    }

    #[test]
    fn rates_are_roughly_honoured() {
        let s = Settings {
            failure_rate: 0.2,
            rate_limit_rate: 0.1,
            slow_rate: 0.05,
            malformed_rate: 0.05,
            max_faults_per_page: 1,
            ..settings()
        };
        let pages = 20_000u32;
        let mut counts = [0u32; 6];
        for page in 1..=pages {
            let slot = match decide(&s, page, 1) {
                None => 0,
                Some(Fault::ServerError(500)) => 1,
                Some(Fault::ServerError(_)) => 2,
                Some(Fault::RateLimited) => 3,
                Some(Fault::Slow) => 4,
                Some(Fault::Malformed) => 5,
                Some(Fault::FailPage) => unreachable!("no fail_pages configured"),
            };
            counts[slot] += 1;
        }
        let share = |c: u32| f64::from(c) / f64::from(pages);
        let near = |got: f64, want: f64| (got - want).abs() < 0.015;
        assert!(near(share(counts[0]), 0.6), "{counts:?}");
        assert!(near(share(counts[1] + counts[2]), 0.2), "{counts:?}");
        assert!(
            near(share(counts[1]), 0.1),
            "500 and 503 split evenly: {counts:?}"
        );
        assert!(near(share(counts[3]), 0.1), "{counts:?}");
        assert!(near(share(counts[4]), 0.05), "{counts:?}");
        assert!(near(share(counts[5]), 0.05), "{counts:?}");
    }

    #[test]
    fn zero_and_full_rates() {
        let none = settings();
        assert!((1..500).all(|p| decide(&none, p, 1).is_none()));
        let all = Settings {
            failure_rate: 1.0,
            ..settings()
        };
        assert!((1..500).all(|p| matches!(decide(&all, p, 1), Some(Fault::ServerError(500 | 503)))));
    }

    #[test]
    fn cap_stops_faults_after_max_attempts() {
        let s = Settings {
            failure_rate: 1.0,
            max_faults_per_page: 2,
            ..settings()
        };
        assert!(decide(&s, 4, 1).is_some());
        assert!(decide(&s, 4, 2).is_some());
        assert_eq!(decide(&s, 4, 3), None);
        assert_eq!(decide(&s, 4, 100), None);
        let never = Settings {
            max_faults_per_page: 0,
            ..s
        };
        assert_eq!(decide(&never, 4, 1), None);
    }

    #[test]
    fn fail_pages_ignore_the_cap() {
        let s = Settings {
            fail_pages: BTreeSet::from([3, 5]),
            ..settings()
        };
        for attempt in [1, 2, 3, 50] {
            assert_eq!(decide(&s, 3, attempt), Some(Fault::FailPage));
            assert_eq!(decide(&s, 5, attempt), Some(Fault::FailPage));
            assert_eq!(decide(&s, 4, attempt), None);
        }
    }

    #[test]
    fn retry_after_in_both_formats() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(retry_after_value(RetryAfterFormat::Seconds, 1, now), "1");
        assert_eq!(
            retry_after_value(RetryAfterFormat::HttpDate, 120, now),
            "Wed, 21 Oct 2015 07:30:00 GMT"
        );
    }
}
