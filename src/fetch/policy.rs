//! How long to wait before the next attempt: the retry policy, its backoff
//! sequence and the `Retry-After` header.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::common::hash::mix;

/// The retry rules of a run. [`RetryPolicy::default`] is the documented policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt for retryable failures (default 3).
    pub(crate) max_retries: u32,
    /// The first backoff delay; each next one doubles (default 1 s: 1, 2, 4 s).
    pub(crate) base_delay: Duration,
    /// Full jitter: wait a seeded random time between 0 and the delay (default off).
    pub(crate) jitter: bool,
    /// Waits allowed for `429 Too Many Requests`, apart from the retries (default 5).
    pub(crate) rate_limit_waits: u32,
    /// The shortest wait after a 429, whatever `Retry-After` says (default 1 s).
    pub(crate) retry_after_floor: Duration,
    /// The longest wait a 429 may demand; more fails the page (default 60 s).
    pub(crate) retry_after_cap: Duration,
    /// How long one attempt may take before it counts as a timeout (default 10 s).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_secs(1),
            jitter: false,
            rate_limit_waits: 5,
            retry_after_floor: Duration::from_secs(1),
            retry_after_cap: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The backoff delays for retryable failures of one page: `max_retries`
    /// delays doubling from `base_delay`, then `None` (give up).
    /// `jitter_seed` makes jittered delays reproducible.
    pub(crate) fn backoff(&self, jitter_seed: u64) -> Backoff {
        Backoff {
            next_delay: self.base_delay,
            remaining: self.max_retries,
            jitter: self.jitter.then_some(jitter_seed),
            cap: None,
        }
    }

    /// The fallback delays for 429s without a usable `Retry-After`: doubling
    /// from `base_delay`, `rate_limit_waits` of them, each at most the cap.
    pub(crate) fn rate_limit_backoff(&self, jitter_seed: u64) -> Backoff {
        Backoff {
            next_delay: self.base_delay,
            remaining: self.rate_limit_waits,
            jitter: self.jitter.then_some(jitter_seed),
            cap: Some(self.retry_after_cap),
        }
    }

    /// The wait a 429 asks for, after the floor; `Err` with the demanded
    /// wait when it is over the cap.
    pub(crate) fn rate_limit_wait(&self, demanded: Duration) -> Result<Duration, Duration> {
        if demanded > self.retry_after_cap {
            Err(demanded)
        } else {
            Ok(demanded.max(self.retry_after_floor))
        }
    }
}

/// Exponential backoff as an iterator of delays; `None` means give up.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    next_delay: Duration,
    remaining: u32,
    jitter: Option<u64>,
    cap: Option<Duration>,
}

impl Iterator for Backoff {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let mut delay = self.next_delay;
        if let Some(cap) = self.cap {
            delay = delay.min(cap);
        }
        self.next_delay = self.next_delay.saturating_mul(2);
        Some(match &mut self.jitter {
            None => delay,
            Some(state) => {
                *state = mix(*state);
                // Full jitter: uniform in [0, delay], in whole milliseconds.
                let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                Duration::from_millis(*state % millis.saturating_add(1))
            }
        })
    }
}

/// Reads a `Retry-After` header: delay-seconds (`"5"`, or `"2.0"` as
/// Shopify sends it, rounded up to the millisecond) or an HTTP-date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`. A date in the
/// past means no wait. Returns `None` when the value is neither.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if digits(value) {
        // Absurdly long digit strings are "forever": the cap will refuse them.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    if let Some((whole, fraction)) = value.split_once('.') {
        if digits(whole) && digits(fraction) {
            let secs: u64 = whole.parse().unwrap_or(u64::MAX);
            // The first three digits are milliseconds; any more round up.
            let padded = format!("{fraction:0<3}");
            let mut millis: u64 = padded[..3].parse().unwrap_or(0);
            if padded[3..].bytes().any(|b| b != b'0') {
                millis += 1;
            }
            return Some(Duration::from_secs(secs).saturating_add(Duration::from_millis(millis)));
        }
    }
    // IMF-fixdate and the two obsolete HTTP-date forms, as RFC 9110 asks.
    let when = httpdate::parse_http_date(value).ok()?;
    let when_secs = when.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let millis = i64::try_from(when_secs)
        .ok()?
        .saturating_mul(1000)
        .saturating_sub(now.timestamp_millis())
        .max(0);
    Some(Duration::from_millis(u64::try_from(millis).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::testing::secs;

    #[test]
    fn backoff_is_exactly_one_two_four_seconds_then_gives_up() {
        let delays: Vec<_> = RetryPolicy::default().backoff(0).collect();
        assert_eq!(delays, secs(&[1, 2, 4]));
    }

    #[test]
    fn backoff_follows_the_configured_retries() {
        let policy = RetryPolicy {
            max_retries: 5,
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.backoff(0).collect::<Vec<_>>(),
            secs(&[1, 2, 4, 8, 16])
        );
        let none = RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        };
        assert_eq!(none.backoff(0).next(), None);
    }

    #[test]
    fn rate_limit_fallback_has_its_own_budget_and_the_cap() {
        let policy = RetryPolicy {
            retry_after_cap: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = policy.rate_limit_backoff(0).collect();
        assert_eq!(delays, secs(&[1, 2, 4, 8, 10]));
    }

    #[test]
    fn jitter_stays_within_the_delay_and_is_reproducible() {
        let policy = RetryPolicy {
            jitter: true,
            ..RetryPolicy::default()
        };
        let first: Vec<_> = policy.backoff(9).collect();
        assert_eq!(first, policy.backoff(9).collect::<Vec<_>>());
        assert_ne!(first, policy.backoff(10).collect::<Vec<_>>());
        for (jittered, full) in first.iter().zip(secs(&[1, 2, 4])) {
            assert!(*jittered <= full, "{jittered:?} > {full:?}");
        }
    }

    #[test]
    fn retry_after_table() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let cases: [(&str, Option<Duration>); 14] = [
            ("5", Some(Duration::from_secs(5))),
            (" 120 ", Some(Duration::from_secs(120))),
            ("0", Some(Duration::ZERO)),
            (
                "Tue, 24 Nov 2026 12:00:30 GMT",
                Some(Duration::from_secs(30)),
            ),
            ("Tue, 24 Nov 2026 11:59:00 GMT", Some(Duration::ZERO)),
            ("soon", None),
            ("-5", None),
            ("1.5", Some(Duration::from_millis(1_500))),
            ("2.0", Some(Duration::from_secs(2))),
            ("0.0001", Some(Duration::from_millis(1))),
            ("1.", None),
            (".5", None),
            ("1.5.0", None),
            ("", None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now), expected, "{value:?}");
        }
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }

    #[test]
    fn rate_limit_waits_have_a_floor_and_a_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.rate_limit_wait(Duration::ZERO),
            Ok(Duration::from_secs(1))
        );
        assert_eq!(
            policy.rate_limit_wait(Duration::from_secs(7)),
            Ok(Duration::from_secs(7))
        );
        assert_eq!(
            policy.rate_limit_wait(Duration::from_secs(60)),
            Ok(Duration::from_secs(60))
        );
        assert_eq!(
            policy.rate_limit_wait(Duration::from_secs(61)),
            Err(Duration::from_secs(61))
        );
    }
}
