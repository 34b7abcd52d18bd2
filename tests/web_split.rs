//! An upload read in parts through the exported API, as the page's workers
//! drive it, in a real browser (`wasm-pack test --headless --chrome --
//! --test web_split`): `SplitUpload` plans the cut from the bytes it asks
//! for, `PartSession`s read the parts (their jobs and results crossing as
//! bytes), and the report is the one-piece report but for
//! `metadata.source.workers`.
#![cfg(target_arch = "wasm32")]
// Browser tests are `#[wasm_bindgen_test]`, which clippy does not see as tests.
#![allow(clippy::unwrap_used)]

use std::cell::RefCell;
use std::rc::Rc;

use customer_pipeline::web::{process_upload, PartSession, RunOutput, SplitUpload};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const STAMP: &str = "2026-11-24T12:00:00Z";

/// An NDJSON file of `count` records with duplicates and rejections
/// (about 60 bytes a record).
fn ndjson(count: usize) -> Vec<u8> {
    let mut text = String::new();
    for n in 0..count {
        let id = if n % 37 == 0 {
            "null".to_owned()
        } else {
            (n % (count * 9 / 10) + 1).to_string()
        };
        let email = if n % 5 == 0 { "bad" } else { "a@b.co" };
        text.push_str(&format!(
            "{{\"id\": {id}, \"first_name\": \"F{}\", \"last_name\": \"L\", \"email\": \"{email}\"}}\n",
            n % 100
        ));
    }
    text.into_bytes()
}

/// The run log's events, as the page's callback receives them.
struct Events {
    seen: Rc<RefCell<Vec<serde_json::Value>>>,
    callback: Closure<dyn Fn(String)>,
}

impl Events {
    fn new() -> Events {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let sink = Rc::clone(&seen);
        let callback = Closure::<dyn Fn(String)>::new(move |json: String| {
            sink.borrow_mut().push(serde_json::from_str(&json).unwrap());
        });
        Events { seen, callback }
    }

    fn function(&self) -> js_sys::Function {
        self.callback
            .as_ref()
            .unchecked_ref::<js_sys::Function>()
            .clone()
    }

