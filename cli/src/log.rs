//! What a run says as it goes, on standard error (standard output is the
//! report's): plain lines `TIME LEVEL message`, or with `--log json` the
//! core's events as JSON lines (each with its `kind`), and nothing but
//! errors with `--quiet`.

use std::io::Write;

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
#[derive(Debug, Clone, Copy)]
pub(crate) struct Log {
    pub format: LogFormat,
    pub quiet: bool,
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Info => "info",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

impl Log {
    /// Writes one of the core's events.
    pub(crate) fn event<K: Serialize>(&self, event: &RunEvent<K>) {
        if self.quiet || event.message.is_empty() && self.format == LogFormat::Text {
            return;
        }
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
        let line = match self.format {
            LogFormat::Json => serde_json::json!({
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
