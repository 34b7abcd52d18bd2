//! # customer-pipeline
//!
//! Cleans, enriches, quality-scores and exports customer records, entirely
//! in the browser (compiled to WebAssembly) or natively (tests, benchmarks).
//! Records come from a paginated API or from an analyst's own export (JSON,
//! NDJSON or CSV). `ARCHITECTURE.md` draws the whole house.
//!
//! ## The stages, and where each lives
//!
//! 1. [`source`]: bytes, whole or in chunks, to positioned records read
//!    through the field mapping (the reader of every file layout, CSV,
//!    the mapping panel's probe).
//! 2. [`fetch`]: every page of a paginated API, with retries, rate-limit
//!    waits, redirects and completeness judged both ways, behind platform
//!    traits (transport, timer, clock, store).
//! 3. `transform`: one record to one customer (enriched, scored with
//!    reasons) or a rejection; one customer per id.
//! 4. [`report`]: the report and its writers (JSON, CSV), the
//!    distributions and the customer table's view.
//! 5. [`compare`]: an earlier report read back, and the changes since it.
//! 6. [`pipeline`] and [`stream`]: a file, an upload in chunks or an API's
//!    pages to a report; [`split`]: a file cut at record boundaries, its
//!    parts read apart (by workers or threads) and merged into the same
//!    report, byte for byte.
//!
//! Beside them: [`common`] (helpers every floor shares), `schema` (the
//! customer line, declared once), [`provenance`] (what a fetch proved),
//! [`settings`] (every setting checked in one place), `vocabulary` (the
//! words the page takes from the core) and, for `wasm32` only, `web` (the
//! browser boundary, the only code that touches JavaScript). Imports point
//! down these floors only (`tests/architecture.rs` checks it).
#![deny(missing_docs)]
// Each of the page's two modules leaves unused what the other has: the
// upload module (`www/pkg`, `upload` only) the fetcher and the comparison,
// the API-and-compare module (`www/pkg-api-compare`) the upload readers.
// With every feature (the default, the tests' build) every lint applies
// as in the native build.
#![cfg_attr(
    all(
        target_arch = "wasm32",
        not(all(feature = "upload", feature = "fetch", feature = "compare"))
    ),
    allow(dead_code, unused_imports)
)]

pub mod common;
pub mod compare;
pub mod fetch;
pub mod pipeline;
pub mod provenance;
pub mod report;
pub(crate) mod schema;
pub mod settings;
pub mod source;
pub mod split;
pub mod stream;
pub(crate) mod transform;
pub(crate) mod vocabulary;

#[cfg(target_arch = "wasm32")]
pub mod web;
