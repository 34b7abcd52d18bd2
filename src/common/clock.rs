//! The time, as a trait: the fetcher stamps its log and reads HTTP-dates
//! with it, the pipeline times itself with it, and tests pass a fake.

use chrono::{DateTime, Utc};

/// The current time.
pub trait Clock {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// Milliseconds from `since` to now (0 if the clock went backwards).
pub(crate) fn millis_since(clock: &dyn Clock, since: DateTime<Utc>) -> u64 {
    u64::try_from((clock.now() - since).num_milliseconds()).unwrap_or(0)
}
