//! The request budget an API announces in its answers' headers, read
//! before it says 429: how many requests are left and when the window
//! resets. A pure reading of header values; the fetcher paces by it.
//!
//! - `X-RateLimit-Remaining` with `X-RateLimit-Reset` (seconds, or a Unix
//!   time when it is one);
//! - the IETF `RateLimit` header, in its older (`limit=10, remaining=0,
//!   reset=5`) and structured (`"default";r=0;t=5`) forms;
//! - Shopify's `X-Shopify-Shop-Api-Call-Limit: 39/40`, a leaky bucket
//!   draining 2 calls a second;
//! - HubSpot's `X-HubSpot-RateLimit-Secondly-Remaining` (a one-second window).

use std::time::Duration;

/// The rate headers of one answer, as the transport saw them (`None` when
/// absent, or hidden from script by CORS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateHeaders {
    /// `X-RateLimit-Remaining`.
    pub remaining: Option<String>,
    /// `X-RateLimit-Reset`.
    pub reset: Option<String>,
    /// `RateLimit` (IETF).
    pub ietf: Option<String>,
    /// `X-Shopify-Shop-Api-Call-Limit`.
    pub shopify: Option<String>,
    /// `X-HubSpot-RateLimit-Secondly-Remaining`.
    pub hubspot_secondly: Option<String>,
}

impl RateHeaders {
    /// The header names read, lower case (what a browser must be allowed
    /// to show, and a transport looks up).
    pub(crate) const NAMES: [&'static str; 5] = [
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "ratelimit",
        "x-shopify-shop-api-call-limit",
        "x-hubspot-ratelimit-secondly-remaining",
    ];

    /// Reads the headers by name through `header` (any case).
    pub fn from_lookup(header: impl Fn(&str) -> Option<String>) -> Self {
        let [remaining, reset, ietf, shopify, hubspot_secondly] = RateHeaders::NAMES.map(header);
        RateHeaders {
            remaining,
            reset,
            ietf,
            shopify,
            hubspot_secondly,
        }
    }
}

/// Shopify's standard plan drains its bucket at 2 calls a second.
const SHOPIFY_LEAK: Duration = Duration::from_millis(500);

/// A reset this large is a Unix time, not a number of seconds.
const UNIX_TIME: u64 = 1_000_000_000;

/// What an answer says of the budget: the requests left, and how long
/// until more are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Requests left in the window.
    pub(crate) remaining: u64,
    /// Until the window resets (or, for a leaky bucket, a slot frees).
    pub(crate) reset: Duration,
    /// Which header said it, for the log.
    pub(crate) source: &'static str,
}

impl Budget {
    /// The wait before the next request: until the reset when the
    /// `in_flight` requests already sent (and not yet answered) will spend
    /// what is left, none otherwise. Counting them keeps concurrent
    /// requests from overrunning the window: with 4 in flight and 3 left,
    /// a fifth request would be a 429.
    pub(crate) fn pause(self, in_flight: u64) -> Option<Duration> {
        (self.remaining <= in_flight && !self.reset.is_zero()).then_some(self.reset)
    }
}

