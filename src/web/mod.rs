//! The browser boundary: the functions the page's JavaScript calls.
//!
//! Bulk data crosses as bytes (a `Uint8Array` in, `Uint8Array`s out);
//! settings, events and views cross as JSON text. Every event carries a
//! `kind` and every error a `code` (with the details the vocabulary's
//! `error_details` name where they apply: `field`, `line`, `column`,
//! `page`, `pages_fetched`) for the page to act on; the English sentence
//! rides along for display only.
//!
//! The page loads two builds of it: with the cargo feature `upload` only
//! (`www/pkg`: uploads, parts, mapping; what every page downloads) and
//! with `fetch` and `compare` only (`www/pkg-api-compare`, loaded when an API run, the
//! kept pages or a comparison need it). A run made by the first is
//! compared by the second through `RunOutput::run_side` and `CurrentRun`.

mod browser;
#[cfg(feature = "compare")]
mod compare;
mod errors;
mod probe;
#[cfg(feature = "upload")]
mod split;
#[cfg(feature = "fetch")]
pub mod store;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::common::clock::{millis_since, Clock};
use crate::common::dates::parse_timestamp;
use crate::common::json_text;
use crate::fetch::events::FetchEvent;
use crate::fetch::fetcher::{fetch_all, FetchConfig, FetchOutcome, Services};
use crate::fetch::pages::PageCache;
use crate::fetch::services::CancelToken;
use crate::fetch::store::PageStore;
use crate::pipeline;
use crate::report::table::{
    duplicates_json, rejected_json, rows_json, select_rows, sort_key, TableQuery,
};
use crate::report::Report;
use crate::settings::{FetchForm, MapSetting, ReadForm, RunSettings, SeedAndDate, MAX_SEED};
use crate::source::mapping::MappingSpec;
use crate::source::reader::ReadOptions;
use crate::stream::{UploadEventKind, UploadStream};
use crate::transform::quality::{QualityBucket, SCORED_FIELDS};
use browser::BrowserClock;
#[cfg(feature = "fetch")]
use browser::{BrowserTimer, BrowserTransport};
use errors::CodedError;

#[cfg(feature = "compare")]
pub use compare::{ChangesOutput, CurrentRun, PreviousReport, PreviousReportReader};
#[cfg(feature = "fetch")]
pub use probe::probe_api;
#[cfg(feature = "upload")]
pub use probe::probe_file;
#[cfg(feature = "upload")]
pub use split::{PartSession, SplitUpload};
#[cfg(feature = "fetch")]
use store::IdbStore;

/// `url` as the page may show or share it, trimmed, when it holds nothing
/// to redact (no query, no user name or password); `undefined` when only
/// `redactUrl` (the API-and-compare module, which parses URLs) can say.
#[wasm_bindgen(js_name = plainUrl)]
pub fn plain_url(url: &str) -> Option<String> {
    crate::fetch::url::without_secrets(url).map(str::to_owned)
}

/// The database the page keeps its pages in (IndexedDB).
pub(crate) const DATABASE: &str = "customer-pipeline";

/// The name of the database the page keeps API pages in
/// (`storedPages`), so the page can see whether this device has any
/// without loading the module that reads them.
#[wasm_bindgen(js_name = storeDatabase)]
pub fn store_database() -> String {
    DATABASE.to_owned()
}

#[cfg(feature = "fetch")]
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
    /// Shared with the comparisons made against it.
    report: Rc<Report<'static>>,
    metadata: String,
    view: Vec<u32>,
}