    fn kinds(&self) -> Vec<String> {
        self.seen
            .borrow()
            .iter()
            .map(|event| event["kind"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Plans `input` with `workers`, as the page's worker does from a `File`.
fn planned(input: &[u8], name: &str, workers: usize, events: &Events) -> SplitUpload {
    let options = format!(r#"{{"workers": "{workers}"}}"#);
    let mut split = SplitUpload::new(
        name,
        input.len() as f64,
        "42",
        "2026-11-24",
        events.function(),
        Some(options),
    )
    .unwrap();
    while let Some(want) = split.wants() {
        let (start, len) = (want[0] as usize, want[1] as usize);
        split.give(&input[start..start + len]);
    }
    split
}

/// Reads part `index` as a part worker does: its job's bytes, then its
/// slice in chunks; returns the session to finish.
fn read(split: &SplitUpload, input: &[u8], index: usize) -> PartSession {
    let bounds = split.bounds(index).unwrap();
    let mut session = PartSession::new(&split.job(index).unwrap()).unwrap();
    for chunk in input[bounds[0] as usize..bounds[1] as usize].chunks(4096) {
        session.push(chunk).unwrap();
    }
    session
}

/// Reads part 0 in this worker as the page's worker does: straight into
/// the merge, in chunks.
fn read_first(split: &mut SplitUpload, input: &[u8]) {
    let bounds = split.bounds(0).unwrap();
    split.start_first().unwrap();
    for chunk in input[bounds[0] as usize..bounds[1] as usize].chunks(4096) {
        split.push_first(chunk).unwrap();
    }
    split.finish_first().unwrap();
}

/// The merged report (with `metadata.source.workers` set to 1) and the
/// number of workers it named.
fn merged(split: &mut SplitUpload) -> (String, u64) {
    let output = split
        .finish(STAMP)
        .unwrap()
        .expect("the parts make up the file");
    one_worker(&output)
}

/// A report's JSON with `metadata.source.workers` set to 1.
fn one_worker(output: &RunOutput) -> (String, u64) {
    let text = String::from_utf8(output.report()).unwrap();
    let workers = serde_json::from_str::<serde_json::Value>(&text).unwrap()["metadata"]["source"]
        ["workers"]
        .as_u64()
        .unwrap();
    (
        text.replacen(&format!("\"workers\": {workers}"), "\"workers\": 1", 1),
        workers,
    )
}

#[wasm_bindgen_test]
fn parts_read_apart_and_merged_give_the_one_piece_report() {
    let input = ndjson(6000);
    assert!(input.len() > 3 * (64 << 10), "{}", input.len());
    let whole = process_upload(&input, "c.ndjson", "42", "2026-11-24", STAMP, None).unwrap();
    let (whole, workers) = one_worker(&whole);
    assert_eq!(workers, 1);

    let events = Events::new();
    let mut split = planned(&input, "c.ndjson", 3, &events);
    assert_eq!(split.plan(), 3);
    // The others' parts come back as bytes, in any order; this worker
    // reads its own part straight into the merge.
    for index in [2, 1] {
        let bytes = read(&split, &input, index).finish().unwrap();
        split.add_part(index, bytes).unwrap();
    }
    read_first(&mut split, &input);
    let (merged, workers) = merged(&mut split);
    assert_eq!(workers, 3);
    assert!(merged == whole, "the same report but for the workers");
    assert_eq!(
        events.kinds(),
        ["upload_started", "upload_read", "report_built"]
    );
    let started = &events.seen.borrow()[0];
    assert_eq!(started["workers"], 3);
    assert!(started["message"].as_str().unwrap().contains("in 3 parts"));
    assert_eq!(events.seen.borrow()[1]["records"], 6000);
}

#[wasm_bindgen_test]
fn part_0_read_straight_into_the_merge_gives_the_one_piece_report() {
    let input = ndjson(6000);
    let whole = process_upload(&input, "c.ndjson", "42", "2026-11-24", STAMP, None).unwrap();
    let (whole, _) = one_worker(&whole);

    let events = Events::new();
    let mut split = planned(&input, "c.ndjson", 3, &events);
    assert_eq!(split.plan(), 3);
    let bounds = split.bounds(0).unwrap();
    let first = &input[bounds[0] as usize..bounds[1] as usize];
    let (before, after) = first.split_at(first.len() / 2);
    split.start_first().unwrap();
    for chunk in before.chunks(4096) {
        split.push_first(chunk).unwrap();
    }
    assert!(split.first_records_read() > 0);
    // The other parts arrive while part 0 is being read: they wait for it.
    for index in [2, 1] {
        let bytes = read(&split, &input, index).finish().unwrap();
        split.add_part(index, bytes).unwrap();
    }
    for chunk in after.chunks(4096) {
        split.push_first(chunk).unwrap();
    }
    split.finish_first().unwrap();
    let (merged, workers) = merged(&mut split);
    assert_eq!(workers, 3);
    assert!(merged == whole, "the same report but for the workers");
    assert_eq!(events.seen.borrow()[1]["records"], 6000);

    // Part 0 cut inside a value: refused, and no report from the parts.
    let mut split = planned(&input, "c.ndjson", 2, &Events::new());
    assert_eq!(split.plan(), 2);
    split.start_first().unwrap();
    split
        .push_first(b"{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3, \"first")
        .unwrap();
    assert!(split.finish_first().is_err());
    let bytes = read(&split, &input, 1).finish().unwrap();
    split.add_part(1, bytes).unwrap();
    assert!(split.finish(STAMP).unwrap().is_none());
}

#[wasm_bindgen_test]
fn a_small_file_or_one_worker_is_one_part() {
    let events = Events::new();
    let input = ndjson(100);
    let mut split = planned(&input, "small.ndjson", 4, &events);
    assert_eq!(split.plan(), 1, "parts of at least 64 KiB");
    let input = ndjson(6000);
    let mut split = planned(&input, "c.ndjson", 1, &events);
    assert_eq!(split.plan(), 1);
    assert!(
        events.kinds().is_empty(),
        "the one-piece run says it started"
    );
}

#[wasm_bindgen_test]
fn parts_that_do_not_make_up_the_file_are_refused() {
    let input = ndjson(6000);
    let events = Events::new();
    let mut split = planned(&input, "c.ndjson", 2, &events);
    assert_eq!(split.plan(), 2);
    read_first(&mut split, &input);
    // Bytes that are not a part: refused when merged, then no report.
    split.add_part(1, b"not a part".to_vec()).unwrap();
    assert!(split.finish(STAMP).unwrap().is_none());
    split.read_whole();
    assert_eq!(events.kinds(), ["upload_started", "read_in_one_piece"]);

    // A job that is not a job, and a part cut inside a value.
    let code = |error: JsValue| {
        js_sys::Reflect::get(&error, &JsValue::from_str("code"))
            .unwrap()
            .as_string()
            .unwrap()
    };
    assert_eq!(
        code(PartSession::new(b"nonsense").err().unwrap()),
        "internal"
    );
    let mut split = planned(&input, "c.ndjson", 2, &Events::new());
    assert_eq!(split.plan(), 2);
    let mut session = PartSession::new(&split.job(0).unwrap()).unwrap();
    session
        .push(b"{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3, \"first")
        .unwrap();
    assert_eq!(code(session.finish().err().unwrap()), "invalid_json");
    // There is no part 9.
    assert_eq!(code(split.job(9).err().unwrap()), "internal");
}

#[wasm_bindgen_test]
fn a_refused_workers_setting_is_named() {
    let error = SplitUpload::new(
        "c.ndjson",
        1.0e6,
        "42",
        "2026-11-24",
        Events::new().function(),
        Some(r#"{"workers": "17"}"#.to_owned()),
    )
    .err()
    .unwrap();
    let field = js_sys::Reflect::get(&error, &JsValue::from_str("field")).unwrap();
    assert_eq!(field.as_string().as_deref(), Some("workers"));
}
