//! The request budget of `budget=N`: at most `N` requests a second,
//! announced in `X-RateLimit-Limit/Remaining/Reset` on every answer; a
//! request past it is a 429 *without* `Retry-After`, as the APIs that
//! only announce their budget in these headers do.
//!
//! A fixed window: the first request after a window has ended opens the
//! next one, one second long. A pure function of the time given, so it is
//! tested without waiting.

use std::time::Duration;

/// How long one window lasts.
pub const WINDOW: Duration = Duration::from_secs(1);

/// The window in use: when it opened and how many requests it has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetWindow {
    /// When the window opened (time since any fixed origin); `None` before
    /// the first request.
    opened: Option<Duration>,
    /// Requests counted in it, refused ones included.
    used: u64,
}

/// What the budget says of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetAnswer {
    /// Whether the request is within the budget.
    pub allowed: bool,
    /// `X-RateLimit-Limit`: requests a window allows.
    pub limit: u64,
    /// `X-RateLimit-Remaining`: requests left in the window after this one.
    pub remaining: u64,
    /// `X-RateLimit-Reset`: whole seconds until the window ends, rounded
    /// up so a client that waits this long is in the next window.
    pub reset_secs: u64,
}

impl BudgetAnswer {
    /// The three headers, in the order they are sent.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("X-RateLimit-Limit", self.limit.to_string()),
            ("X-RateLimit-Remaining", self.remaining.to_string()),
            ("X-RateLimit-Reset", self.reset_secs.to_string()),
        ]
    }
}

/// The header names a browser must be allowed to read.
pub const EXPOSED: &str = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";

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
}
