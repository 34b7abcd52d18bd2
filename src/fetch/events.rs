//! What a fetch run tells the page as it goes (log entries and progress)
//! and the metrics it ends with.

use serde::Serialize;

use super::classify::RetryCause;

/// How much a log entry matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Normal progress.
    Info,
    /// Something went wrong but the run goes on (a retry, a wait, a changed total).
    Warn,
    /// A page failed for good, or the run stopped.
    Error,
}

/// One line of the run log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    /// UTC time with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub at: String,
    /// How much it matters.
    pub level: Level,
    /// The page concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// The attempt number for that page (1 = first try), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// The wait chosen before the next attempt, in milliseconds, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_ms: Option<u64>,
    /// What happened, for a person.
    pub message: String,
}

/// A snapshot of the run's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Pages fetched successfully (from the network or the cache).
    pub pages_done: u64,
    /// Pages that failed for good.
    pub pages_failed: u64,
    /// Pages known to exist, once page 1 told us.
    pub pages_total: Option<u64>,
    /// Records in the pages fetched so far.
    pub records: u64,
    /// HTTP requests sent so far.
    pub requests: u64,
    /// Retries so far (all causes).
    pub retries: u64,
    /// 429 waits so far.
    pub rate_limit_waits: u64,
}

/// An event for the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FetchEvent {
    /// A log line.
    Log(LogEntry),
    /// Progress changed.
    Progress(Progress),
}

/// Retries per cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetryCounts {
    /// After 5xx statuses (501 excepted).
    pub server_error: u64,
    /// After 408.
    pub request_timeout: u64,
    /// After no answer within the timeout.
    pub timeout: u64,
    /// After network errors.
    pub network: u64,
    /// After 2xx responses whose body was not JSON.
    pub malformed_body: u64,
}

impl RetryCounts {
    /// Counts one retry.
    pub fn add(&mut self, cause: RetryCause) {
        let slot = match cause {
            RetryCause::ServerError(_) => &mut self.server_error,
            RetryCause::RequestTimeout => &mut self.request_timeout,
            RetryCause::Timeout => &mut self.timeout,
            RetryCause::Network => &mut self.network,
            RetryCause::MalformedBody => &mut self.malformed_body,
        };
        *slot += 1;
    }

    /// All retries.
    pub fn total(&self) -> u64 {
        self.server_error + self.request_timeout + self.timeout + self.network + self.malformed_body
    }
}

/// The metrics of a fetch run, carried in the report's metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FetchStats {
    /// HTTP requests sent.
    pub requests: u64,
    /// Requests that returned a usable page.
    pub successful_requests: u64,
    /// Pages served from the in-memory cache instead of the network.
    pub cache_hits: u64,
    /// Retries per cause.
    pub retries: RetryCounts,
    /// 429 responses.
    pub rate_limited: u64,
    /// Total time spent in deliberate waits, in milliseconds.
    pub waited_ms: u64,
    /// `successful_requests / requests` (1 when no request was needed).
    pub success_rate: f64,
    /// The concurrency at the end of the run (lowered after 429s).
    pub final_concurrency: usize,
    /// Wall time of fetching, in milliseconds.
    pub fetch_ms: u64,
    /// Wall time of processing the records into the report, in milliseconds.
    pub process_ms: u64,
}
