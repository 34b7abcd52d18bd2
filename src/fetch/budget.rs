//! The request budget an API announces in its answers' headers, read
//! before it says 429: how many requests are left and when the window
//! resets, or how full its leaky bucket is. A pure reading of header
//! values; the fetcher paces by it.
//!
//! - `X-RateLimit-Remaining` with `X-RateLimit-Reset` (seconds, or a Unix
//!   time when it is one);
//! - the IETF `RateLimit` header, in its older (`limit=10, remaining=0,
//!   reset=5`) and structured (`"default";r=0;t=5`) forms, with
//!   `RateLimit-Policy`'s window (`w=`) as the reset when `RateLimit` names
//!   none;
//! - Shopify's `X-Shopify-Shop-Api-Call-Limit: 39/40`, a leaky bucket: not
//!   a window but a level, followed by the limiter's token bucket;
//! - HubSpot's `X-HubSpot-RateLimit-Secondly-Remaining` (a one-second window).

use std::time::Duration;

use serde::Serialize;

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
    /// `RateLimit-Policy` (IETF).
    pub ietf_policy: Option<String>,
    /// `X-Shopify-Shop-Api-Call-Limit`.
    pub shopify: Option<String>,
    /// `X-HubSpot-RateLimit-Secondly-Remaining`.
    pub hubspot_secondly: Option<String>,
}

impl RateHeaders {
    /// The header names read, lower case (what a browser must be allowed
    /// to show, and a transport looks up).
    pub(crate) const NAMES: [&'static str; 6] = [
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "ratelimit",
        "ratelimit-policy",
        "x-shopify-shop-api-call-limit",
        "x-hubspot-ratelimit-secondly-remaining",
    ];

    /// Reads the headers by name through `header` (any case).
    pub fn from_lookup(header: impl Fn(&str) -> Option<String>) -> Self {
        let [remaining, reset, ietf, ietf_policy, shopify, hubspot_secondly] =
            RateHeaders::NAMES.map(header);
        RateHeaders {
            remaining,
            reset,
            ietf,
            ietf_policy,
            shopify,
            hubspot_secondly,
        }
    }
}

/// Which header family announced a budget: the `source` of a `paced`
/// event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateSource {
    /// `X-RateLimit-Remaining` / `X-RateLimit-Reset`.
    #[serde(rename = "x_ratelimit")]
    XRateLimit,
    /// The IETF `RateLimit` (and `RateLimit-Policy`) headers.
    Ietf,
    /// Shopify's `X-Shopify-Shop-Api-Call-Limit` leaky bucket.
    ShopifyCallLimit,
    /// HubSpot's `X-HubSpot-RateLimit-Secondly-Remaining`.
    HubspotSecondly,
}

impl RateSource {
    /// Every source, in the order the vocabulary lists them.
    pub(crate) const ALL: [RateSource; 4] = [
        RateSource::XRateLimit,
        RateSource::Ietf,
        RateSource::ShopifyCallLimit,
        RateSource::HubspotSecondly,
    ];

    /// Its name, as events carry it in `source`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            RateSource::XRateLimit => "x_ratelimit",
            RateSource::Ietf => "ietf",
            RateSource::ShopifyCallLimit => "shopify_call_limit",
            RateSource::HubspotSecondly => "hubspot_secondly",
        }
    }

    /// The header that said it, as the log names it.
    pub(crate) fn header(self) -> &'static str {
        match self {
            RateSource::XRateLimit => "X-RateLimit-Remaining",
            RateSource::Ietf => "RateLimit",
            RateSource::ShopifyCallLimit => "X-Shopify-Shop-Api-Call-Limit",
            RateSource::HubspotSecondly => "X-HubSpot-RateLimit-Secondly-Remaining",
        }
    }
}

/// Shopify's documented plans drain their bucket in 20 seconds: 40 at 2
/// calls a second (standard), 80 at 4 (Advanced), 400 at 20 (Plus).
const SHOPIFY_DRAIN: u64 = 20;

