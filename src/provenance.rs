//! What a run can prove about where its records came from: the pages
//! fetched and failed, the records the API stated and sent, the safety
//! limit, and the request statistics.
//!
//! Plain data shared by the fetcher, which finds these facts out, and the
//! report, which writes them down, so that neither depends on the other.

use serde::Serialize;

/// Why a page is missing (or incomplete), as a code a program can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCode {
    /// 401 or 403: the API did not accept the key.
    AuthRejected,
    /// 404: the URL is wrong.
    NotFound,
    /// Another status that retrying cannot fix (other 4xx, 501, 1xx, …).
    HttpStatus,
    /// Retries ran out on 5xx answers.
    ServerError,
    /// Retries ran out on 408 answers.
    RequestTimeout,
    /// Retries ran out on attempts that got no answer in time.
    Timeout,
    /// Retries ran out on network failures (or CORS refusals).
    Network,
    /// Retries ran out on 2xx bodies that were not JSON.
    MalformedBody,
    /// 429 waits ran out, or the API asked for a wait over the limit.
    RateLimited,
    /// A 2xx JSON body that is not a page envelope.
    NotAnEnvelope,
    /// The body named another page than the one requested, every retry.
    WrongPage,
    /// The body repeated another page's records, every retry.
    RepeatedPage,
    /// A page before the last came back with fewer records than a page
    /// holds; its records are kept, and retrying may complete it.
    ShortPage,
    /// A redirect to another origin, which the API key must not follow.
    RedirectOtherOrigin,
    /// A redirect whose target this page cannot see.
    RedirectUnreadable,
    /// More redirects than allowed in a row.
    TooManyRedirects,
    /// The API URL is not one a run may fetch.
    InvalidUrl,
    /// The answer was larger than the most a page may be.
    PageTooLarge,
    /// A cursor or next-page URL seen before in the same walk: the API
    /// loops, and following it would never end. The run stops there.
    RepeatedCursor,
    /// A next-page URL (in the body or the `Link` header) on another
    /// origin: the API key is never sent there, so the walk stops.
    NextOtherOrigin,
    /// No answer from an API on another origin than the page's, every
    /// retry: the API may not allow browser requests (CORS); the command
    /// line reaches it.
    CorsBlocked,
}

impl FailureCode {
    /// Every code.
    pub(crate) const ALL: [FailureCode; 21] = [
        FailureCode::AuthRejected,
        FailureCode::NotFound,
        FailureCode::HttpStatus,
        FailureCode::ServerError,
        FailureCode::RequestTimeout,
        FailureCode::Timeout,
        FailureCode::Network,
        FailureCode::MalformedBody,
        FailureCode::RateLimited,
        FailureCode::NotAnEnvelope,
        FailureCode::WrongPage,
        FailureCode::RepeatedPage,
        FailureCode::ShortPage,
        FailureCode::RedirectOtherOrigin,
        FailureCode::RedirectUnreadable,
        FailureCode::TooManyRedirects,
        FailureCode::InvalidUrl,
        FailureCode::PageTooLarge,
        FailureCode::RepeatedCursor,
        FailureCode::NextOtherOrigin,
        FailureCode::CorsBlocked,
    ];

    /// The code as reports and errors write it.
    pub fn name(self) -> &'static str {
        match self {
            FailureCode::AuthRejected => "auth_rejected",
            FailureCode::NotFound => "not_found",
            FailureCode::HttpStatus => "http_status",
            FailureCode::ServerError => "server_error",
            FailureCode::RequestTimeout => "request_timeout",
            FailureCode::Timeout => "timeout",
            FailureCode::Network => "network",
            FailureCode::MalformedBody => "malformed_body",
            FailureCode::RateLimited => "rate_limited",
            FailureCode::NotAnEnvelope => "not_an_envelope",
            FailureCode::WrongPage => "wrong_page",
            FailureCode::RepeatedPage => "repeated_page",
            FailureCode::ShortPage => "short_page",
            FailureCode::RedirectOtherOrigin => "redirect_other_origin",
            FailureCode::RedirectUnreadable => "redirect_unreadable",
            FailureCode::TooManyRedirects => "too_many_redirects",
            FailureCode::InvalidUrl => "invalid_url",
            FailureCode::PageTooLarge => "page_too_large",
            FailureCode::RepeatedCursor => "repeated_cursor",
            FailureCode::NextOtherOrigin => "next_other_origin",
            FailureCode::CorsBlocked => "cors_blocked",
        }
    }
}