impl RunOutput {
    fn new(report: Report<'_>) -> Result<Self, CodedError> {
        let report = report.into_owned();
        let metadata =
            json_text::to_compact_string(&report.metadata).map_err(CodedError::internal)?;
        let view = (0..report.customers.len() as u32).collect();
        Ok(RunOutput {
            report: Rc::new(report),
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

    /// What comparing this run with an earlier report needs of it (its
    /// summary and customers) as bytes, for the module that compares:
    /// `CurrentRun.fromBytes` there. The page's upload module has no
    /// comparing code of its own.
    #[wasm_bindgen(js_name = runSide)]
    pub fn run_side(&self) -> Vec<u8> {
        crate::compare::RunSide::of(&self.report)
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
    pub fn summary_json(&self) -> Result<String, JsValue> {
        serde_json::to_string_pretty(&self.report.metadata)
            .map(|json| json + "\n")
            .map_err(|e| CodedError::internal(e).into())
    }

    /// The customers as CSV bytes.
    pub fn csv(&self) -> Vec<u8> {
        self.report.to_csv()
    }

    /// Sets the table's view and returns its number of rows. `sort` is a
    /// column key (or empty for the report's order), `bucket` a quality
    /// bucket name or empty, `issue` a scored field name or empty (names
    /// as in `vocabulary()`).
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
            sort: sort_key(sort),
            descending,
            search: search.to_owned(),
            bucket: QualityBucket::ALL.into_iter().find(|b| b.name() == bucket),
            issue: SCORED_FIELDS.iter().copied().find(|f| f.name() == issue),
        };
        self.view = select_rows(&self.report.customers, &query);
        self.view.len() as u32
    }

    /// Rows `offset..offset + limit` of the current view, as a JSON array:
    /// every customer field (`customer_id` as text, exact above 2^53),
    /// plus `quality_bucket`.
    pub fn rows(&self, offset: u32, limit: u32) -> String {
        rows_json(
            &self.report.customers,
            &self.view,
            offset as usize,
            limit as usize,
        )
    }

    /// The first `limit` rejected records (position and reason) as JSON.
    #[wasm_bindgen(js_name = rejectedJson)]
    pub fn rejected_json(&self, limit: u32) -> String {
        rejected_json(&self.report.rejected, limit as usize)
    }

    /// The first `limit` removed duplicates (id, position, score, where the
    /// kept record is) as JSON.
    #[wasm_bindgen(js_name = duplicatesJson)]
    pub fn duplicates_json(&self, limit: u32) -> String {
        duplicates_json(&self.report.duplicates, limit as usize)
    }
}

/// The words and limits the page shares with the core, as JSON (see
/// [`crate::vocabulary`]).
#[wasm_bindgen]
pub fn vocabulary() -> String {
    crate::vocabulary::TEXT.to_owned()
}

/// Processes a whole file's bytes into a report (tests and the benchmark;
/// the page streams with [`UploadSession`]). The same reader either way.
///
/// `seed` is a decimal integer, `as_of` a `YYYY-MM-DD` date and
/// `export_timestamp` an RFC 3339 date-time such as `new Date().toISOString()`.
///
/// # Errors
/// A coded JavaScript `Error`: `invalid_setting` (with `field`), or the
/// file's problem (`empty_file`, `utf16`, `not_utf8`, `invalid_json`,
/// `wrong_shape`, with `line` and `column` where known).
#[cfg(feature = "upload")]
#[wasm_bindgen(js_name = processUpload)]
pub fn process_upload(
    bytes: &[u8],
    file_name: &str,
    seed: &str,
    as_of: &str,
    export_timestamp: &str,
    options_json: Option<String>,
) -> Result<RunOutput, JsValue> {
    let settings =
        RunSettings::from_text(seed, as_of, export_timestamp).map_err(CodedError::from)?;
    let form = read_form(options_json.as_deref())?;
    let settings = RunSettings {
        simulate: form.simulate.unwrap_or(true),
        ..settings
    };
    let options = form.validate().map_err(CodedError::from)?;
    let report = pipeline::process_upload_with(bytes, file_name, &settings, &options)
        .map_err(CodedError::from)?;
    Ok(RunOutput::new(report)?)
}

/// The `map` text of a link: `base` (the link's `map` text, as given)
/// with `changes_json` over it (a mapping's object form, `{field: column
/// or null}`, or empty for none), written by the core (see
/// [`crate::settings::map_text`]); the page only passes it on.
///
/// # Errors
/// A coded JavaScript `Error`: `invalid_setting` (`field` `map`) when the
/// changes name no contract field, `internal` when they are not JSON.
#[cfg(feature = "upload")]
#[wasm_bindgen(js_name = mapText)]
pub fn map_text(base: &str, changes_json: &str) -> Result<String, JsValue> {
    let changes: Option<MapSetting> = match changes_json {
        "" => None,
        json => Some(serde_json::from_str(json).map_err(CodedError::internal)?),
    };
    Ok(crate::settings::map_text(base, changes.as_ref()).map_err(CodedError::from)?)
}

/// `url` as the page may show or share it: credential-like query
/// parameters (`api_key`, `token`, …) as `***`, no user name or password.
#[cfg(feature = "fetch")]
#[wasm_bindgen(js_name = redactUrl)]
pub fn redact_url(url: &str) -> String {
    crate::fetch::url::redact(url)
}

/// A fresh random seed from the browser's cryptographic generator, as decimal
/// text, at most `2^53 - 1` so JavaScript numbers hold it exactly.
///
/// # Errors
/// A coded JavaScript `Error` (`internal`) if the browser has no random source.
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> Result<String, JsValue> {
    let value = getrandom::u64().map_err(CodedError::internal)?;
    Ok((value & MAX_SEED).to_string())
}

/// Fetches every page of a users API, then processes the records into a report.
///
/// `form_json` holds the form as typed: `{url, apiKey?, perPage?,
/// concurrency?, retries?, timeoutMs?, maxPageMb?, jitter?, refresh?,
/// keep?, keepHours?, map?, seed, asOf}` (numbers as text; empty means the
/// default), keyed as the vocabulary's `settings` say (`form_key`).
/// `on_event` is called with each event as JSON text (`{"kind": "retry",
/// …, "message": …}`). Aborting `signal` cancels the run.
///
/// With `keep`, accepted pages are kept in this browser's IndexedDB and
/// pages kept there younger than `keepHours` are used instead of
/// requests; older ones are deleted first. A store that fails is a
/// warning event (`store_unavailable`), never an error.
///
/// A run where some pages failed still produces a report, with
/// `metadata.complete = false` and the failed pages listed.
///
/// # Errors
/// A coded JavaScript `Error`: `invalid_setting` (with `field`), `cancelled`,
/// or, when page 1 could not be fetched, its failure code (`auth_rejected`,
/// `not_found`, `network`, `redirect_other_origin`, …) with `page`.
#[cfg(feature = "fetch")]
#[wasm_bindgen(js_name = fetchAndProcess)]
pub async fn fetch_and_process(
    form_json: String,
    on_event: js_sys::Function,
    signal: AbortSignal,
) -> Result<RunOutput, JsValue> {
    fetch_and_process_with(form_json, on_event, signal, |store| store).await
}

/// [`fetch_and_process`], with the device's store handed through `wrap`
/// before the run uses it (the browser tests wrap it to fail as a full
/// disk does).
///
/// # Errors
/// As [`fetch_and_process`].
#[cfg(feature = "fetch")]
pub async fn fetch_and_process_with<S: PageStore>(
    form_json: String,
    on_event: js_sys::Function,
    signal: AbortSignal,
    wrap: impl FnOnce(IdbStore) -> S,
) -> Result<RunOutput, JsValue> {
    let clock = BrowserClock;
    let (config, chosen, mapping) = fetch_form(&form_json)?;
    let device = match config.keep_for {
        Some(keep_for) => {
            let device = IdbStore::open(DATABASE).await;
            // Pages past the age are never used again: free their space.
            // A failure shows at the first read, as the run's warning.
            let age = chrono::TimeDelta::from_std(keep_for).unwrap_or(chrono::TimeDelta::MAX);
            if let Some(cutoff) = clock.now().checked_sub_signed(age) {
                let _ = device.delete_older_than(cutoff).await;
            }
            Some(device)
        }
        None => None,
    };
    let store = device.clone().map(wrap);
    let store = store.as_ref().map(|store| store as &dyn PageStore);
    let outcome = fetch_in_tab(&config, store, &clock, &on_event, &signal).await;
    if let Some(device) = &device {
        device.close();
    }
    let outcome = outcome?;
    if outcome.pages.is_empty() {
        let failure = outcome.provenance.failed_pages.first();
        return Err(CodedError::first_page(failure).into());
    }
    // The report is made now: its export time is set here, and only here.
    let settings = chosen.stamped(clock.now());
    let report = pipeline::process_fetched(
        outcome.page_bodies(),
        outcome.provenance.clone(),
        &mapping,
        &settings,
        &clock,
    );
    Ok(RunOutput::new(report)?)
}

/// The API run's form (`fetchAndProcess`'s `form_json`), checked: the
/// fetch, the seed and date, and the field mapping.
#[cfg(feature = "fetch")]
fn fetch_form(form_json: &str) -> Result<(FetchConfig, SeedAndDate, MappingSpec), JsValue> {
    let form: FetchForm = serde_json::from_str(form_json).map_err(CodedError::internal)?;
    Ok(form.validate().map_err(CodedError::from)?)
}

/// Fetches with the browser's transport and timer, this tab's page cache
/// and `store`, if any; `on_event` receives the events, `signal` cancels.
///
/// # Errors
/// `cancelled` (with the pages fetched) when `signal` cancelled the run.
#[cfg(feature = "fetch")]
async fn fetch_in_tab(
    config: &FetchConfig,
    store: Option<&dyn PageStore>,
    clock: &BrowserClock,
    on_event: &js_sys::Function,
    signal: &AbortSignal,
) -> Result<FetchOutcome, JsValue> {
    let link = AbortLink::new(signal)?;
    let emit = |event: &FetchEvent| send(on_event, event);
    let cache = PAGE_CACHE.with(Rc::clone);
    let services = Services {
        transport: &BrowserTransport,
        timer: &BrowserTimer,
        clock,
        cancel: link.token(),
        cache: &cache,
        store,
        on_event: &emit,
    };
    let outcome = fetch_all(config, &services).await;
    drop(link);
    if outcome.provenance.cancelled {
        return Err(CodedError::cancelled(outcome.pages.len()).into());
    }
    Ok(outcome)
}

/// How an upload is read: `{map?, separator?, file_name?, simulate?}`
/// (absent: as found, and simulating what the source lacks).
fn read_form(options_json: Option<&str>) -> Result<ReadForm, JsValue> {
    Ok(match options_json {
        None | Some("") => ReadForm::default(),
        Some(json) => serde_json::from_str(json).map_err(CodedError::internal)?,
    })
}

/// An upload's settings as the page gives them (a decimal seed, a
/// `YYYY-MM-DD` date, the read form as JSON), stamped `now` until the report
/// is made; the form, and its read options.
fn upload_settings(
    seed: &str,
    as_of: &str,
    options_json: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(RunSettings, ReadForm, ReadOptions), JsValue> {
    let chosen = SeedAndDate::from_text(seed, as_of).map_err(CodedError::from)?;
    let form = read_form(options_json)?;
    let options = form.validate().map_err(CodedError::from)?;
    let settings = SeedAndDate {
        simulate: form.simulate.unwrap_or(true),
        ..chosen
    }
    .stamped(now);
    Ok((settings, form, options))
}

/// The read options of `options_json` (see [`read_form`]).
fn read_options(options_json: Option<&str>) -> Result<ReadOptions, JsValue> {
    Ok(read_form(options_json)?
        .validate()
        .map_err(CodedError::from)?)
}

/// Cancels a run when its `AbortSignal` fires, for as long as it lives.
pub(crate) struct AbortLink {
    signal: AbortSignal,
    cancel: CancelToken,
    on_abort: Closure<dyn FnMut()>,
}

impl AbortLink {
    fn new(signal: &AbortSignal) -> Result<AbortLink, JsValue> {
        let cancel = CancelToken::new();
        let token = cancel.clone();
        let on_abort = Closure::<dyn FnMut()>::new(move || token.cancel());
        signal
            .add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref())
            .map_err(|_| CodedError::internal("cannot listen for cancellation"))?;
        if signal.aborted() {
            cancel.cancel();
        }
        Ok(AbortLink {
            signal: signal.clone(),
            cancel,
            on_abort,
        })
    }

    fn token(&self) -> CancelToken {
        self.cancel.clone()
    }
}

impl Drop for AbortLink {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.on_abort.as_ref().unchecked_ref());
    }
}

