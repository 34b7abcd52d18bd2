//! Any bytes through the whole upload: the report must serialize to valid
//! JSON and account for every record read.
#![no_main]

mod common;

use common::settings;
use customer_pipeline::pipeline::process_upload;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = process_upload(data, "fuzz.json", settings()) else {
        return;
    };
    let json = report.to_json();
    // Rejected records are embedded as they were, a few levels deeper than
    // in the input, so serde_json's default depth limit of 128 (a parser
    // policy, not a JSON rule) could refuse a valid report.
    let mut parser = serde_json::Deserializer::from_slice(&json);
    parser.disable_recursion_limit();
    let parsed = serde_json::Value::deserialize(&mut parser).and_then(|_| parser.end());
    if let Err(error) = parsed {
        panic!(
            "report is not valid JSON ({error}): {}",
            String::from_utf8_lossy(&json)
        );
    }
    let m = &report.metadata;
    assert_eq!(
        m.records_read,
        m.total_customers + m.duplicates_removed + m.rejected_records,
        "records not accounted for: {m:?}"
    );
});