/// What a warning is about: the `code` of a report's warning and of a
/// `warning` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// Pages stated other `total` or `total_pages` than the latest, and
    /// still did when fetched again: the data moved during the walk, or
    /// the API contradicts itself.
    TotalChanged,
    /// The last record of a page came back as the first of the next page
    /// (the listing shifted), and fetching them again did not settle it.
    PagesShifted,
    /// The records received differ from the `total` the API stated.
    RecordCountMismatch,
    /// The page limit cut the run short.
    Truncated,
    /// A walk (no `total_pages`) stopped at a failed page.
    WalkStopped,
    /// Pages could not be stored on (or read from) this device, e.g. its
    /// storage is full; the run goes on in memory. Said once per run, as
    /// an event only: the report's data is whole either way.
    StoreUnavailable,
    /// A cursor walk (cursor, link or next URL) with pages kept on the
    /// device: it starts over from the first page and reuses no kept page,
    /// since a cursor names a moment of the listing, not a place in it.
    /// An event only.
    CursorStartsOver,
    /// The run was cancelled before every page was fetched (a report
    /// only: the run's event is `finished` with `end: cancelled`).
    Cancelled,
}

/// Something a person should know about a run, as the report lists it
/// in `metadata.warnings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Warning {
    /// What it is about, for programs.
    pub(crate) code: WarningCode,
    /// The page concerned, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) page: Option<u64>,
    /// The sentence, for people.
    pub(crate) message: String,
}

/// A page that could not be fetched (or only in part), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageFailure {
    /// Its number.
    pub(crate) page: u64,
    /// Requests made for it.
    pub(crate) attempts: u32,
    /// What kind of failure.
    pub code: FailureCode,
    /// What went wrong and what to do, for a person.
    pub reason: String,
}

/// The run stopped at the page limit, so the API may hold more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Truncation {
    /// The most pages a run fetches.
    pub(crate) limit: u64,
    /// The pages the API stated (`total_pages`), or `None` when it stated none.
    pub(crate) pages_stated: Option<u64>,
}

/// What ended a walk without `total_pages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WalkEnd {
    /// A page with no records.
    EmptyPage,
    /// A page with fewer records than a page holds.
    ShortPage,
    /// The page count implied by the stated `total` and the page size, or
    /// the stated `total` received.
    StatedTotal,
    /// The page after the last one repeated it (the API clamps past its
    /// end); the repeat is not data and is not kept.
    RepeatedLastPage,
    /// The page gave no next page (no cursor, no `Link` `rel="next"`, no
    /// next URL): the end of a cursor walk.
    NoNextPage,
}

/// Where and why a walk without `total_pages` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct WalkEnding {
    /// The last page whose records are in the report.
    pub(crate) last_page: u64,
    /// Why no later page was asked for (or kept).
    pub(crate) by: WalkEnd,
}

/// Retries per cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct RetryCounts {
    /// After 5xx statuses (501 excepted).
    pub(crate) server_error: u64,
    /// After 408.
    pub(crate) request_timeout: u64,
    /// After no answer within the timeout.
    pub(crate) timeout: u64,
    /// After network errors.
    pub(crate) network: u64,
    /// After 2xx responses whose body was not JSON.
    pub(crate) malformed_body: u64,
    /// After bodies naming another page or repeating another page's records.
    pub(crate) bad_answer: u64,
    /// After a page before the last came back short.
    pub(crate) short_page: u64,
}

impl RetryCounts {
    /// All retries.
    pub(crate) fn total(&self) -> u64 {
        self.server_error
            + self.request_timeout
            + self.timeout
            + self.network
            + self.malformed_body
            + self.bad_answer
            + self.short_page
    }
}

