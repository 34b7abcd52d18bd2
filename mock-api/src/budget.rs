//! The request budget of `budget=N`, announced on every answer in the
//! headers `rate` names; a request past it is a 429.
//!
//! - `rate=xrl` (the default), `ietf`, `hubspot`: at most `N` requests a
//!   second, in a fixed window: the first request after a window has ended
//!   opens the next one, one second long. Announced in
//!   `X-RateLimit-Limit/Remaining/Reset`, in the IETF `RateLimit` and
//!   `RateLimit-Policy` headers, or in HubSpot's
//!   `X-HubSpot-RateLimit-Secondly(-Remaining)`; a 429 past it carries no
//!   `Retry-After`, as the APIs that only announce their budget do.
//! - `rate=shopify`: Shopify's leaky bucket of `N` calls, draining in 20 s
//!   (2 calls a second for the standard plan's 40), announced as
//!   `X-Shopify-Shop-Api-Call-Limit: used/N`; a call that would overflow it
//!   is a 429 with `Retry-After: 2.0`, as Shopify sends it.
//!
//! Pure functions of the time given, so they are tested without waiting.

use std::time::Duration;

use crate::spelled::spelled;

/// How long one window lasts.
pub const WINDOW: Duration = Duration::from_secs(1);

/// Shopify's documented plans drain their bucket in this long.
pub const DRAIN: Duration = Duration::from_secs(20);

/// One call, in millionths (a bucket's level is counted in these).
const CALL: u64 = 1_000_000;

