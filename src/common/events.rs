//! What a run tells the page as it goes: events with a `kind` and its
//! data for the page to act on, and a sentence for people. The page
//! branches on `kind` and the data, never on the sentence. Fetch runs
//! ([`crate::fetch::events`]) and uploads ([`crate::stream`]) each have
//! their own kinds.

use serde::Serialize;

/// How much an event matters.
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

/// One event: when, how much it matters, what, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunEvent<K> {
    /// UTC time with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub at: String,
    /// How much it matters.
    pub level: Level,
    /// What happened.
    #[serde(flatten)]
    pub kind: K,
    /// What happened, for a person (empty for progress).
    pub message: String,
}