/// A reset this large is a Unix time, not a number of seconds.
const UNIX_TIME: u64 = 1_000_000_000;

/// What an answer says of a windowed budget: the requests left, and how
/// long until the window resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Requests left in the window.
    pub(crate) remaining: u64,
    /// Until the window resets.
    pub(crate) reset: Duration,
    /// Which header said it, for the log.
    pub(crate) source: RateSource,
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

/// What an answer says of a leaky bucket (Shopify's call limit): how full
/// it is, and how fast it drains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BucketLevel {
    /// Calls in the bucket, this one included.
    pub(crate) used: u64,
    /// Calls the bucket holds; one more is a 429.
    pub(crate) size: u64,
    /// Thousandths of a call the bucket drains a second (2,000 for the
    /// standard plan's 40).
    pub(crate) leak_milli: u64,
}

impl BucketLevel {
    /// How long one call takes to drain: what a 429 without
    /// `Retry-After` waits at least.
    pub(crate) fn one_call(self) -> Duration {
        Duration::from_micros(1_000_000_000 / self.leak_milli.max(1))
    }
}

/// A budget as an answer announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Announced {
    /// Requests left until a reset.
    Window(Budget),
    /// A leaky bucket's level.
    Bucket(BucketLevel),
}

fn number(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// The `name=value` members of an IETF rate header (both forms).
fn members(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.split([',', ';'])
        .filter_map(|part| part.split_once('='))
        .map(|(name, value)| (name.trim(), value))
}

/// The budget the headers announce, if they announce one; `now_unix` (in
/// seconds) reads a reset given as a Unix time.
pub(crate) fn read_budget(headers: &RateHeaders, now_unix: u64) -> Option<Announced> {
    if let Some(limit) = &headers.shopify {
        let (used, size) = limit.trim().split_once('/')?;
        let (used, size) = (number(used)?, number(size)?);
        if size == 0 {
            return None;
        }
        return Some(Announced::Bucket(BucketLevel {
            used,
            size,
            leak_milli: size * 1000 / SHOPIFY_DRAIN,
        }));
    }
    if let Some(remaining) = headers.hubspot_secondly.as_deref().and_then(number) {
        return Some(Announced::Window(Budget {
            remaining,
            reset: Duration::from_secs(1),
            source: RateSource::HubspotSecondly,
        }));
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
        return Some(Announced::Window(Budget {
            remaining,
            reset,
            source: RateSource::XRateLimit,
        }));
    }
    let ietf = headers.ietf.as_deref()?;
    let mut remaining = None;
    let mut reset = None;
    for (name, value) in members(ietf) {
        match name {
            "remaining" | "r" => remaining = number(value),
            "reset" | "t" => reset = number(value),
            _ => {}
        }
    }
    // Without a reset, the policy's window is the longest the wait can be.
    let window = || {
        members(headers.ietf_policy.as_deref()?)
            .find(|(name, _)| matches!(*name, "w" | "window"))
            .and_then(|(_, value)| number(value))
    };
    Some(Announced::Window(Budget {
        remaining: remaining?,
        reset: Duration::from_secs(reset.or_else(window).unwrap_or(0)),
        source: RateSource::Ietf,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window announced by an answer with these headers, one
    /// `name: value` a line, as a transport looks them up by name.
    fn budget(answer: &str) -> Option<(u64, u64, RateSource)> {
        let headers = RateHeaders::from_lookup(|name| {
            answer
                .lines()
                .filter_map(|line| line.split_once(": "))
                .find(|(header, _)| header.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.to_owned())
        });
        match read_budget(&headers, 1_800_000_000)? {
            Announced::Window(b) => Some((b.remaining, b.reset.as_millis() as u64, b.source)),
            Announced::Bucket(_) => panic!("a window was expected"),
        }
    }

    fn bucket(header: &str) -> Option<BucketLevel> {
        let headers = RateHeaders {
            shopify: Some(header.into()),
            ..RateHeaders::default()
        };
        match read_budget(&headers, 0)? {
            Announced::Bucket(level) => Some(level),
            Announced::Window(_) => panic!("a bucket was expected"),
        }
    }

    #[test]
    fn every_window_announcement_is_read() {
        use RateSource::{HubspotSecondly, Ietf, XRateLimit};
        for (answer, window) in [
            ("", None),
            (
                "X-RateLimit-Remaining: 0\nX-RateLimit-Reset: 7",
                Some((0, 7000, XRateLimit)),
            ),
            // A reset that is a time, not seconds (`now` is 1,800,000,000).
            (
                "X-RateLimit-Remaining: 3\nX-RateLimit-Reset: 1800000005",
                Some((3, 5000, XRateLimit)),
            ),
            (
                "RateLimit: limit=10, remaining=0, reset=4",
                Some((0, 4000, Ietf)),
            ),
            ("RateLimit: \"default\";r=2;t=9", Some((2, 9000, Ietf))),
            (
                "X-HubSpot-RateLimit-Secondly-Remaining: 0",
                Some((0, 1000, HubspotSecondly)),
            ),
            ("X-RateLimit-Remaining: -1", None),
        ] {
            assert_eq!(budget(answer), window, "{answer}");
        }
    }

    #[test]
    fn the_ietf_policy_window_stands_in_for_a_missing_reset() {
        for (answer, window) in [
            (
                "RateLimit: \"default\";r=0\nRateLimit-Policy: \"default\";q=10;w=3",
                (0, 3000),
            ),
            (
                "RateLimit: limit=10, remaining=1\nRateLimit-Policy: 10;w=2",
                (1, 2000),
            ),
            // A reset said is the reset, whatever the window.
            (
                "RateLimit: \"default\";r=0;t=1\nRateLimit-Policy: \"default\";q=10;w=60",
                (0, 1000),
            ),
            // Neither: no reset, so nothing to wait for.
            ("RateLimit: \"default\";r=0", (0, 0)),
        ] {
            let (remaining, reset) = window;
            assert_eq!(
                budget(answer),
                Some((remaining, reset, RateSource::Ietf)),
                "{answer}"
            );
        }
    }

    #[test]
    fn shopify_announces_a_bucket_draining_in_twenty_seconds() {
        let standard = bucket("32/40").expect("read");
        assert_eq!((standard.used, standard.size), (32, 40));
        assert_eq!(standard.leak_milli, 2_000, "2 calls a second");
        assert_eq!(standard.one_call(), Duration::from_millis(500));
        assert_eq!(bucket(" 400/400 ").map(|b| b.leak_milli), Some(20_000));
        assert_eq!(bucket("1/80").map(|b| b.one_call().as_millis()), Some(250));
        assert_eq!(bucket("lots"), None);
        assert_eq!(bucket("3/0"), None, "no bucket to follow");
        // Shopify's header wins over any other the answer carries.
        let both = RateHeaders {
            shopify: Some("40/40".into()),
            remaining: Some("9".into()),
            ..RateHeaders::default()
        };
        assert!(matches!(
            read_budget(&both, 0),
            Some(Announced::Bucket(BucketLevel { used: 40, .. }))
        ));
    }

    #[test]
    fn only_a_budget_the_requests_in_flight_will_spend_pauses() {
        let pause = |remaining, secs, in_flight| {
            Budget {
                remaining,
                reset: Duration::from_secs(secs),
                source: RateSource::XRateLimit,
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

    #[test]
    fn every_source_names_its_header() {
        for (source, name) in RateSource::ALL.into_iter().zip([
            "x_ratelimit",
            "ietf",
            "shopify_call_limit",
            "hubspot_secondly",
        ]) {
            assert_eq!(serde_json::to_value(source).unwrap(), name);
            assert_eq!(source.name(), name);
            assert!(RateHeaders::NAMES.contains(&source.header().to_ascii_lowercase().as_str()));
        }
    }
}