spelled! {
    /// Which headers announce the budget (`rate`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum RateMode {
        /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`.
        XRateLimit => "xrl",
        /// IETF `RateLimit: "default";r=R;t=T` and
        /// `RateLimit-Policy: "default";q=N;w=1`.
        Ietf => "ietf",
        /// Shopify's leaky bucket: `X-Shopify-Shop-Api-Call-Limit: used/N`.
        Shopify => "shopify",
        /// HubSpot's `X-HubSpot-RateLimit-Secondly` and
        /// `X-HubSpot-RateLimit-Secondly-Remaining`.
        Hubspot => "hubspot",
    }
}

impl RateMode {
    /// The header names a browser must be allowed to read.
    pub fn exposed(self) -> &'static str {
        match self {
            RateMode::XRateLimit => "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset",
            RateMode::Ietf => "RateLimit, RateLimit-Policy",
            RateMode::Shopify => "X-Shopify-Shop-Api-Call-Limit",
            RateMode::Hubspot => {
                "X-HubSpot-RateLimit-Secondly, X-HubSpot-RateLimit-Secondly-Remaining"
            }
        }
    }
}

/// The window in use: when it opened and how many requests it has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetWindow {
    /// When the window opened (time since any fixed origin); `None` before
    /// the first request.
    opened: Option<Duration>,
    /// Requests counted in it, refused ones included.
    used: u64,
}

/// What a window says of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetAnswer {
    /// Whether the request is within the budget.
    pub allowed: bool,
    /// Requests a window allows.
    pub limit: u64,
    /// Requests left in the window after this one.
    pub remaining: u64,
    /// Whole seconds until the window ends, rounded up so a client that
    /// waits this long is in the next window.
    pub reset_secs: u64,
}

impl BudgetAnswer {
    /// The `X-RateLimit-*` headers, in the order they are sent.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("X-RateLimit-Limit", self.limit.to_string()),
            ("X-RateLimit-Remaining", self.remaining.to_string()),
            ("X-RateLimit-Reset", self.reset_secs.to_string()),
        ]
    }

    /// The headers `mode` announces the window in (not `shopify`'s).
    fn headers_in(&self, mode: RateMode) -> Vec<(&'static str, String)> {
        match mode {
            RateMode::Ietf => vec![
                (
                    "RateLimit-Policy",
                    format!("\"default\";q={};w={}", self.limit, WINDOW.as_secs()),
                ),
                (
                    "RateLimit",
                    format!("\"default\";r={};t={}", self.remaining, self.reset_secs),
                ),
            ],
            RateMode::Hubspot => vec![
                ("X-HubSpot-RateLimit-Secondly", self.limit.to_string()),
                (
                    "X-HubSpot-RateLimit-Secondly-Remaining",
                    self.remaining.to_string(),
                ),
            ],
            RateMode::XRateLimit | RateMode::Shopify => self.headers().to_vec(),
        }
    }
}

impl BudgetWindow {
    /// Counts a request made at `now` against a budget of `limit` a second.
    pub fn admit(&mut self, now: Duration, limit: u64) -> BudgetAnswer {
        let opened = match self.opened {
            Some(opened) if now < opened + WINDOW => opened,
            _ => {
                self.used = 0;
                now
            }
        };
        self.opened = Some(opened);
        self.used += 1;
        let left = (opened + WINDOW).saturating_sub(now);
        BudgetAnswer {
            allowed: self.used <= limit,
            limit,
            remaining: limit.saturating_sub(self.used),
            reset_secs: left.as_millis().div_ceil(1000).max(1) as u64,
        }
    }
}

/// A leaky bucket: its level (millionths of a call) when last drained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeakyBucket {
    level: u64,
    at: Duration,
}

/// What a leaky bucket says of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketAnswer {
    /// Whether the call fits in the bucket.
    pub allowed: bool,
    /// Calls in the bucket after this one, rounded up (the size when full).
    pub used: u64,
    /// Calls the bucket holds.
    pub size: u64,
}

impl LeakyBucket {
    /// Counts a call made at `now` against a bucket of `size` calls that
    /// drains in [`DRAIN`].
    pub fn admit(&mut self, now: Duration, size: u64) -> BucketAnswer {
        let millis = now.saturating_sub(self.at).as_millis() as u64;
        let leak = size * CALL / DRAIN.as_millis() as u64;
        self.level = self.level.saturating_sub(millis.saturating_mul(leak));
        self.at = self.at.max(now);
        let allowed = self.level + CALL <= size * CALL;
        if allowed {
            self.level += CALL;
        }
        BucketAnswer {
            allowed,
            used: self.level.div_ceil(CALL),
            size,
        }
    }
}

/// The server's budget in every mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Budget {
    window: BudgetWindow,
    bucket: LeakyBucket,
}

/// What the budget says of one request, as the server answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spent {
    /// Whether the request is within the budget.
    pub allowed: bool,
    /// The headers announcing the budget, on every answer.
    pub headers: Vec<(&'static str, String)>,
    /// The names to list in `Access-Control-Expose-Headers`.
    pub exposed: &'static str,
    /// `Retry-After` of the 429 past the budget (`shopify` only).
    pub retry_after: Option<String>,
    /// For the console line: `budget: R of N left` or `bucket: U/N`.
    pub left: String,
}

impl Budget {
    /// Counts a request made at `now` against `limit` announced as `mode`.
    pub fn admit(&mut self, now: Duration, limit: u64, mode: RateMode) -> Spent {
        if mode == RateMode::Shopify {
            let answer = self.bucket.admit(now, limit);
            return Spent {
                allowed: answer.allowed,
                headers: vec![(
                    "X-Shopify-Shop-Api-Call-Limit",
                    format!("{}/{}", answer.used, answer.size),
                )],
                exposed: mode.exposed(),
                retry_after: Some("2.0".into()),
                left: format!("bucket: {}/{}", answer.used, answer.size),
            };
        }
        let answer = self.window.admit(now, limit);
        Spent {
            allowed: answer.allowed,
            headers: answer.headers_in(mode),
            exposed: mode.exposed(),
            retry_after: None,
            left: format!("budget: {} of {} left", answer.remaining, answer.limit),
        }
    }
}

/// The header names a browser must be allowed to read, in `xrl` mode.
pub const EXPOSED: &str = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn counts_down_then_refuses_within_the_window() {
        let mut window = BudgetWindow::default();
        let answers: Vec<_> = (0..4).map(|i| window.admit(ms(100 + i * 10), 3)).collect();
        let seen: Vec<_> = answers.iter().map(|a| (a.allowed, a.remaining)).collect();
        assert_eq!(seen, [(true, 2), (true, 1), (true, 0), (false, 0)]);
        assert!(answers.iter().all(|a| a.limit == 3 && a.reset_secs == 1));
    }

    #[test]
    fn a_new_window_opens_once_the_old_one_has_ended() {
        let mut window = BudgetWindow::default();
        for _ in 0..5 {
            window.admit(ms(0), 2);
        }
        // 999 ms later the window is still the first one.
        assert!(!window.admit(ms(999), 2).allowed);
        let next = window.admit(ms(1000), 2);
        assert!(next.allowed);
        assert_eq!(next.remaining, 1);
    }

    #[test]
    fn reset_rounds_up_to_whole_seconds() {
        let mut window = BudgetWindow::default();
        assert_eq!(window.admit(ms(0), 10).reset_secs, 1);
        // 1 ms left still says 1: waiting 0 s would hit the same window.
        assert_eq!(window.admit(ms(999), 10).reset_secs, 1);
    }

    #[test]
    fn headers_carry_the_numbers() {
        let mut window = BudgetWindow::default();
        let answer = window.admit(ms(0), 10);
        assert_eq!(
            answer.headers(),
            [
                ("X-RateLimit-Limit", "10".to_string()),
                ("X-RateLimit-Remaining", "9".to_string()),
                ("X-RateLimit-Reset", "1".to_string()),
            ]
        );
    }

    #[test]
    fn a_bucket_fills_then_leaks_two_calls_a_second() {
        let mut bucket = LeakyBucket::default();
        let answers: Vec<_> = (0..41).map(|_| bucket.admit(ms(0), 40)).collect();
        assert!(answers[..40].iter().all(|a| a.allowed));
        assert_eq!((answers[0].used, answers[39].used), (1, 40));
        assert_eq!(
            answers[40],
            BucketAnswer {
                allowed: false,
                used: 40,
                size: 40
            }
        );
        // 499 ms later not one call has drained; at 500 ms one has.
        assert!(!bucket.admit(ms(499), 40).allowed);
        let next = bucket.admit(ms(500), 40);
        assert_eq!((next.allowed, next.used), (true, 40));
        // Ten seconds later 20 have drained.
        assert_eq!(bucket.admit(ms(10_500), 40).used, 21);
        // A bucket of 400 drains 20 a second.
        let mut plus = LeakyBucket::default();
        for _ in 0..400 {
            plus.admit(ms(0), 400);
        }
        assert_eq!(plus.admit(ms(1_000), 400).used, 381);
    }

    #[test]
    fn every_mode_announces_in_its_own_headers() {
        let names = |mode: RateMode| {
            let spent = Budget::default().admit(ms(0), 10, mode);
            spent
                .headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(RateMode::XRateLimit),
            [
                "X-RateLimit-Limit: 10",
                "X-RateLimit-Remaining: 9",
                "X-RateLimit-Reset: 1"
            ]
        );
        assert_eq!(
            names(RateMode::Ietf),
            [
                r#"RateLimit-Policy: "default";q=10;w=1"#,
                r#"RateLimit: "default";r=9;t=1"#
            ]
        );
        assert_eq!(
            names(RateMode::Hubspot),
            [
                "X-HubSpot-RateLimit-Secondly: 10",
                "X-HubSpot-RateLimit-Secondly-Remaining: 9"
            ]
        );
        assert_eq!(
            names(RateMode::Shopify),
            ["X-Shopify-Shop-Api-Call-Limit: 1/10"]
        );
        for mode in RateMode::ALL {
            assert_eq!(RateMode::parse(mode.as_str()), Some(mode));
            let spent = Budget::default().admit(ms(0), 10, mode);
            for (name, _) in &spent.headers {
                assert!(mode.exposed().contains(name), "{mode:?} exposes {name}");
            }
            assert_eq!(spent.retry_after.is_some(), mode == RateMode::Shopify);
        }
        assert_eq!(RateMode::parse("x-ratelimit"), None);
        assert_eq!(RateMode::XRateLimit.exposed(), EXPOSED);
    }

    #[test]
    fn every_window_mode_refuses_past_its_limit() {
        for mode in [
            RateMode::XRateLimit,
            RateMode::Ietf,
            RateMode::Hubspot,
            RateMode::Shopify,
        ] {
            let mut budget = Budget::default();
            let allowed: Vec<bool> = (0..4)
                .map(|_| budget.admit(ms(0), 3, mode).allowed)
                .collect();
            assert_eq!(allowed, [true, true, true, false], "{mode:?}");
        }
    }
}
