//! What a fetch run tells the page as it goes: typed events, each with a
//! `kind` and its data for the page to act on, and a sentence for people.
//! The page branches on `kind` and the data, never on the sentence.

use serde::Serialize;

use super::budget::RateSource;
use crate::common::events::{event_kinds, RunEvent};
use crate::provenance::{FailureCode, WalkEnd, WarningCode};

/// Why an attempt is worth retrying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryCause {
    /// A 5xx status other than 501.
    ServerError,
    /// 408 Request Timeout.
    RequestTimeout,
    /// No answer within the attempt's time allowance.
    Timeout,
    /// The network failed (or CORS hid the response).
    Network,
    /// A 2xx whose body is not valid JSON (truncated, garbled).
    MalformedBody,
    /// A body naming another page, or repeating another page's records.
    BadAnswer,
    /// A page before the last with fewer records than a page holds.
    ShortPage,
}

/// Where an accepted page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageSource {
    /// A request to the API.
    Network,
    /// The memory cache of this tab (no request).
    Memory,
    /// The pages kept on this device by an earlier run (no request).
    Device,
}

/// Why requests wait for the budget an API announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaceReason {
    /// The API said no requests are left in its window: requests wait for
    /// its reset.
    Spent,
    /// The API said some requests are left, but no more than the requests
    /// in flight (or started since its answer) will spend: requests wait
    /// for its reset.
    InFlight,
    /// The API's leaky bucket (Shopify's call limit) has no room for
    /// another request, counting those in flight: requests go at its
    /// leak rate.
    BucketFull,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunEnd {
    /// Every record is provably there.
    Complete,
    /// Something is missing; the report says what.
    Partial,
    /// Stopped by the user.
    Cancelled,
}

/// What happened, with the data the page needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The run started.
    Started {
        /// The endpoint.
        url: String,
    },
    /// A page arrived and was accepted.
    PageFetched {
        /// Its number.
        page: u64,
        /// Records on it.
        records: usize,
        /// Where it came from.
        source: PageSource,
        /// For a page from the device: when it was stored (RFC 3339, UTC).
        stored_at: Option<String>,
    },
    /// A same-origin redirect is being followed.
    Redirected {
        /// The page.
        page: u64,
        /// Where to (the full URL, which never holds the key).
        to: String,
    },
    /// A retry after a backoff wait.
    Retry {
        /// The page.
        page: u64,
        /// Why.
        cause: RetryCause,
        /// This retry's number for the page, from 1.
        retry: u32,
        /// Retries allowed per page.
        of: u32,
        /// The wait before it.
        wait_ms: u64,
    },
    /// A wait demanded by a 429 answer.
    RateLimitWait {
        /// The page.
        page: u64,
        /// This wait's number for the page, from 1.
        wait: u32,
        /// Waits allowed per page.
        of: u32,
        /// The wait.
        wait_ms: u64,
        /// The `Retry-After` header, when it was visible and readable.
        retry_after: Option<String>,
    },
    /// Requests wait for the budget the API announced, before it says 429
    /// (once when the slowdown starts, not for every request).
    Paced {
        /// The page whose answer announced it, or whose request waits.
        page: u64,
        /// Which headers announced the budget.
        source: RateSource,
        /// Why requests wait.
        reason: PaceReason,
        /// The wait of the next request.
        wait_ms: u64,
        /// Requests sent, or holding a slot, and not yet answered: they
        /// count against the budget.
        in_flight: u64,
    },
    /// The concurrency was lowered after a 429.
    ConcurrencyLowered {
        /// The page whose 429 did it.
        page: u64,
        /// Before.
        from: usize,
        /// After.
        to: usize,
    },
    /// A page failed for good (or, for a short page, in part).
    PageFailed {
        /// The page.
        page: u64,
        /// Requests made for it.
        attempts: u32,
        /// Why.
        code: FailureCode,
    },
    /// Something a person should know.
    Warning {
        /// What about.
        code: WarningCode,
        /// The page concerned, if one is.
        page: Option<u64>,
    },
    /// The data moved during the walk: every page is fetched again.
    Refetch {
        /// This re-walk's number, from 1.
        refetch: u32,
        /// Re-walks allowed per run.
        of: u32,
        /// The pages the walk had, all fetched again.
        pages: usize,
    },
    /// A walk without `total_pages` ended.
    WalkEnded {
        /// The last page whose records are kept.
        page: u64,
        /// Why.
        by: WalkEnd,
    },
    /// The run ended.
    Finished {
        /// How.
        end: RunEnd,
        /// Pages whose records are in the report.
        pages_fetched: usize,
        /// Pages missing or incomplete.
        pages_failed: usize,
    },
    /// Progress changed.
    Progress(Progress),
}

event_kinds!(EventKind {
    Started => "started", "Run started";
    PageFetched => "page_fetched", "Page fetched";
    Redirected => "redirected", "Redirect followed";
    Retry => "retry", "Retry after backoff";
    RateLimitWait => "rate_limit_wait", "Rate-limit wait";
    Paced => "paced", "Paced by the API's budget";
    ConcurrencyLowered => "concurrency_lowered", "Concurrency lowered";
    PageFailed => "page_failed", "Page failed";
    Warning => "warning", "Warning";
    Refetch => "refetch", "Pages fetched again";
    WalkEnded => "walk_ended", "Walk ended";
    Finished => "finished", "Run finished";
    Progress => "progress", "Progress";
});

