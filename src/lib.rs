//! # customer-pipeline
//!
//! Cleans, enriches, quality-scores and exports customer records shaped
//! like reqres.in users, entirely in the browser (compiled to WebAssembly)
//! or natively (for tests and benchmarks).
//!
//! ## Architecture: a pure core, one thin web adapter
//!
//! The stages, each a module that compiles and tests natively:
//!
//! 1. [`ingest`]: bytes → positioned source items. Detects the format (page
//!    envelope, array, NDJSON) and reports unusable input as an
//!    [`ingest::IngestError`] with line and column.
//! 2. [`record`] and [`field`]: one JSON object → a loosely typed
//!    [`record::SourceRecord`], so wrong JSON types are data problems, not crashes.
//! 3. [`customer`]: one record → a [`customer::Customer`] (mapping,
//!    enrichment from [`enrich`], scoring from [`quality`]) or a rejection reason.
//! 4. [`dedupe`]: one customer per id, the best-scored (earliest on a tie).
//! 5. [`pipeline`] and [`report`]: the sorted report with its metadata,
//!    serialized deterministically.
//!
//! 6. [`fetch`]: every page of a paginated API, with retries, rate-limit
//!    waits, a cache and cancellation, behind platform traits.
//! 7. [`distributions`], [`table`] and [`export_csv`]: the dashboard's
//!    counts, the customer table's view, and the CSV export.
//!
//! Only the `web` module (compiled for `wasm32` alone) touches
//! `wasm-bindgen`, `js-sys` or the browser. Dates are handled by [`dates`].
#![deny(missing_docs)]

pub mod clock;
pub mod compare;
mod csv_rows;
pub mod customer;
pub mod dates;
pub mod dedupe;
pub mod distributions;
pub mod enrich;
pub mod events;
pub mod export_csv;
pub mod fetch;
pub mod field;
pub mod hash;
pub mod ingest;
mod interner;
mod json_out;
pub mod mapping;
pub mod pipeline;
pub mod probe;
pub mod provenance;
pub mod quality;
pub mod reader;
pub mod record;
pub mod report;
pub mod settings;
pub mod stream;
pub mod table;
pub mod vocabulary;

#[cfg(target_arch = "wasm32")]
pub mod web;
