//! Sources: bytes, whole or in chunks, to positioned records read through
//! the field mapping.
//!
//! - [`mapping`]: which source column or JSON path feeds each input field.
//! - [`record`]: one record read through a mapping (with a fast scan for
//!   flat records).
//! - [`reader`]: the one reader of files (JSON arrays, page envelopes,
//!   NDJSON, CSV via `csv_rows`), whole or in chunks.
//! - `json_scan`: the chunked JSON scanner (white space, where a value
//!   ends however it is cut, array commas, lines and columns) that the
//!   reader and the earlier-report reader (`compare`) share.
//! - [`ingest`]: positions, layouts and errors, and API page bodies.
//! - [`probe`]: a look at a source's start for the mapping panel.
//! - [`sniff`]: what a file that is not text looks like (PDF, workbook, image).

pub(crate) mod csv_rows;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod ingest;
pub(crate) mod json_scan;
pub mod mapping;
pub(crate) mod probe;
pub mod reader;
pub(crate) mod record;
pub(crate) mod sniff;