/// Hands an event to the page's callback as JSON text. An exception in the
/// page's handler must not stop the run.
fn send<E: serde::Serialize>(on_event: &js_sys::Function, event: &E) {
    if let Ok(json) = serde_json::to_string(event) {
        let _ = on_event.call1(&JsValue::NULL, &JsValue::from_str(&json));
    }
}

/// Forgets every cached page (the next run fetches everything again).
#[cfg(feature = "fetch")]
#[wasm_bindgen(js_name = clearCache)]
pub fn clear_cache() {
    PAGE_CACHE.with(|cache| cache.borrow_mut().clear());
}

/// The number of pages in the cache.
#[cfg(feature = "fetch")]
#[wasm_bindgen(js_name = cachedPages)]
pub fn cached_pages() -> usize {
    PAGE_CACHE.with(|cache| cache.borrow().len())
}

/// The pages kept on this device (by runs with `keep`), as JSON
/// `{"pages": N, "bytes": N}`.
///
/// # Errors
/// A coded JavaScript `Error`, `store_unavailable`, when this browser's
/// storage cannot be read (IndexedDB missing or switched off).
#[cfg(feature = "fetch")]
#[wasm_bindgen(js_name = storedPages)]
pub async fn stored_pages() -> Result<String, JsValue> {
    let device = IdbStore::open(DATABASE).await;
    let usage = device.usage().await;
    device.close();
    let usage = usage.map_err(CodedError::from)?;
    serde_json::to_string(&usage).map_err(|e| CodedError::internal(e).into())
}

