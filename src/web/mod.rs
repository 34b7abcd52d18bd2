//! The browser boundary: the functions the page's JavaScript calls.
//!
//! Bulk data crosses as bytes (a `Uint8Array` in, a `Uint8Array` out);
//! settings and events cross as JSON text; errors become JavaScript
//! `Error`s with the core's message.

mod browser;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::customer::Customer;
use crate::dates::parse_timestamp;
use crate::export_csv;
use crate::fetch::events::FetchEvent;
use crate::fetch::fetcher::{fetch_all, FetchConfig, Services};
use crate::fetch::pages::PageCache;
use crate::fetch::policy::RetryPolicy;
use crate::fetch::services::{CancelToken, Clock};
use crate::pipeline::{self, RunSettings, MAX_SEED};
use crate::quality::{QualityBucket, ScoredField};
use crate::report::Report;
use crate::stream::UploadStream;
use crate::table::{select_rows, SortKey, TableQuery};
use browser::{BrowserClock, BrowserTimer, BrowserTransport};

thread_local! {
    /// Pages fetched successfully, for the lifetime of the page (or worker).
    static PAGE_CACHE: Rc<RefCell<PageCache>> = Rc::new(RefCell::new(PageCache::new()));
}

/// The outcome of a run. It stays in the worker: the page asks it for the
/// report bytes, the CSV, and the rows of the table it shows.
#[wasm_bindgen]
pub struct RunOutput {
    /// Owns everything (rejected records' originals are copied), so the
    /// input can be freed; the JSON is written only when asked for.
    report: Report<'static>,
    metadata: String,
    view: Vec<u32>,
}

/// A rejected record as the page lists it (the original stays in the report).
#[derive(Serialize)]
struct RejectedRow<'r> {
    position: String,
    reason: &'r str,
}

impl RunOutput {
    fn new(report: Report<'_>) -> Result<Self, JsError> {
        let report = report.into_owned();
        let metadata = serde_json::to_string(&report.metadata)?;
        let view = (0..report.customers.len() as u32).collect();
        Ok(RunOutput {
            report,
            metadata,
            view,
        })
    }
}

#[wasm_bindgen]
impl RunOutput {
    /// Writes the report's JSON bytes.
    pub fn report(&self) -> Vec<u8> {
        self.report.to_json()
    }

    /// Writes the report's JSON as an array of `Uint8Array` parts of about
    /// 8 MB (for `new Blob(parts)`), so wasm memory never holds the whole
    /// report at once.
    #[wasm_bindgen(js_name = reportParts)]
    pub fn report_parts(&self) -> js_sys::Array {
        const PART_BYTES: usize = 8 << 20;
        let parts = js_sys::Array::new();
        self.report.write_json_chunks(PART_BYTES, &mut |chunk| {
            parts.push(&js_sys::Uint8Array::from(chunk));
        });
        parts
    }

    /// The report's `metadata` as compact JSON text, small enough to parse anywhere.
    #[wasm_bindgen(getter)]
    pub fn metadata(&self) -> String {
        self.metadata.clone()
    }

    /// The summary alone (the report's `metadata`), pretty-printed, for download.
    ///
    /// # Errors
    /// Never in practice: the metadata always serializes.
    #[wasm_bindgen(js_name = summaryJson)]
    pub fn summary_json(&self) -> Result<String, JsError> {
        Ok(serde_json::to_string_pretty(&self.report.metadata)? + "\n")
    }

    /// The customers as CSV bytes.
    pub fn csv(&self) -> Vec<u8> {
        export_csv::customers_csv(&self.report.customers)
    }

    /// Sets the table's view and returns its number of rows. `sort` is a
    /// column name (or empty for the report's order), `bucket` is `high`,
    /// `medium`, `low` or empty, `issue` a scored field name or empty.
    #[wasm_bindgen(js_name = setView)]
    pub fn set_view(
        &mut self,
        sort: &str,
        descending: bool,
        search: &str,
        bucket: &str,
        issue: &str,
    ) -> u32 {
        let query = TableQuery {
            sort: SortKey::from_column(sort),
            descending,
            search: search.to_owned(),
            bucket: match bucket {
                "high" => Some(QualityBucket::High),
                "medium" => Some(QualityBucket::Medium),
                "low" => Some(QualityBucket::Low),
                _ => None,
            },
            issue: ScoredField::ALL.into_iter().find(|f| f.name() == issue),
        };
        self.view = select_rows(&self.report.customers, &query);
        self.view.len() as u32
    }