/// A fetch run's event.
pub type FetchEvent = RunEvent<EventKind>;

/// A snapshot of the run's progress. Its counts are the ones that end up
/// in the report's `metadata.fetch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Pages fetched successfully (from the network or the cache).
    pub(crate) pages_done: u64,
    /// Pages that failed for good.
    pub(crate) pages_failed: u64,
    /// Pages known to exist, once page 1 told us (after the page limit).
    pub(crate) pages_total: Option<u64>,
    /// Records in the pages accepted so far.
    pub(crate) records: u64,
    /// HTTP requests sent so far.
    pub(crate) requests: u64,
    /// Retries so far (all causes; 429 waits are counted apart).
    pub(crate) retries: u64,
    /// 429 waits so far.
    pub(crate) rate_limit_waits: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::common::events::Level;

    #[test]
    fn kinds_name_every_event_as_it_serializes() {
        let each = [
            EventKind::Started { url: String::new() },
            EventKind::PageFetched {
                page: 1,
                records: 0,
                source: PageSource::Network,
                stored_at: None,
            },
            EventKind::Redirected {
                page: 1,
                to: String::new(),
            },
            EventKind::Retry {
                page: 1,
                cause: RetryCause::Timeout,
                retry: 1,
                of: 3,
                wait_ms: 0,
            },
            EventKind::RateLimitWait {
                page: 1,
                wait: 1,
                of: 5,
                wait_ms: 0,
                retry_after: None,
            },
            EventKind::Paced {
                page: 1,
                source: RateSource::ShopifyCallLimit,
                reason: PaceReason::BucketFull,
                wait_ms: 500,
                in_flight: 3,
            },
            EventKind::ConcurrencyLowered {
                page: 1,
                from: 2,
                to: 1,
            },
            EventKind::PageFailed {
                page: 1,
                attempts: 1,
                code: FailureCode::Network,
            },
            EventKind::Warning {
                code: WarningCode::Truncated,
                page: None,
            },
            EventKind::Refetch {
                refetch: 1,
                of: 2,
                pages: 1,
            },
            EventKind::WalkEnded {
                page: 1,
                by: WalkEnd::EmptyPage,
            },
            EventKind::Finished {
                end: RunEnd::Complete,
                pages_fetched: 1,
                pages_failed: 0,
            },
            EventKind::Progress(Progress::default()),
        ];
        crate::common::testing::assert_kinds_named(&each, &EventKind::KINDS, EventKind::name);
    }

    #[test]
    fn events_serialize_flat_with_their_kind() {
        let event = FetchEvent {
            at: "2026-11-24T12:00:00.000Z".into(),
            level: Level::Warn,
            kind: EventKind::Retry {
                page: 2,
                cause: RetryCause::ServerError,
                retry: 1,
                of: 3,
                wait_ms: 1000,
            },
            message: "Page 2: HTTP 503; retry 1 of 3 in 1 s".into(),
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"at":"2026-11-24T12:00:00.000Z","level":"warn","kind":"retry","page":2,"cause":"server_error","retry":1,"of":3,"wait_ms":1000,"message":"Page 2: HTTP 503; retry 1 of 3 in 1 s"}"#
        );
        let progress = FetchEvent {
            at: "t".into(),
            level: Level::Info,
            kind: EventKind::Progress(Progress {
                pages_total: Some(3),
                ..Progress::default()
            }),
            message: String::new(),
        };
        let json = serde_json::to_string(&progress).unwrap();
        assert!(
            json.contains(r#""kind":"progress","pages_done":0,"pages_failed":0,"pages_total":3"#),
            "{json}"
        );
        let stored = FetchEvent {
            at: "t".into(),
            level: Level::Info,
            kind: EventKind::PageFetched {
                page: 7,
                records: 6,
                source: PageSource::Device,
                stored_at: Some("2026-11-25T10:04:00Z".into()),
            },
            message: String::new(),
        };
        let paced = FetchEvent {
            at: "t".into(),
            level: Level::Info,
            kind: EventKind::Paced {
                page: 41,
                source: RateSource::XRateLimit,
                reason: PaceReason::InFlight,
                wait_ms: 1000,
                in_flight: 4,
            },
            message: String::new(),
        };
        assert_eq!(
            serde_json::to_string(&paced).unwrap(),
            r#"{"at":"t","level":"info","kind":"paced","page":41,"source":"x_ratelimit","reason":"in_flight","wait_ms":1000,"in_flight":4,"message":""}"#
        );
        assert_eq!(
            serde_json::to_string(&stored).unwrap(),
            r#"{"at":"t","level":"info","kind":"page_fetched","page":7,"records":6,"source":"device","stored_at":"2026-11-25T10:04:00Z","message":""}"#
        );
    }
}
