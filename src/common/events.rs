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

impl Level {
    /// Every level, from the least to the most that matters: the order
    /// the page's log filter follows.
    pub(crate) const ALL: [Level; 3] = [Level::Info, Level::Warn, Level::Error];

    /// The level's name, as events carry it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    /// The events of this level, as people read them in a list.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Level::Info => "Information",
            Level::Warn => "Warnings",
            Level::Error => "Errors",
        }
    }
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

/// Declares an event kind enum's `KINDS`: every kind as events carry it in
/// `kind`, with how people read it, in the order given (the run log's and
/// the vocabulary's); and, for tests, `name()`, the kind of one event. The
/// match is exhaustive, so a new variant does not compile until it is named.
macro_rules! event_kinds {
    ($ty:ident { $($variant:ident => $name:literal, $label:literal;)* }) => {
        impl $ty {
            /// Every kind, as events carry it in `kind`, with how people read it.
            pub(crate) const KINDS: [(&'static str, &'static str); [$($name),*].len()] =
                [$(($name, $label)),*];

            /// This event's kind, as it carries it in `kind`.
            #[cfg(test)]
            pub(crate) fn name(&self) -> &'static str {
                match self {
                    $($ty::$variant { .. } => $name,)*
                }
            }
        }
    };
}

pub(crate) use event_kinds;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_named_as_events_carry_them_least_first() {
        crate::common::testing::assert_serialized_as(&Level::ALL, Level::name);
        let mut sorted = Level::ALL;
        sorted.sort_by_key(|level| *level as u8);
        assert_eq!(sorted, Level::ALL, "the declaration order is the severity");
    }
}
