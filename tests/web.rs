//! The exported WebAssembly API as JavaScript sees it, in a real browser
//! (`wasm-pack test --headless --chrome -- --test web`).
#![cfg(target_arch = "wasm32")]
// Browser tests are `#[wasm_bindgen_test]`, which clippy does not see as tests.
#![allow(clippy::unwrap_used)]

use customer_pipeline::settings::MAX_SEED;
use customer_pipeline::web::{
    map_text, process_upload, random_seed, vocabulary, ChangesOutput, PreviousReport,
    PreviousReportReader, RunOutput, UploadSession,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

mod browser;
use browser::Events;

wasm_bindgen_test_configure!(run_in_browser);

const FIXTURE: &[u8] = include_bytes!("fixtures/reqres_users.json");
const SAMPLE: &[u8] = include_bytes!("../sample_output.json");

fn run(bytes: &[u8]) -> Result<RunOutput, JsValue> {
    process_upload(
        bytes,
        "upload.json",
        "42",
        "2026-11-24",
        "2026-11-24T12:00:00.000Z",
        None,
    )
}

/// A session of an upload named `name` of `size` bytes (seed 42, as of
/// 2026-11-24), its events sent to `events`.
fn session(name: &str, size: usize, events: &Events, options: Option<String>) -> UploadSession {
    UploadSession::new(
        name,
        size as f64,
        "42",
        "2026-11-24",
        events.on_event(),
        options,
    )
    .unwrap()
}

/// `bytes` uploaded as `name` in chunks of `chunk` bytes.
fn upload_in_chunks(
    name: &str,
    bytes: &[u8],
    chunk: usize,
    events: &Events,
    options: Option<String>,
) -> RunOutput {
    let mut session = session(name, bytes.len(), events, options);
    for piece in bytes.chunks(chunk) {
        session.push(piece).unwrap();
    }
    session.finish("2026-11-24T12:00:00Z").unwrap()
}

/// A property of the JavaScript `Error` a call failed with.
fn property(result: &Result<RunOutput, JsValue>, name: &str) -> JsValue {
    let Err(error) = result else {
        panic!("expected the call to fail")
    };
    js_sys::Reflect::get(error, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

/// The `message` of the JavaScript `Error` a call failed with.
fn message(result: Result<RunOutput, JsValue>) -> String {
    property(&result, "message").as_string().unwrap_or_default()
}

/// The `code` of the JavaScript `Error` a call failed with.
fn code(result: &Result<RunOutput, JsValue>) -> String {
    property(result, "code").as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
fn the_fixture_gives_the_sample_output_byte_for_byte() {
    let output = process_upload(
        FIXTURE,
        "reqres_users.json",
        "42",
        "2026-11-24",
        "2026-11-24T12:00:00.000Z",
        None,
    )
    .expect("the fixture is valid");
    assert_eq!(output.report(), SAMPLE);
}

#[wasm_bindgen_test]
fn metadata_is_json_for_the_page() {
    let output = run(FIXTURE).expect("the fixture is valid");
    let metadata = js_sys::JSON::parse(&output.metadata()).expect("metadata is JSON");
    let total = js_sys::Reflect::get(&metadata, &JsValue::from_str("total_customers")).unwrap();
    assert_eq!(total.as_f64(), Some(12.0));
}

#[wasm_bindgen_test]
fn bad_files_fail_with_a_message_that_says_what_and_where() {
    assert_eq!(
        message(run(b"")),
        "The file is empty: expected customer records as JSON, NDJSON or CSV."
    );
    assert_eq!(
        message(run(b"[{\"first_name\": \"\xc3\x28\"}]")),
        "The file is not UTF-8 text: invalid bytes at line 1, column 18. Export it as UTF-8 JSON or NDJSON."
    );
    assert_eq!(
        message(run(b"[\n{\"id\": 1,}\n]")),
        "Invalid JSON at line 2, column 10: key must be a string."
    );
    assert!(message(run(b"{\"id\": 1}\n{\"id\": 2\n")).starts_with("Invalid JSON at line 3"));
    assert_eq!(
        message(run(b"\"customers\"")),
        "Unexpected JSON shape in the whole input: expected a page envelope ({\"page\":…, \"data\":[…]}), \
         an array of records or envelopes, or NDJSON, found a string."
    );
    assert_eq!(
        message(run(br#"{"page": 1, "data": 3}"#)),
        "Unexpected JSON shape in page 1: expected \"data\" to be an array of records, found a number."
    );
}

#[wasm_bindgen_test]
fn errors_carry_a_code_and_where() {
    let result = run(b"[\n{\"id\": 1,}\n]");
    assert_eq!(code(&result), "invalid_json");
    assert_eq!(property(&result, "line").as_f64(), Some(2.0));
    assert_eq!(property(&result, "column").as_f64(), Some(10.0));
    let utf16: Vec<u8> = "[{}]".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(code(&run(&utf16)), "utf16");
    assert_eq!(code(&run(b"")), "empty_file");
    let result = process_upload(
        FIXTURE,
        "f.json",
        "x",
        "2026-11-24",
        "2026-11-24T12:00:00Z",
        None,
    );
    assert_eq!(code(&result), "invalid_setting");
    assert_eq!(
        property(&result, "field").as_string().as_deref(),
        Some("seed")
    );
    for result in [result, run(b"[\n{\"id\": 1,}\n]"), run(b"")] {
        details_are_the_vocabularys(&result);
    }
}

/// Every property the error sets is a detail the vocabulary names (which
/// the worker forwards), and its code is one of the vocabulary's codes.
fn details_are_the_vocabularys(result: &Result<RunOutput, JsValue>) {
    let vocabulary: serde_json::Value = serde_json::from_str(&vocabulary()).unwrap();
    let Err(error) = result else {
        panic!("expected the call to fail")
    };
    let keys = js_sys::Object::keys(&js_sys::Object::from(error.clone()));
    for key in keys.iter() {
        let key = key.as_string().unwrap();
        assert!(
            vocabulary["error_details"]
                .as_array()
                .unwrap()
                .iter()
                .any(|name| name == key.as_str()),
            "{key}"
        );
    }
    let code = code(result);
    assert!(
        vocabulary["error_codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["code"] == code.as_str()),
        "{code}"
    );
}

#[wasm_bindgen_test]
fn the_core_writes_a_links_map_text() {
    assert_eq!(
        map_text(
            "avatar:, id : Customer ID",
            r#"{"email": null, "last_login": "Seen, last"}"#
        )
        .unwrap(),
        "id:Customer ID,email:,avatar:"
    );
    assert_eq!(map_text("", "").unwrap(), "");
    let error = map_text("", r#"{"colour": "x"}"#).unwrap_err();
    let get = |name: &str| js_sys::Reflect::get(&error, &JsValue::from_str(name)).unwrap();
    assert_eq!(get("code").as_string().as_deref(), Some("invalid_setting"));
    assert_eq!(get("field").as_string().as_deref(), Some("map"));
}

#[wasm_bindgen_test]
fn the_vocabulary_is_json_for_the_page() {
    let vocabulary: serde_json::Value = serde_json::from_str(&vocabulary()).unwrap();
    assert_eq!(vocabulary["quality_buckets"][0]["min"], 90);
    assert_eq!(vocabulary["settings"][3]["name"], "retries");
    assert_eq!(vocabulary["settings"][3]["limit"]["max"], 10);
}

#[wasm_bindgen_test]
fn records_that_are_not_objects_are_rejected_with_their_position() {
    let output = run(br#"[{"id": 1}, 5]"#).expect("the array is valid input");
    let report = String::from_utf8(output.report()).unwrap();
    assert!(report.contains(r#""position":"record 2""#), "{report}");
    assert!(report.contains("not a record: expected an object, found a number"));
}

#[wasm_bindgen_test]
fn bad_settings_are_refused() {
    let result = process_upload(
        FIXTURE,
        "f.json",
        "seven",
        "2026-11-24",
        "2026-11-24T12:00:00Z",
        None,
    );
    assert_eq!(
        message(result),
        "The seed must be a whole number from 0 to 9007199254740991; got 'seven'."
    );
    let result = process_upload(
        FIXTURE,
        "f.json",
        "7",
        "24.11.2026",
        "2026-11-24T12:00:00Z",
        None,
    );
    assert_eq!(
        message(result),
        "The reference date (as of) must be YYYY-MM-DD; got '24.11.2026'."
    );
}

#[wasm_bindgen_test]
fn random_seeds_are_exact_javascript_integers() {
    let seeds: Vec<u64> = (0..8)
        .map(|_| {
            random_seed()
                .ok()
                .and_then(|s| s.parse().ok())
                .expect("a decimal seed")
        })
        .collect();
    assert!(seeds.iter().all(|&s| s <= MAX_SEED));
    assert!(seeds.windows(2).any(|w| w[0] != w[1]), "{seeds:?}");
}

#[wasm_bindgen_test]
fn the_table_view_sorts_filters_and_pages() {
    let mut output = run(FIXTURE).expect("the fixture is valid");
    assert_eq!(output.set_view("", false, "", "", ""), 12);
    let first: serde_json::Value = serde_json::from_str(&output.rows(0, 2)).unwrap();
    assert_eq!(first[0]["full_name"], "Byron Fields");
    assert_eq!(first[0]["customer_id"], "10", "ids cross as text");
    assert_eq!(first[0]["quality_bucket"], "high");
    assert_eq!(first.as_array().map(Vec::len), Some(2));
    assert_eq!(output.set_view("data_quality_score", false, "", "", ""), 12);
    let lowest: serde_json::Value = serde_json::from_str(&output.rows(0, 1)).unwrap();
    assert_eq!(lowest[0]["full_name"], "Lindsay Ferguson");
    assert_eq!(output.set_view("", false, "george", "", ""), 2);
    assert_eq!(output.set_view("", false, "", "medium", ""), 1);
    assert_eq!(output.set_view("", false, "", "", "last_login"), 1);
    assert_eq!(output.rows(5, 10), "[]");
}

#[wasm_bindgen_test]
fn csv_summary_and_rejected_rows_for_the_page() {
    let output = run(FIXTURE).expect("the fixture is valid");
    let csv = String::from_utf8(output.csv()).unwrap();
    assert_eq!(csv.lines().count(), 13, "a header and twelve customers");
    // A UTF-8 byte-order mark first (for Excel), then the header.
    assert!(csv.starts_with("\u{feff}customer_id"), "{csv}");
    let summary: serde_json::Value = serde_json::from_str(&output.summary_json().unwrap()).unwrap();
    assert_eq!(summary["total_customers"], 12);
    assert_eq!(
        output.rejected_json(10),
        r#"[{"position":"page 2, record 8","reason":"id: missing"}]"#
    );
    assert_eq!(
        output.duplicates_json(10),
        r#"[{"customer_id":"3","position":"page 2, record 7","data_quality_score":90,"kept_position":"page 1, record 3","message":"Customer 3: page 2, record 7 (score 90) removed; kept page 1, record 3"}]"#
    );
}

#[wasm_bindgen_test]
fn an_upload_in_chunks_gives_the_same_report() {
    let events = Events::new();
    let output = upload_in_chunks("reqres_users.json", FIXTURE, 100, &events, None);
    assert_eq!(output.report(), SAMPLE);
    let run = events.run(Ok(output));
    let kinds: Vec<&str> = run
        .events
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["upload_started", "upload_read", "report_built"]);
    assert_eq!(run.events[2]["duplicates_removed"], 1);

    let mut session = session("lines.ndjson", 20, &events, None);
    session.push(b"{\"id\": 1}\n{\"id\": 2}\n{\"id\"").unwrap();
    assert_eq!(
        session.records_read(),
        2,
        "NDJSON is processed as it arrives"
    );
    session.push(b": 3}\n").unwrap();
    let output = session.finish("2026-11-24T12:00:00Z").unwrap();
    let metadata: serde_json::Value = serde_json::from_str(&output.metadata()).unwrap();
    assert_eq!(metadata["total_customers"], 3);
    assert_eq!(metadata["source"]["format"], "ndjson");
    assert!(
        session.push(b"more").is_err(),
        "a finished session takes nothing"
    );
}

#[wasm_bindgen_test]
fn a_csv_export_is_probed_then_read_with_the_mapping_chosen() {
    use customer_pipeline::web::probe_file;
    const HUBSPOT: &[u8] = include_bytes!("fixtures/hubspot_contacts.csv");
    let probe = probe_file(&HUBSPOT[..300], false, None).expect("the start is probed");
    let probe: serde_json::Value = serde_json::from_str(&probe).unwrap();
    assert_eq!(probe["format"], "csv");
    assert_eq!(probe["separator"], ";");
    assert_eq!(probe["columns"][0], "Record ID");
    assert_eq!(probe["mapping"]["fields"]["id"], "Record ID");
    assert_eq!(probe["preview"][0]["position"], "row 2");

    // The user says the file has no engagement score.
    // (The object form of `map` names any column; the text form is the URL's.)
    let options = Some(r#"{"map": {"engagement_score": null}, "separator": ";"}"#.to_owned());
    let probe = probe_file(HUBSPOT, true, options.clone()).unwrap();
    let probe: serde_json::Value = serde_json::from_str(&probe).unwrap();
    assert_eq!(
        probe["mapping"]["fields"]["engagement_score"],
        serde_json::Value::Null
    );
    assert_eq!(probe["preview"][0]["values"][6], serde_json::Value::Null);

    let chunked = upload_in_chunks("contacts.csv", HUBSPOT, 37, &Events::new(), options.clone());
    let whole = process_upload(
        HUBSPOT,
        "contacts.csv",
        "42",
        "2026-11-24",
        "2026-11-24T12:00:00Z",
        options,
    )
    .unwrap();
    assert_eq!(
        chunked.report(),
        whole.report(),
        "chunked or whole, one report"
    );
    let metadata: serde_json::Value = serde_json::from_str(&whole.metadata()).unwrap();
    assert_eq!(metadata["source"]["format"], "csv");
    assert!(
        metadata["mapping"]["unmapped"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("engagement_score")),
        "{metadata}"
    );

    let result = process_upload(
        HUBSPOT,
        "contacts.csv",
        "42",
        "2026-11-24",
        "2026-11-24T12:00:00Z",
        Some(r#"{"separator": ":"}"#.to_owned()),
    );
    assert_eq!(code(&result), "invalid_setting");
    assert_eq!(
        property(&result, "field").as_string().as_deref(),
        Some("separator")
    );
}

#[wasm_bindgen_test]
fn report_parts_join_to_the_report() {
    let output = run(FIXTURE).expect("the fixture is valid");
    let parts = output.report_parts();
    let mut joined = Vec::new();
    for part in parts.iter() {
        joined.extend(js_sys::Uint8Array::new(&part).to_vec());
    }
    assert!(parts.length() >= 1);
    assert_eq!(joined, output.report());
}

/// An earlier report handed over in one chunk.
fn read_whole(bytes: &[u8]) -> Result<PreviousReport, JsValue> {
    let mut reader = PreviousReportReader::new();
    reader.push(bytes)?;
    reader.finish()
}

/// The changes file as the page saves it: its parts, joined.
fn changes_file(changes: &ChangesOutput) -> Vec<u8> {
    let mut joined = Vec::new();
    for part in changes.changes_parts().iter() {
        joined.extend(js_sys::Uint8Array::new(&part).to_vec());
    }
    joined
}

#[wasm_bindgen_test]
fn an_earlier_report_read_in_chunks_is_compared_through_the_export() {
    let earlier = run(FIXTURE).expect("the fixture is valid").report();
    let mut reader = PreviousReportReader::new();
    for chunk in earlier.chunks(97) {
        reader.push(chunk).unwrap();
    }
    let previous = reader.finish().unwrap();
    let summary: serde_json::Value = serde_json::from_str(&previous.summary()).unwrap();
    assert_eq!(summary["seed"], 42);
    assert_eq!(summary["total_customers"], 12);

    // A week later, by another seed: Eve Holt gave her email.
    let later = String::from_utf8(FIXTURE.to_vec()).unwrap().replacen(
        r#""id": 4,"#,
        r#""id": 4, "email": "eve@example.org","#,
        1,
    );
    let current = process_upload(
        later.as_bytes(),
        "upload.json",
        "7",
        "2026-12-01",
        "2026-12-01T12:00:00Z",
        None,
    )
    .unwrap();
    let mut changes = current.compare_with(&previous);
    let metadata: serde_json::Value = serde_json::from_str(&changes.metadata()).unwrap();
    assert_eq!(metadata["counts"]["changed"], 1);
    assert_eq!(metadata["counts"]["added"], 0);
    assert_eq!(metadata["notes"][0]["code"], "seeds_differ");
    assert_eq!(metadata["notes"][1]["code"], "as_of_differs");
    assert_eq!(
        metadata["compared_fields"].as_array().map(Vec::len),
        Some(4)
    );

    assert_eq!(changes.set_view("eve", "", "email_domain"), 1);
    let rows: serde_json::Value = serde_json::from_str(&changes.rows(0, 10)).unwrap();
    assert_eq!(rows[0]["change"], "changed");
    assert_eq!(rows[0]["customer_id"], "4");
    assert_eq!(rows[0]["changes"][0]["old"], "unknown");
    assert_eq!(changes.set_view("", "low", ""), 0);

    let joined = changes_file(&changes);
    let file: serde_json::Value = serde_json::from_slice(&joined).unwrap();
    assert_eq!(
        file["changed"][0]["changes"]["email_domain"]["new"],
        "example.org"
    );
    let again = current.compare_with(&read_whole(&earlier).unwrap());
    assert_eq!(changes_file(&again), joined, "whole or in chunks, the same");
}

#[wasm_bindgen_test]
fn a_file_that_is_not_a_report_is_refused_with_a_code_and_where() {
    let refused = |bytes: &[u8]| -> (String, String, JsValue) {
        let Err(error) = read_whole(bytes) else {
            panic!("expected the file to be refused")
        };
        let get = |name: &str| js_sys::Reflect::get(&error, &JsValue::from_str(name)).unwrap();
        (
            get("code").as_string().unwrap_or_default(),
            get("message").as_string().unwrap_or_default(),
            get("field"),
        )
    };
    let (code, message, _) = refused(FIXTURE);
    assert_eq!(code, "not_a_report");
    assert_eq!(
        message,
        "This is not a report exported by this tool: it is a JSON array (customer records, \
         perhaps?), not an object with metadata and customers."
    );
    let no_seed = String::from_utf8(SAMPLE.to_vec())
        .unwrap()
        .replacen("\"seed\": 42,", "", 1);
    let (code, message, field) = refused(no_seed.as_bytes());
    assert_eq!(code, "not_a_report");
    assert!(message.ends_with("metadata.seed is missing."), "{message}");
    assert_eq!(field.as_string().as_deref(), Some("metadata.seed"));
    let (code, _, _) = refused(b"{\"metadata\": {,}");
    assert_eq!(code, "invalid_json");
    assert_eq!(refused(b"").0, "empty_file");
}
