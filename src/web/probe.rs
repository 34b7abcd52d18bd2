//! A look at a source before a run, for the mapping panel: `probeFile`
//! for the start of an upload, `probeApi` for an API's first page.

use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

#[cfg(feature = "fetch")]
use super::browser::BrowserClock;
use super::errors::CodedError;
use super::read_options;
#[cfg(feature = "fetch")]
use super::{fetch_form, fetch_in_tab};
use crate::source::probe::{probe, probe_page_at, Probe};

fn to_json(probe: &Probe) -> Result<String, JsValue> {
    serde_json::to_string(probe).map_err(|error| CodedError::internal(error).into())
}

/// Looks at the start of a file (all of it when `complete`, else its
/// first `probe_bytes` as the vocabulary says) read with `options_json`
/// (`{map?, separator?, file_name?}`).
///
/// Returns JSON: `{format, separator, columns, mapping: {fields,
/// unmapped, ignored_columns}, preview: [{position, values, problem}]}`,
/// `values` per contract field in the vocabulary's `contract_fields`
/// order (`null` where the record has none).
///
/// # Errors
/// A coded JavaScript `Error`: `invalid_setting` (with `field`: `map` or
/// `separator`) or the file's problem (`utf16`, `invalid_json`, … with
/// `line` and `column` where known).
#[cfg(feature = "upload")]
#[wasm_bindgen(js_name = probeFile)]
pub fn probe_file(
    start: &[u8],
    complete: bool,
    options_json: Option<String>,
) -> Result<String, JsValue> {
    let options = read_options(options_json.as_deref())?;
    let found = probe(start, &options, complete).map_err(CodedError::from)?;
    to_json(&found)
}

/// Fetches an API's first page with the run form (`fetchAndProcess`'s
/// `form_json`) and looks at it as [`probe_file`] looks at a file. The
/// page stays in this tab's cache, so the run that follows does not ask
/// for it again. `on_event` receives the fetch's events (retries, waits).
///
/// # Errors
/// A coded JavaScript `Error`: `invalid_setting` (with `field`),
/// `cancelled`, page 1's failure code (with `page`), or `wrong_shape`
/// when page 1 is not an envelope of records.
#[cfg(feature = "fetch")]
#[wasm_bindgen(js_name = probeApi)]
pub async fn probe_api(
    form_json: String,
    on_event: js_sys::Function,
    signal: AbortSignal,
) -> Result<String, JsValue> {
    let (mut config, _, mapping) = fetch_form(&form_json)?;
    config.max_pages = 1;
    // Pages kept on the device are the run's business, not the probe's.
    config.keep_for = None;
    let outcome = fetch_in_tab(&config, None, &BrowserClock, &on_event, &signal).await?;
    let Some((page, body)) = outcome.page_bodies().next() else {
        let failure = outcome.provenance.failed_pages.first();
        return Err(CodedError::first_page(failure).into());
    };
    let records = outcome.provenance.records_path.as_deref();
    let found = probe_page_at(body, page, records, &mapping).map_err(CodedError::from)?;
    to_json(&found)
}
