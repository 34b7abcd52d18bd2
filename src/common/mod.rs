//! Helpers every floor shares, depending on nothing of the crate: stable
//! hashing and SplitMix64, an object deserialized key by key, the clock,
//! dates, values as sources give them, interned texts, the shape of a
//! run's events, what an error carries to the page, compact JSON text
//! from pretty, counts and sizes in words, the byte encoding of what one
//! worker hands another, and the one sort by an integer key.
//!
//! Three small macros declare a list once where code needed it twice:
//! `event_kinds!` (an event enum's kinds and labels), `error_codes!` (an
//! error's codes) and `wire_fields!` (a struct's byte encoding, field by
//! field); `deserialize_from_map!` writes serde's map visitor.

pub mod clock;
pub mod dates;
pub(crate) mod de;
pub(crate) mod errors;
pub mod events;
pub(crate) mod field;
pub mod hash;
pub(crate) mod interner;
pub(crate) mod json_path;
pub(crate) mod json_text;
pub(crate) mod order;
#[cfg(test)]
pub(crate) mod testing;
pub(crate) mod wire;
pub(crate) mod words;
