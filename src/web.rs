//! The browser boundary: the functions the page's JavaScript calls.
//!
//! Bulk data crosses as bytes (a `Uint8Array` in, a `Uint8Array` out);
//! errors become JavaScript `Error`s with the core's message.

use wasm_bindgen::prelude::*;

use crate::pipeline::{self, RunSettings, MAX_SEED};

/// The outcome of a run, handed to JavaScript.
#[wasm_bindgen]
pub struct RunOutput {
    report: Vec<u8>,
    metadata: String,
}

#[wasm_bindgen]
impl RunOutput {
    /// Moves the report's JSON bytes out (a second call returns an empty array).
    #[wasm_bindgen(js_name = takeReport)]
    pub fn take_report(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.report)
    }

    /// The report's `metadata` as JSON text, small enough to parse on any thread.
    #[wasm_bindgen(getter)]
    pub fn metadata(&self) -> String {
        self.metadata.clone()
    }
}

/// Processes an uploaded file's bytes into a report.
///
/// `seed` is a decimal integer, `as_of` a `YYYY-MM-DD` date and
/// `export_timestamp` an RFC 3339 date-time such as `new Date().toISOString()`.
///
/// # Errors
/// A JavaScript `Error` whose message says what is wrong with the settings or the file.
#[wasm_bindgen(js_name = processUpload)]
pub fn process_upload(
    bytes: &[u8],
    file_name: &str,
    seed: &str,
    as_of: &str,
    export_timestamp: &str,
) -> Result<RunOutput, JsError> {
    let settings = RunSettings::from_text(seed, as_of, export_timestamp)?;
    let report = pipeline::process_upload(bytes, file_name, &settings)?;
    let metadata = serde_json::to_string(&report.metadata)?;
    Ok(RunOutput {
        report: report.to_json(),
        metadata,
    })
}

/// A fresh random seed from the browser's cryptographic generator, as decimal
/// text, at most `2^53 - 1` so JavaScript numbers hold it exactly.
///
/// # Errors
/// A JavaScript `Error` if the browser has no random source.
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> Result<String, JsError> {
    let value = getrandom::u64().map_err(|e| JsError::new(&format!("No random source: {e}")))?;
    Ok((value & MAX_SEED).to_string())
}