/// The request metrics of an API run, carried in the report's `metadata.fetch`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub(crate) struct FetchStats {
    /// HTTP requests sent (redirect hops included).
    pub(crate) requests: u64,
    /// Requests that returned a usable page.
    pub(crate) successful_requests: u64,
    /// Pages served from the cache instead of the network.
    pub(crate) cache_hits: u64,
    /// Of `cache_hits`, the pages kept on this device by an earlier run
    /// (a resumed run's reused pages).
    pub(crate) pages_from_device: u64,
    /// Pages accepted from the API's answers in this run.
    pub(crate) pages_from_network: u64,
    /// Of `pages_from_network`, the pages accepted on their first request:
    /// no retry and no rate-limit wait. With `pages_from_network`, the
    /// first-try success the page shows (a page that needed a retry still
    /// arrived; `success_rate`, of requests, reads lower for it).
    pub(crate) pages_first_try: u64,
    /// Retries per cause.
    pub(crate) retries: RetryCounts,
    /// 429 responses.
    pub(crate) rate_limited: u64,
    /// Total time spent in deliberate waits, in milliseconds.
    pub(crate) waited_ms: u64,
    /// `successful_requests / requests` (1 when no request was needed).
    pub(crate) success_rate: f64,
    /// The concurrency at the end of the run (lowered after 429s).
    pub(crate) final_concurrency: usize,
    /// Wall time of fetching, in milliseconds.
    pub(crate) fetch_ms: u64,
    /// Time requests waited because the API announced its budget was
    /// spent (`X-RateLimit-*`, `RateLimit`, Shopify's call limit, HubSpot's
    /// secondly limit), in milliseconds; written only when some was.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) paced_ms: u64,
    /// Wall time of turning the pages into the report, in milliseconds
    /// (filled in by the pipeline, not the fetcher).
    pub(crate) process_ms: u64,
}

fn is_zero_u64(value: &u64) -> bool {
    *value == 0
}

/// Everything an API run proved about its source, for the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApiProvenance {
    /// The endpoint as configured (never with the API key).
    pub(crate) url: String,
    /// Where same-origin redirects led (without query), when any did.
    pub(crate) redirected_to: Vec<String>,
    /// Pages the API stated (`total_pages` as the page accepted last
    /// stated it, at least 1), if it did.
    pub(crate) pages_total: Option<u64>,
    /// Pages whose records are in the report.
    pub(crate) pages_fetched: usize,
    /// Records the API stated (`total` as the page accepted last stated
    /// it), if it did.
    pub(crate) records_stated: Option<u64>,
    /// Records received on the pages in the report, counted as they came:
    /// repeated ids and records without an id count, as they do in `total`.
    pub(crate) records_received: u64,
    /// For a walk without `total_pages`: where and why it ended.
    pub(crate) walk_ended: Option<WalkEnding>,
    /// Times pages were fetched again because the data moved during the
    /// walk (at most 2).
    pub(crate) refetches: u32,
    /// Whether every record the API holds is provably in the report.
    pub(crate) complete: bool,
    /// Pages missing or incomplete, by page number.
    pub failed_pages: Vec<PageFailure>,
    /// Things a person should know (changed totals, mismatched counts, limits).
    pub(crate) warnings: Vec<Warning>,
    /// Set when the page limit cut the run short.
    pub(crate) truncated: Option<Truncation>,
    /// Whether the run was cancelled.
    pub cancelled: bool,
    /// Requests, retries and timings.
    pub(crate) stats: FetchStats,
    /// Where the records were in each page (`data`, `customers`, …), as
    /// set or detected on the first page.
    pub(crate) records_path: Option<String>,
    /// The API's shape as the run used it: the preset, the pagination and
    /// auth kinds, their parameter names (never the key).
    pub(crate) api: std::collections::BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_codes_are_named_as_serde_writes_them() {
        crate::common::testing::assert_serialized_as(&FailureCode::ALL, FailureCode::name);
        let mut names: Vec<&str> = FailureCode::ALL.map(FailureCode::name).to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), FailureCode::ALL.len(), "each once");
    }

    #[test]
    fn a_warning_names_its_code_its_page_when_one_is_concerned_and_says_it() {
        let shifted = Warning {
            code: WarningCode::PagesShifted,
            page: Some(3),
            message: "The last record of page 3 …".into(),
        };
        assert_eq!(
            serde_json::to_string(&shifted).unwrap(),
            r#"{"code":"pages_shifted","page":3,"message":"The last record of page 3 …"}"#
        );
        let mismatch = Warning {
            code: WarningCode::RecordCountMismatch,
            page: None,
            message: "The API states total = 20 records …".into(),
        };
        assert_eq!(
            serde_json::to_string(&mismatch).unwrap(),
            r#"{"code":"record_count_mismatch","message":"The API states total = 20 records …"}"#
        );
        assert_eq!(
            serde_json::to_value(WarningCode::Cancelled).unwrap(),
            "cancelled"
        );
    }
}
