//! Comparing the current run with an earlier report, as the page calls it.
//!
//! The earlier report is read in chunks (`PreviousReportReader`, fed from
//! `Blob.stream()`) into a compact `PreviousReport` that stays in the
//! worker; `RunOutput.compareWith(previous)` gives a `ChangesOutput`, which
//! also stays there: the page asks it for its metadata, the rows of the
//! changed-customers table, and the changes file in parts.

use std::rc::Rc;

use wasm_bindgen::prelude::*;

use crate::compare::view::{changes_rows_json, columns_json, select_changes, ChangesQuery, Listed};
use crate::compare::{self, Changes, ReportReader};
use crate::report::Report;
use crate::schema::LineField;
use crate::transform::customer::Customers;
use crate::transform::quality::QualityBucket;

use super::errors::CodedError;
use super::RunOutput;

/// Reads an earlier report handed over in chunks.
#[wasm_bindgen]
pub struct PreviousReportReader {
    reader: Option<ReportReader>,
}

impl Default for PreviousReportReader {
    fn default() -> Self {
        PreviousReportReader::new()
    }
}

#[wasm_bindgen]
impl PreviousReportReader {
    /// Ready for the first chunk.
    #[wasm_bindgen(constructor)]
    pub fn new() -> PreviousReportReader {
        PreviousReportReader {
            reader: Some(ReportReader::new()),
        }
    }

    /// Takes the next chunk of the file.
    ///
    /// # Errors
    /// A coded JavaScript `Error` as soon as the file is known not to be a
    /// report (`invalid_json` with `line` and `column`, `not_a_report` with
    /// `field`, the path of what is missing or wrong); `internal` once the
    /// reader is finished or has failed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        let reader = self.reader.as_mut().ok_or_else(finished)?;
        reader.push(chunk).map_err(|error| {
            self.reader = None;
            CodedError::from(error).into()
        })
    }

    /// Ends the file: the report, checked.
    ///
    /// # Errors
    /// A coded JavaScript `Error`: `empty_file`, `invalid_json` (a file cut
    /// short), or `not_a_report` (no `metadata` or `customers`, a repeated
    /// customer id).
    pub fn finish(&mut self) -> Result<PreviousReport, JsValue> {
        let reader = self.reader.take().ok_or_else(finished)?;
        let report = reader.finish().map_err(CodedError::from)?;
        Ok(PreviousReport::new(report))
    }
}

fn finished() -> JsValue {
    CodedError::internal("this report reader is already finished").into()
}

/// An earlier report, read and checked, kept compact in the worker.
#[wasm_bindgen]
pub struct PreviousReport {
    report: Rc<compare::PreviousReport>,
}

impl PreviousReport {
    fn new(report: compare::PreviousReport) -> Self {
        PreviousReport {
            report: Rc::new(report),
        }
    }
}

#[wasm_bindgen]
impl PreviousReport {
    /// `{export_timestamp, seed, as_of, source, total_customers, complete}`
    /// as JSON text.
    #[wasm_bindgen(getter)]
    pub fn summary(&self) -> String {
        crate::common::json_text::to_compact_string(&self.report.summary()).unwrap_or_default()
    }
}

#[wasm_bindgen]
impl RunOutput {
    /// The changes since `previous`, by `customer_id`.
    #[wasm_bindgen(js_name = compareWith)]
    pub fn compare_with(&self, previous: &PreviousReport) -> ChangesOutput {
        let changes = compare::compare(&previous.report, &self.report);
        ChangesOutput::new(changes, previous, Now::Run(Rc::clone(&self.report)))
    }
}

/// A run made by another instance (the page's upload module), as
/// `RunOutput.runSide()` handed it over: what comparing it needs.
#[wasm_bindgen]
pub struct CurrentRun {
    side: Rc<compare::RunSide>,
}