    /// Rows `offset..offset + limit` of the current view, as a JSON array of customers.
    pub fn rows(&self, offset: u32, limit: u32) -> Result<String, JsError> {
        let start = (offset as usize).min(self.view.len());
        let end = start.saturating_add(limit as usize).min(self.view.len());
        let rows: Vec<&Customer> = self.view[start..end]
            .iter()
            .map(|&i| &self.report.customers[i as usize])
            .collect();
        Ok(serde_json::to_string(&rows)?)
    }

    /// The first `limit` rejected records (position and reason) as JSON.
    #[wasm_bindgen(js_name = rejectedJson)]
    pub fn rejected_json(&self, limit: u32) -> Result<String, JsError> {
        let rows: Vec<RejectedRow> = self
            .report
            .rejected
            .iter()
            .take(limit as usize)
            .map(|r| RejectedRow {
                position: r.position.to_string(),
                reason: &r.reason,
            })
            .collect();
        Ok(serde_json::to_string(&rows)?)
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
    RunOutput::new(pipeline::process_upload(bytes, file_name, &settings)?)
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

/// The settings of an API run, as the page sends them (JSON, camelCase).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FetchRequest {
    url: String,
    #[serde(default)]
    api_key: Option<String>,
    #[serde(default)]
    per_page: Option<u32>,
    #[serde(default)]
    concurrency: Option<usize>,
    #[serde(default)]
    retries: Option<u32>,
    #[serde(default)]
    timeout_ms: Option<u64>,
    #[serde(default)]
    jitter: bool,
    #[serde(default)]
    refresh: bool,
    #[serde(default)]
    max_pages: Option<u64>,
    seed: String,
    as_of: String,
}

impl FetchRequest {
    fn config(&self, seed: u64) -> Result<FetchConfig, JsError> {
        let url = self.url.trim();
        if url.is_empty() {
            return Err(JsError::new(
                "Enter the API URL, e.g. https://reqres.in/api/users.",
            ));
        }
        let defaults = FetchConfig::new(url);
        let policy = RetryPolicy {
            max_retries: self.retries.unwrap_or(defaults.policy.max_retries).min(10),
            jitter: self.jitter,
            timeout: self
                .timeout_ms
                .map_or(defaults.policy.timeout, Duration::from_millis),
            ..defaults.policy
        };
        Ok(FetchConfig {
            api_key: self.api_key.clone().filter(|key| !key.trim().is_empty()),
            per_page: self.per_page,
            concurrency: self
                .concurrency
                .unwrap_or(defaults.concurrency)
                .clamp(1, 16),
            max_pages: self.max_pages.unwrap_or(defaults.max_pages),
            refresh: self.refresh,
            policy,
            jitter_seed: seed,
            ..defaults
        })
    }
}

/// Fetches every page of a users API, then processes the records into a report.
///
/// `request_json` holds `{url, apiKey?, perPage?, concurrency?, retries?,
/// timeoutMs?, jitter?, refresh?, maxPages?, seed, asOf}`. `on_event` is
/// called with each event as JSON text (`{"type": "log", …}` or
/// `{"type": "progress", …}`). Aborting `signal` cancels the run.
///
/// A run where some pages failed still produces a report, with
/// `metadata.complete = false` and the failed pages listed.
///
/// # Errors
/// A JavaScript `Error` when the settings are unusable, when no page could
/// be fetched (the message says why, e.g. a rejected API key), or when the
/// run was cancelled.
#[wasm_bindgen(js_name = fetchAndProcess)]
pub async fn fetch_and_process(
    request_json: String,
    on_event: js_sys::Function,
    signal: AbortSignal,
) -> Result<RunOutput, JsError> {
    let request: FetchRequest = serde_json::from_str(&request_json)
        .map_err(|e| JsError::new(&format!("Invalid run settings: {e}")))?;
    let clock = BrowserClock;
    // Validate the settings before the first request.
    let seed = RunSettings::from_text(&request.seed, &request.as_of, &now_text(&clock))?.seed;
    let config = request.config(seed)?;

    let cancel = CancelToken::new();
    let token = cancel.clone();
    let on_abort = Closure::<dyn FnMut()>::new(move || token.cancel());
    signal
        .add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref())
        .map_err(|_| JsError::new("Cannot listen for cancellation."))?;
    if signal.aborted() {
        cancel.cancel();
    }
    let emit = |event: &FetchEvent| {
        if let Ok(json) = serde_json::to_string(event) {
            // An exception in the page's handler must not stop the run.
            let _ = on_event.call1(&JsValue::NULL, &JsValue::from_str(&json));
        }
    };
    let cache = PAGE_CACHE.with(Rc::clone);
    let services = Services {
        transport: &BrowserTransport,
        timer: &BrowserTimer,
        clock: &clock,
        cancel: cancel.clone(),
        cache: &cache,
        on_event: &emit,
    };
    let outcome = fetch_all(&config, &services).await;
    let _ = signal.remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());

    if outcome.provenance.cancelled {
        let fetched = outcome.pages.len();
        return Err(JsError::new(&format!(
            "Cancelled after {fetched} pages. Pages already fetched are kept: run again to continue."
        )));
    }
    if outcome.pages.is_empty() {
        let reason = outcome
            .provenance
            .failed_pages
            .first()
            .map_or("no page could be fetched", |f| f.reason.as_str());
        return Err(JsError::new(&format!(
            "Could not fetch the first page: {reason}."
        )));
    }
    let settings = RunSettings::from_text(&request.seed, &request.as_of, &now_text(&clock))?;
    RunOutput::new(pipeline::process_fetched(
        outcome.page_bodies(),
        outcome.provenance.clone(),
        &settings,
        &clock,
    ))
}