fn number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// The budget the headers announce, if they announce one; `now_unix` (in
/// seconds) reads a reset given as a Unix time.
pub(crate) fn read_budget(headers: &RateHeaders, now_unix: u64) -> Option<Budget> {
    if let Some(limit) = &headers.shopify {
        let (used, size) = limit.trim().split_once('/')?;
        let (used, size) = (number(used)?, number(size)?);
        // One call leaks every half second: a full bucket waits for one.
        return Some(Budget {
            remaining: size.saturating_sub(used).saturating_sub(1),
            reset: SHOPIFY_LEAK,
            source: "X-Shopify-Shop-Api-Call-Limit",
        });
    }
    if let Some(remaining) = headers.hubspot_secondly.as_deref().and_then(number) {
        return Some(Budget {
            remaining,
            reset: Duration::from_secs(1),
            source: "X-HubSpot-RateLimit-Secondly-Remaining",
        });
    }
    if let Some(remaining) = headers.remaining.as_deref().and_then(number) {
        let reset = headers
            .reset
            .as_deref()
            .and_then(number)
            .map_or(Duration::ZERO, |reset| {
                Duration::from_secs(if reset >= UNIX_TIME {
                    reset.saturating_sub(now_unix)
                } else {
                    reset
                })
            });
        return Some(Budget {
            remaining,
            reset,
            source: "X-RateLimit-Remaining",
        });
    }
    let ietf = headers.ietf.as_deref()?;
    let mut remaining = None;
    let mut reset = None;
    for part in ietf.split([',', ';']) {
        let Some((name, value)) = part.split_once('=') else {
            continue;
        };
        match name.trim() {
            "remaining" | "r" => remaining = number(value),
            "reset" | "t" => reset = number(value),
            _ => {}
        }
    }
    Some(Budget {
        remaining: remaining?,
        reset: Duration::from_secs(reset.unwrap_or(0)),
        source: "RateLimit",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The budget read from `headers` (name, value) at 1,800,000,000 s:
    /// what is left, the reset in ms, and the header it came from.
    fn budget(headers: Headers) -> Option<(u64, u64, &'static str)> {
        let value = |name: &str| {
            let found = headers.iter().find(|(header, _)| *header == name);
            found.map(|(_, value)| (*value).to_owned())
        };
        read_budget(&RateHeaders::from_lookup(value), 1_800_000_000)
            .map(|b| (b.remaining, b.reset.as_millis() as u64, b.source))
    }

    /// Header names and values.
    type Headers<'a> = &'a [(&'a str, &'a str)];

    #[test]
    fn every_announcement_is_read() {
        let (remaining, reset) = ("x-ratelimit-remaining", "x-ratelimit-reset");
        let shopify = "x-shopify-shop-api-call-limit";
        let (x_rate, ietf) = ("X-RateLimit-Remaining", "RateLimit");
        let shop = "X-Shopify-Shop-Api-Call-Limit";
        let cases: [(Headers, _); 10] = [
            (&[], None),
            (&[(remaining, "0"), (reset, "7")], Some((0, 7000, x_rate))),
            (
                &[(remaining, "3"), (reset, "1800000005")],
                Some((3, 5000, x_rate)),
            ),
            (
                &[("ratelimit", "limit=10, remaining=0, reset=4")],
                Some((0, 4000, ietf)),
            ),
            (
                &[("ratelimit", "\"default\";r=2;t=9")],
                Some((2, 9000, ietf)),
            ),
            (&[(shopify, "40/40")], Some((0, 500, shop))),
            (&[(shopify, "32/40")], Some((7, 500, shop))),
            (
                &[("x-hubspot-ratelimit-secondly-remaining", "0")],
                Some((0, 1000, "X-HubSpot-RateLimit-Secondly-Remaining")),
            ),
            (&[(shopify, "lots")], None),
            (&[(remaining, "-1")], None),
        ];
        for (headers, expected) in cases {
            assert_eq!(budget(headers), expected, "{headers:?}");
        }
    }

    #[test]
    fn only_a_budget_the_requests_in_flight_will_spend_pauses() {
        let pause = |remaining, secs, in_flight| {
            Budget {
                remaining,
                reset: Duration::from_secs(secs),
                source: "x",
            }
            .pause(in_flight)
        };
        assert_eq!(pause(0, 5, 0), Some(Duration::from_secs(5)));
        assert_eq!(pause(1, 5, 0), None);
        assert_eq!(pause(0, 0, 0), None);
        // Three left, three in flight: they spend it, the next must wait.
        assert_eq!(pause(3, 1, 3), Some(Duration::from_secs(1)));
        assert_eq!(pause(4, 1, 3), None);
        assert_eq!(pause(3, 0, 3), None, "no reset announced: no pause");
    }
}
