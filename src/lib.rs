//! # customer-pipeline
//!
//! Cleans, enriches, quality-scores and exports customer records, entirely
//! in the browser (compiled to WebAssembly) or natively (for tests and
//! benchmarks). Records come from a paginated reqres-shaped API or from an
//! analyst's own export (JSON, NDJSON or CSV).
//!
//! ## Architecture: a pure core, one thin web adapter
//!
//! The stages, each a module that compiles and tests natively:
//!
//! 1. [`reader`] (with [`ingest`]): bytes, whole or in chunks, → positioned
//!    source items. Detects the layout (page envelope, arrays, NDJSON, CSV)
//!    and reports unusable input as an [`ingest::IngestError`] with where.
//! 2. [`mapping`] and [`record`]: which source column or JSON path feeds
//!    each contract field (proposed, overridable), and one record read
//!    through it, so wrong types are data problems, not crashes. [`probe`]
//!    shows a source's start with a mapping before a run.
//! 3. `customer`, `enrich`, `quality`, `dedupe`: one record → a customer
//!    (enriched, scored with reasons) or a rejection; one customer per id.
//! 4. [`pipeline`], [`stream`] and [`report`]: the sorted report with its
//!    metadata and provenance ([`provenance`]), written deterministically.
//! 5. [`fetch`]: every page of a paginated API, with retries, rate-limit
//!    waits, redirects, completeness checks, a cache and an opt-in store on
//!    the device, behind platform traits (clock, timer, transport, store).
//! 6. [`table`], [`export_csv`], [`vocabulary`] and [`compare`]: the
//!    customer table's view, the CSV export, the words the page shares
//!    with the core, and the changes since an earlier report.
//!
//! Only the `web` module (compiled for `wasm32` alone) touches
//! `wasm-bindgen`, `js-sys` or the browser. Modules that nothing outside
//! the crate uses are private.
#![deny(missing_docs)]

pub mod common;
pub mod compare;
pub mod fetch;
pub mod pipeline;
pub mod provenance;
pub mod report;
pub(crate) mod schema;
pub mod settings;
pub mod source;
pub mod stream;
pub(crate) mod transform;
pub(crate) mod vocabulary;

#[cfg(target_arch = "wasm32")]
pub mod web;
