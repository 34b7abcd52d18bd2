//! Per-stage timings for the browser benchmark (built only with the
//! `bench` feature, never into the page's module).

use wasm_bindgen::prelude::*;

use super::errors::CodedError;
use crate::pipeline;
use crate::settings::RunSettings;
use crate::source::reader::Reader;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`, in the page or a worker.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Times each stage of the pipeline on a file's bytes. Returns JSON:
/// `ingest_ms` (read the file into positioned records, nothing kept),
/// `build_ms` (a whole run's reading and building, less `ingest_ms`:
/// validate, enrich, score, dedupe, sort) and `serialize_ms` (write the
/// report), plus `customers` and `report_bytes`.
///
/// # Errors
/// A coded JavaScript `Error` when the bytes are not a readable customer file.
#[wasm_bindgen(js_name = benchStages)]
pub fn bench_stages(bytes: &[u8]) -> Result<String, JsValue> {
    let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z")
        .map_err(CodedError::from)?;
    let start = performance_now();
    let mut items = 0usize;
    Reader::read_all(bytes, &mut |_| items += 1).map_err(CodedError::from)?;
    let ingested_at = performance_now();
    let report = pipeline::process_upload(bytes, "bench", &settings).map_err(CodedError::from)?;
    let built_at = performance_now() - (ingested_at - start);
    let json = report.to_json();
    let serialized_at = performance_now();
    Ok(format!(
        r#"{{"ingest_ms":{:.3},"build_ms":{:.3},"serialize_ms":{:.3},"customers":{},"report_bytes":{}}}"#,
        ingested_at - start,
        built_at - ingested_at,
        serialized_at - built_at,
        report.customers.len(),
        json.len()
    ))
}