#[wasm_bindgen]
impl CurrentRun {
    /// Takes the bytes of `RunOutput.runSide()`.
    ///
    /// # Errors
    /// A coded JavaScript `Error` (`internal`) when the bytes are not a
    /// run's side: they come from the same page's other module, so this is
    /// a bug, never the user's input.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<CurrentRun, JsValue> {
        let side = compare::RunSide::from_bytes(bytes).map_err(CodedError::internal)?;
        Ok(CurrentRun {
            side: Rc::new(side),
        })
    }

    /// The changes since `previous`, by `customer_id`, as the run's own
    /// `RunOutput.compareWith` gives them.
    #[wasm_bindgen(js_name = compareWith)]
    pub fn compare_with(&self, previous: &PreviousReport) -> ChangesOutput {
        let changes = self.side.compare(&previous.report);
        ChangesOutput::new(changes, previous, Now::Side(Rc::clone(&self.side)))
    }
}

/// The current side of a comparison, shared with what it was made from.
enum Now {
    /// A run made in this instance.
    Run(Rc<Report<'static>>),
    /// A run handed over by another instance.
    Side(Rc<compare::RunSide>),
}

impl Now {
    fn customers(&self) -> &Customers {
        match self {
            Now::Run(report) => &report.customers,
            Now::Side(side) => &side.customers,
        }
    }
}

/// The changes between an earlier report and the current run. It keeps
/// both sides alive (they are shared, not copied).
#[wasm_bindgen]
pub struct ChangesOutput {
    changes: Changes,
    previous: Rc<compare::PreviousReport>,
    current: Now,
    metadata: String,
    view: Vec<Listed>,
}

impl ChangesOutput {
    fn new(changes: Changes, previous: &PreviousReport, current: Now) -> Self {
        let view = select_changes(
            &changes,
            &previous.report,
            current.customers(),
            &ChangesQuery::default(),
        );
        ChangesOutput {
            metadata: changes.metadata_json(),
            changes,
            previous: Rc::clone(&previous.report),
            current,
            view,
        }
    }
}

#[wasm_bindgen]
impl ChangesOutput {
    /// The changes file's `metadata` as compact JSON text: both reports'
    /// summaries, the compared and left-out fields, the counts (added,
    /// removed, changed, unchanged, per field, quality-bucket moves) and
    /// the notes (`{code, message}`).
    #[wasm_bindgen(getter)]
    pub fn metadata(&self) -> String {
        self.metadata.clone()
    }

    /// The table of changes' columns (`{key, label, kind, min_rem, share,
    /// wrap, sortable}`) as JSON.
    #[wasm_bindgen(getter)]
    pub fn columns(&self) -> String {
        columns_json()
    }

    /// The changes file as an array of `Uint8Array` parts of about 8 MB
    /// (for `new Blob(parts)`).
    #[wasm_bindgen(js_name = changesParts)]
    pub fn changes_parts(&self) -> js_sys::Array {
        const PART_BYTES: usize = 8 << 20;
        let parts = js_sys::Array::new();
        self.changes.write_json_chunks(
            &self.previous,
            self.current.customers(),
            PART_BYTES,
            &mut |chunk| {
                parts.push(&js_sys::Uint8Array::from(chunk));
            },
        );
        parts
    }

    /// Sets the table's view and returns its number of rows: `search` in
    /// the name, domain or id, `bucket` a quality bucket name (now) or
    /// empty, `field` a compared field's name or empty.
    #[wasm_bindgen(js_name = setView)]
    pub fn set_view(&mut self, search: &str, bucket: &str, field: &str) -> u32 {
        let query = ChangesQuery {
            search: search.to_owned(),
            bucket: QualityBucket::ALL.into_iter().find(|b| b.name() == bucket),
            field: LineField::from_key(field).filter(|f| *f != LineField::CustomerId),
        };
        self.view = select_changes(
            &self.changes,
            &self.previous,
            self.current.customers(),
            &query,
        );
        self.view.len() as u32
    }

    /// Rows `offset..offset + limit` of the view (added, removed and
    /// changed customers, by id), as a JSON array: `{change ("added",
    /// "removed" or "changed"), customer_id (text), full_name,
    /// email_domain (now, or before for a removed customer),
    /// previous_bucket (null when added), quality_bucket (null when
    /// removed), changes: [{field, old, new}]}`.
    pub fn rows(&self, offset: u32, limit: u32) -> String {
        changes_rows_json(
            &self.changes,
            &self.previous,
            self.current.customers(),
            &self.view,
            offset as usize,
            limit as usize,
        )
    }
}