/// Forgets every page kept on this device (the memory cache of this tab
/// is not touched).
///
/// # Errors
/// A coded JavaScript `Error`, `store_unavailable`, when this browser's
/// storage cannot be written.
#[cfg(feature = "fetch")]
#[wasm_bindgen(js_name = forgetStoredPages)]
pub async fn forget_stored_pages() -> Result<(), JsValue> {
    let device = IdbStore::open(DATABASE).await;
    let cleared = device.clear().await;
    device.close();
    Ok(cleared.map_err(CodedError::from)?)
}

// `benchStages` for the browser benchmark: a JavaScript export only.
#[cfg(feature = "bench")]
mod bench;

/// An upload read in chunks (from `Blob.stream()`): records are processed
/// as they arrive, through the same reader as [`process_upload`].
#[cfg(feature = "upload")]
#[wasm_bindgen]
pub struct UploadSession {
    stream: Option<UploadStream>,
    bytes: u64,
    on_event: js_sys::Function,
    started: chrono::DateTime<chrono::Utc>,
}

#[cfg(feature = "upload")]
#[wasm_bindgen]
impl UploadSession {
    /// Starts an upload of `file_name` (`size` bytes, as `File.size` says)
    /// with a decimal seed and a `YYYY-MM-DD` reference date; `on_event`
    /// receives the run log's events as JSON text.
    ///
    /// # Errors
    /// A coded JavaScript `Error` (`invalid_setting`, with `field`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        file_name: &str,
        size: f64,
        seed: &str,
        as_of: &str,
        on_event: js_sys::Function,
        options_json: Option<String>,
    ) -> Result<UploadSession, JsValue> {
        let now = BrowserClock.now();
        let (settings, _, options) = upload_settings(seed, as_of, options_json.as_deref(), now)?;
        // A size beyond what a u64 holds (or NaN) is shown as 0.
        let bytes = if size.is_finite() && size >= 0.0 {
            size as u64
        } else {
            0
        };
        let session = UploadSession {
            stream: Some(UploadStream::with_options(file_name, &settings, &options)),
            bytes,
            on_event,
            started: now,
        };
        session.log(UploadEventKind::UploadStarted {
            file_name: file_name.to_owned(),
            bytes,
            workers: 1,
        });
        Ok(session)
    }

    fn log(&self, kind: UploadEventKind) {
        send(&self.on_event, &kind.at(BrowserClock.now()));
    }

    fn failed(&mut self, error: crate::source::ingest::IngestError) -> JsValue {
        self.stream = None;
        self.log(UploadEventKind::UploadFailed { code: error.code() });
        CodedError::from(error).into()
    }

    /// Takes the next chunk of the file.
    ///
    /// # Errors
    /// A coded JavaScript `Error` for a file that cannot be read (with its
    /// `line` and `column`), or `internal` when the session is finished.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        let stream = self.stream.as_mut().ok_or_else(finished)?;
        match stream.push(chunk) {
            Ok(()) => Ok(()),
            Err(error) => Err(self.failed(error)),
        }
    }

    /// Records processed so far.
    #[wasm_bindgen(getter, js_name = recordsRead)]
    pub fn records_read(&self) -> usize {
        self.stream.as_ref().map_or(0, UploadStream::records_read)
    }

    /// Ends the upload and builds the report, stamped with `export_timestamp` (RFC 3339).
    ///
    /// # Errors
    /// A coded JavaScript `Error` saying what is wrong with the file.
    pub fn finish(&mut self, export_timestamp: &str) -> Result<RunOutput, JsValue> {
        let stream = self.stream.take().ok_or_else(finished)?;
        let at = parse_timestamp(export_timestamp).ok_or_else(|| {
            CodedError::internal(format!("bad export timestamp '{export_timestamp}'"))
        })?;
        let records = stream.records_read();
        let read_at = BrowserClock.now();
        let report = match stream.finish(at) {
            Ok(report) => report,
            Err(error) => return Err(self.failed(error)),
        };
        let m = &report.metadata;
        self.log(UploadEventKind::UploadRead {
            bytes: self.bytes,
            records: m.records_read.max(records),
            read_ms: u64::try_from((read_at - self.started).num_milliseconds()).unwrap_or(0),
        });
        self.log(UploadEventKind::report_built(
            m,
            millis_since(&BrowserClock, read_at),
        ));
        Ok(RunOutput::new(report)?)
    }
}

fn finished() -> JsValue {
    CodedError::internal("this upload is already finished").into()
}
