//! Errors as the page receives them: a JavaScript `Error` whose `code`
//! and details ([`ErrorDetail`]: `field`, `line`, `column`, `page`,
//! `pages_fetched`, `looks_like` where they apply) the page acts on, and whose message
//! is only shown. Only the details the vocabulary lists can be set, so the
//! worker, which forwards that list, drops none.

use wasm_bindgen::JsValue;

use crate::common::errors::{ErrorDetail, RequestFailure};
use crate::compare::ReadError;
use crate::fetch::store::StoreError;
use crate::provenance::PageFailure;
use crate::settings::SettingsError;
use crate::source::ingest::IngestError;

/// A JavaScript `Error` with a machine-readable `code`.
pub(crate) struct CodedError(js_sys::Error);

impl CodedError {
    fn new(code: &str, message: &str) -> Self {
        let error = js_sys::Error::new(message);
        let coded = CodedError(error);
        coded.set(ErrorDetail::Code, JsValue::from_str(code))
    }

    fn set(self, detail: ErrorDetail, value: JsValue) -> Self {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&self.0, &JsValue::from_str(detail.name()), &value);
        self
    }

    fn number(self, detail: ErrorDetail, value: impl Into<f64>) -> Self {
        self.set(detail, JsValue::from_f64(value.into()))
    }

    /// Something that should not happen; the message says what.
    pub(crate) fn internal(detail: impl std::fmt::Display) -> Self {
        CodedError::new(
            RequestFailure::Internal.code(),
            &format!("Unexpected error: {detail}."),
        )
    }

    /// The user cancelled the run.
    pub(crate) fn cancelled(pages_fetched: usize) -> Self {
        CodedError::new(
            RequestFailure::Cancelled.code(),
            &format!(
                "Cancelled after {pages_fetched} pages. Pages already fetched are kept: run \
                 again to continue."
            ),
        )
        .number(ErrorDetail::PagesFetched, pages_fetched as f64)
    }

    /// Page 1 failed, so nothing else is known: its failure, as the run's error.
    pub(crate) fn first_page(failure: Option<&PageFailure>) -> Self {
        let Some(failure) = failure else {
            return CodedError::internal("no page was fetched and none failed");
        };
        CodedError::new(
            failure.code.name(),
            &format!("Could not fetch the first page: {}.", failure.reason),
        )
        .number(ErrorDetail::Page, failure.page as f64)
    }
}

impl From<IngestError> for CodedError {
    fn from(error: IngestError) -> Self {
        let coded = CodedError::new(error.code(), &error.to_string());
        let coded = match &error {
            IngestError::NotText { looks_like } => {
                coded.set(ErrorDetail::LooksLike, JsValue::from_str(looks_like.code()))
            }
            _ => coded,
        };
        match error.location() {
            Some((line, column)) => coded
                .number(ErrorDetail::Line, line as f64)
                .number(ErrorDetail::Column, column as f64),
            None => coded,
        }
    }
}

impl From<StoreError> for CodedError {
    /// `store_full` or `store_unavailable`: the pages kept on the device
    /// cannot be read, counted or forgotten.
    fn from(error: StoreError) -> Self {
        CodedError::new(
            error.code(),
            &format!("The pages kept on this device: {error}."),
        )
    }
}

impl From<ReadError> for CodedError {
    /// `empty_file`, `invalid_json` (with `line` and `column`) or
    /// `not_a_report` (with `field`, the path of what is missing or wrong).
    fn from(error: ReadError) -> Self {
        let coded = CodedError::new(error.code(), &error.to_string());
        let coded = match error.location() {
            Some((line, column)) => coded
                .number(ErrorDetail::Line, line as f64)
                .number(ErrorDetail::Column, column as f64),
            None => coded,
        };
        match error.path() {
            Some(path) => coded.set(ErrorDetail::Field, JsValue::from_str(path)),
            None => coded,
        }
    }
}

impl From<SettingsError> for CodedError {
    fn from(error: SettingsError) -> Self {
        CodedError::new(error.code(), &error.to_string())
            .set(ErrorDetail::Field, JsValue::from_str(error.setting.name()))
    }
}

impl From<CodedError> for JsValue {
    fn from(error: CodedError) -> Self {
        error.0.into()
    }
}
