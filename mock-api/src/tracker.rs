//! Attempt counters and the request log behind `/__admin/log`.
//!
//! Attempts are counted per `(scenario, page)`, where the scenario is the
//! normalised query without `page`: two test scenarios running at once
//! (say, `fail_pages=3` and `rate_limit_rate=1`) each see their own attempt
//! 1, 2, 3 for the same page.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

/// The log keeps at most this many entries, dropping the oldest, so a
/// long-running server does not grow without bound.
pub const MAX_LOG_ENTRIES: usize = 100_000;

/// One handled API request, as `/__admin/log` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Position among all API requests since start or the last reset, from 1.
    pub seq: u64,
    /// Page asked for.
    pub page: u32,
    /// Attempt number of that page in its scenario, from 1.
    pub attempt: u32,
    /// `ok`, `slow`, `malformed`, `500`, `503`, `429`, `401` or `302`.
    pub outcome: String,
    /// HTTP status sent.
    pub status: u16,
    /// `Retry-After` value sent with a 429.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<String>,
    /// Records in `data`.
    pub records: usize,
    /// The request path as received, e.g. `/api/users` or `/api/moved/users`.
    pub path: String,
    /// The `Host` header as received (`null` without one): which name of
    /// the server the client used, so a test can tell origins apart.
    pub host: Option<String>,
    /// Whether the request carried an `x-api-key` header. Never its value:
    /// this is how a test proves a key did not travel somewhere.
    pub api_key_sent: bool,
}

/// Numbers handed to a request when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// Its `seq` in the log.
    pub seq: u64,
    /// Its attempt number for the page.
    pub attempt: u32,
    /// The reset generation it belongs to.
    generation: u64,
}

/// Attempt counters plus the log; the server keeps one behind a mutex.
#[derive(Debug, Default)]
pub struct Tracker {
    attempts: HashMap<(String, u32), u32>,
    log: VecDeque<LogEntry>,
    last_seq: u64,
    generation: u64,
}

impl Tracker {
    /// Counts a new attempt of `page` in `scenario` and numbers the request.
    pub fn begin(&mut self, scenario: &str, page: u32) -> Ticket {
        let counter = self
            .attempts
            .entry((scenario.to_string(), page))
            .or_insert(0);
        *counter = counter.saturating_add(1);
        self.last_seq += 1;
        Ticket {
            seq: self.last_seq,
            attempt: *counter,
            generation: self.generation,
        }
    }

    /// Adds the finished request to the log.
    ///
    /// A request that began before a reset is dropped, so a reset log only
    /// shows what happened after it.
    pub fn record(&mut self, ticket: Ticket, entry: LogEntry) {
        if ticket.generation != self.generation {
            return;
        }
        if self.log.len() >= MAX_LOG_ENTRIES {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    /// Forgets all attempts and log entries; `seq` starts again at 1.
    pub fn reset(&mut self) {
        self.attempts.clear();
        self.log.clear();
        self.last_seq = 0;
        self.generation += 1;
    }

    /// The log in `seq` order (requests can finish out of order).
    pub fn entries(&self) -> Vec<LogEntry> {
        let mut entries: Vec<LogEntry> = self.log.iter().cloned().collect();
        entries.sort_by_key(|e| e.seq);
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(ticket: Ticket, page: u32) -> LogEntry {
        LogEntry {
            seq: ticket.seq,
            page,
            attempt: ticket.attempt,
            outcome: "ok".into(),
            status: 200,
            retry_after: None,
            records: 6,
            path: "/api/users".into(),
            host: Some("127.0.0.1:8080".into()),
            api_key_sent: false,
        }
    }

    #[test]
    fn counts_attempts_per_scenario_and_page() {
        let mut t = Tracker::default();
        assert_eq!(t.begin("", 1).attempt, 1);
        assert_eq!(t.begin("", 1).attempt, 2);
        assert_eq!(t.begin("", 2).attempt, 1);
        assert_eq!(t.begin("fail_pages=3", 1).attempt, 1);
        let fourth = t.begin("", 1);
        assert_eq!((fourth.seq, fourth.attempt), (5, 3));
    }

    #[test]
    fn log_is_in_seq_order_and_reset_clears_it() {
        let mut t = Tracker::default();
        let a = t.begin("", 1);
        let b = t.begin("", 2);
        t.record(b, entry(b, 2));
        t.record(a, entry(a, 1));
        let seqs: Vec<u64> = t.entries().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);

        let stale = t.begin("", 1);
        t.reset();
        t.record(stale, entry(stale, 1));
        assert!(
            t.entries().is_empty(),
            "a request from before the reset is not logged"
        );
        let fresh = t.begin("", 1);
        assert_eq!((fresh.seq, fresh.attempt), (1, 1));
    }

    #[test]
    fn entry_json_omits_missing_retry_after() {
        // The first request's ticket; the entry is what the log writes.
        let a = Ticket {
            seq: 1,
            attempt: 1,
            generation: 0,
        };
        let text = serde_json::to_string(&entry(a, 1)).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"seq":1,"page":1,"attempt":1,"outcome":"ok","status":200,"records":6,"path":"/api/users","host":"127.0.0.1:8080","api_key_sent":false}"#
        );
        let bare = LogEntry {
            host: None,
            api_key_sent: true,
            ..entry(a, 1)
        };
        let text = serde_json::to_string(&bare).unwrap_or_default();
        assert!(
            text.ends_with(r#""host":null,"api_key_sent":true}"#),
            "{text}"
        );
    }
}
