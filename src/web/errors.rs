//! Errors as the page receives them: a JavaScript `Error` whose `code`
//! (and `field`, `line`, `column`, `page` where they apply) the page acts
//! on, and whose message is only shown.

use wasm_bindgen::JsValue;

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
        coded.set("code", JsValue::from_str(code))
    }

    fn set(self, name: &str, value: JsValue) -> Self {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&self.0, &JsValue::from_str(name), &value);
        self
    }

    /// Something that should not happen; the message says what.
    pub(crate) fn internal(detail: impl std::fmt::Display) -> Self {
        CodedError::new("internal", &format!("Unexpected error: {detail}."))
    }

    /// The user cancelled the run.
    pub(crate) fn cancelled(pages_fetched: usize) -> Self {
        CodedError::new(
            "cancelled",
            &format!(
                "Cancelled after {pages_fetched} pages. Pages already fetched are kept: run \
                 again to continue."
            ),
        )
        .set("pages_fetched", JsValue::from_f64(pages_fetched as f64))
    }

    /// Page 1 failed, so nothing else is known: its failure, as the run's error.
    pub(crate) fn first_page(failure: Option<&PageFailure>) -> Self {
        let Some(failure) = failure else {
            return CodedError::internal("no page was fetched and none failed");
        };
        let code = serde_json::to_value(failure.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "internal".into());
        CodedError::new(
            &code,
            &format!("Could not fetch the first page: {}.", failure.reason),
        )
        .set("page", JsValue::from_f64(failure.page as f64))
    }
}

impl From<IngestError> for CodedError {
    fn from(error: IngestError) -> Self {
        let coded = CodedError::new(error.code(), &error.to_string());
        match error.location() {
            Some((line, column)) => coded
                .set("line", JsValue::from_f64(line as f64))
                .set("column", JsValue::from_f64(column as f64)),
            None => coded,
        }
    }
}

impl From<StoreError> for CodedError {
    /// `store_full` or `store_unavailable`: the pages kept on the device
    /// cannot be read, counted or forgotten.
    fn from(error: StoreError) -> Self {
        let code = match error {
            StoreError::Quota(_) => "store_full",
            StoreError::Unavailable(_) => "store_unavailable",
        };
        CodedError::new(code, &format!("The pages kept on this device: {error}."))
    }
}

impl From<ReadError> for CodedError {
    /// `empty_file`, `invalid_json` (with `line` and `column`) or
    /// `not_a_report` (with `field`, the path of what is missing or wrong).
    fn from(error: ReadError) -> Self {
        let coded = CodedError::new(error.code(), &error.to_string());
        let coded = match error.location() {
            Some((line, column)) => coded
                .set("line", JsValue::from_f64(line as f64))
                .set("column", JsValue::from_f64(column as f64)),
            None => coded,
        };
        match error.path() {
            Some(path) => coded.set("field", JsValue::from_str(path)),
            None => coded,
        }
    }
}

impl From<SettingsError> for CodedError {
    fn from(error: SettingsError) -> Self {
        let field = serde_json::to_value(error.setting)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        CodedError::new(error.code(), &error.to_string()).set("field", JsValue::from_str(&field))
    }
}

impl From<CodedError> for JsValue {
    fn from(error: CodedError) -> Self {
        error.0.into()
    }
}
