//! Helpers every floor shares, depending on nothing of the crate: stable
//! hashing and SplitMix64, the clock, dates, values as sources give them,
//! interned texts, the shape of a run's events, what an error carries
//! to the page, compact JSON text from pretty, counts and sizes in words,
//! and the byte encoding of what one worker hands another.

pub(crate) mod clock;
pub mod dates;
pub(crate) mod errors;
pub(crate) mod events;
pub(crate) mod field;
pub mod hash;
pub(crate) mod interner;
pub(crate) mod json_path;
pub(crate) mod json_text;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod wire;
pub(crate) mod words;