/// Forgets every cached page (the next run fetches everything again).
#[wasm_bindgen(js_name = clearCache)]
pub fn clear_cache() {
    PAGE_CACHE.with(|cache| cache.borrow_mut().clear());
}

/// The number of pages in the cache.
#[wasm_bindgen(js_name = cachedPages)]
pub fn cached_pages() -> usize {
    PAGE_CACHE.with(|cache| cache.borrow().len())
}

fn now_text(clock: &dyn Clock) -> String {
    clock.now().to_rfc3339()
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`, in the page or a worker.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Times each stage of the pipeline on an uploaded file's bytes, for the
/// benchmark page. Returns JSON: `ingest_ms` (parse into positioned
/// records), `build_ms` (validate, enrich, score, dedupe, sort), and
/// `serialize_ms` (write the report), plus `customers` and `report_bytes`.
///
/// # Errors
/// A JavaScript `Error` when the bytes are not a readable customer file.
#[wasm_bindgen(js_name = benchStages)]
pub fn bench_stages(bytes: &[u8]) -> Result<String, JsError> {
    let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z")?;
    let start = performance_now();
    let ingested = crate::reader::read_items(bytes)?;
    let ingested_at = performance_now();
    let source = crate::report::SourceInfo::Upload {
        file_name: "bench".into(),
        format: ingested.format,
    };
    let report = pipeline::build_report(ingested.items, source, &settings);
    let built_at = performance_now();
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

/// An upload read in chunks (from `Blob.stream()`): NDJSON is processed as
/// it arrives, so a file larger than memory can still be read.
#[wasm_bindgen]
pub struct UploadSession {
    stream: Option<UploadStream>,
    file_name: String,
}

#[wasm_bindgen]
impl UploadSession {
    /// Starts an upload of `file_name` (`size` bytes, as `File.size` says)
    /// with a decimal seed and a `YYYY-MM-DD` reference date.
    ///
    /// # Errors
    /// A JavaScript `Error` naming the setting that cannot be used.
    #[wasm_bindgen(constructor)]
    pub fn new(
        file_name: &str,
        size: f64,
        seed: &str,
        as_of: &str,
    ) -> Result<UploadSession, JsError> {
        let settings = RunSettings::from_text(seed, as_of, &now_text(&BrowserClock))?;
        let _ = size;
        Ok(UploadSession {
            stream: Some(UploadStream::new(&settings)),
            file_name: file_name.to_owned(),
        })
    }

    /// Takes the next chunk of the file.
    ///
    /// # Errors
    /// A JavaScript `Error` for an unreadable NDJSON line (with its line number),
    /// or when the session is already finished.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let stream = self.stream.as_mut().ok_or_else(finished)?;
        Ok(stream.push(chunk)?)
    }

    /// Records processed so far (NDJSON; other layouts are read at the end).
    #[wasm_bindgen(getter, js_name = recordsRead)]
    pub fn records_read(&self) -> usize {
        self.stream.as_ref().map_or(0, UploadStream::records_read)
    }

    /// Ends the upload and builds the report, stamped with `export_timestamp` (RFC 3339).
    ///
    /// # Errors
    /// A JavaScript `Error` saying what is wrong with the file.
    pub fn finish(&mut self, export_timestamp: &str) -> Result<RunOutput, JsError> {
        let stream = self.stream.take().ok_or_else(finished)?;
        let at = parse_timestamp(export_timestamp).ok_or_else(|| {
            JsError::new(&format!("Invalid export timestamp '{export_timestamp}'."))
        })?;
        RunOutput::new(stream.finish(&self.file_name, at)?)
    }
}

fn finished() -> JsError {
    JsError::new("This upload is already finished.")
}
