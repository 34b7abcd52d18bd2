//! What a run says as it goes, on standard error (standard output is the
//! report's): plain lines `TIME LEVEL message`, or with `--log json` the
//! core's events as JSON lines (each with its `kind`), and nothing but
//! errors with `--quiet`. When standard error is a terminal, a progress
//! line is kept under the log lines.

use std::cell::Cell;
use std::io::{IsTerminal, Write};

use customer_pipeline::common::events::{Level, RunEvent};
use serde::Serialize;

use crate::outcome::Failure;

/// How events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    /// `TIME LEVEL message` lines.
    Text,
    /// One JSON object per event, as the page receives them.
    Json,
}

/// The run's log on standard error.
#[derive(Debug)]
pub(crate) struct Log {
    format: LogFormat,
    quiet: bool,
    /// Whether progress is shown (text log on a terminal, not quiet).
    live: bool,
    /// Whether a progress line is on the screen now.
    showing: Cell<bool>,
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

impl Log {
    pub(crate) fn new(format: LogFormat, quiet: bool) -> Self {
        Log {
            format,
            quiet,
            live: !quiet && format == LogFormat::Text && std::io::stderr().is_terminal(),
            showing: Cell::new(false),
        }
    }

    /// Shows `text` as the progress line (on a terminal only).
    pub(crate) fn progress(&self, text: &str) {
        if self.live {
            let _ = write!(std::io::stderr().lock(), "\r{text}\x1b[K");
            self.showing.set(true);
        }
    }

    /// Takes the progress line away, before a log line or at the end.
    pub(crate) fn clear_progress(&self) {
        if self.showing.replace(false) {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }

    /// Writes one of the core's events.
    pub(crate) fn event<K: Serialize>(&self, event: &RunEvent<K>) {
        if self.quiet || event.message.is_empty() && self.format == LogFormat::Text {
            return;
        }
        self.clear_progress();
        let line = match self.format {
            LogFormat::Json => serde_json::to_string(event).unwrap_or_default(),
            LogFormat::Text => format!(
                "{} {:<5} {}",
                event.at,
                level_name(event.level),
                event.message
            ),
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// Says why the run failed; shown even with `--quiet`.
    pub(crate) fn failure(&self, failure: &Failure) {
        self.clear_progress();
        let line = match self.format {
            LogFormat::Json => serde_json::json!({
                "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "level": "error",
                "kind": "failed",
                "code": failure.code(),
                "message": failure.message(),
            })
            .to_string(),
            LogFormat::Text => format!(
                "customer-pipeline: error ({}): {}",
                failure.code(),
                failure.message()
            ),
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}
