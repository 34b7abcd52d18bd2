//! Every output the pipeline writes, byte for byte, for every fixture: the
//! report, the CSV, the summary, and a changes file (the reports of API
//! runs are checked beside the fetcher's fakes, in `src/fetch/tests/`).
//! They change only on purpose: `UPDATE_GOLDEN=1 cargo test --test golden
//! --lib` rewrites `tests/fixtures/golden/` after an intended change, to be
//! reviewed in the diff. A refactoring must leave them as they are.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use customer_pipeline::compare::{compare, compare_reports, PreviousReport};
use customer_pipeline::pipeline::process_upload;
use customer_pipeline::settings::RunSettings;
use support::golden;

const FIXTURES: [&str; 4] = [
    "reqres_users.json",
    "camel_case_customers.json",
    "shopify_customers.csv",
    "hubspot_contacts.csv",
];

fn settings(seed: &str) -> RunSettings {
    RunSettings::from_text(seed, "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings")
}

#[test]
fn every_file_output_of_every_fixture_is_as_reviewed() {
    for fixture in FIXTURES {
        let input = std::fs::read(format!("tests/fixtures/{fixture}")).expect("the fixture");
        let report = process_upload(&input, fixture, &settings("42")).expect("readable");
        golden(&format!("{fixture}.report.json"), &report.to_json());
        golden(&format!("{fixture}.customers.csv"), &report.to_csv());
        let summary = serde_json::to_string_pretty(&report.metadata).expect("metadata") + "\n";
        golden(&format!("{fixture}.summary.json"), summary.as_bytes());
    }
}

#[test]
fn without_simulation_what_the_source_lacks_is_unknown_and_nothing_is_marked() {
    // A Shopify export has no last login and no score: with `simulate=0`
    // every field the source cannot decide is `unknown`.
    let fixture = "shopify_customers.csv";
    let input = std::fs::read(format!("tests/fixtures/{fixture}")).expect("the fixture");
    let settings = RunSettings {
        simulate: false,
        ..settings("42")
    };
    let report = process_upload(&input, fixture, &settings).expect("readable");
    golden(
        &format!("{fixture}.not-simulated.report.json"),
        &report.to_json(),
    );
    golden(
        &format!("{fixture}.not-simulated.customers.csv"),
        &report.to_csv(),
    );
}

#[test]
fn a_changes_file_is_as_reviewed() {
    // The sample report (seed 42), against the same users with seed 7 and
    // one user gone: every kind of change.
    let sample = std::fs::read("sample_output.json").expect("the sample");
    let previous = PreviousReport::from_bytes(&sample).expect("the sample is a report");
    let input = std::fs::read_to_string("tests/fixtures/reqres_users.json").expect("the fixture");
    let fewer = input.replacen(r#""id": 12"#, r#""id": 13"#, 1);
    let current =
        process_upload(fewer.as_bytes(), "reqres_users.json", &settings("7")).expect("readable");
    let changes = compare(&previous, &current);
    golden(
        "reqres_users.json.changes.json",
        &changes.to_json(&previous, &current.customers),
    );

    // Two reports read back (the command line's `compare OLD NEW`) give
    // the same file, byte for byte.
    let written = PreviousReport::from_bytes(&current.to_json()).expect("our report reads back");
    let changes = compare_reports(&previous, &written);
    golden(
        "reqres_users.json.changes.json",
        &changes.to_json(&previous, &written),
    );
    let mut parts = Vec::new();
    changes.write_json_chunks(&previous, &written, 100, &mut |part| {
        parts.extend_from_slice(part)
    });
    golden("reqres_users.json.changes.json", &parts);
    // A report against itself: nothing added, removed or changed.
    let same = compare_reports(&written, &written);
    assert_eq!(
        (
            same.counts.added,
            same.counts.removed,
            same.counts.changed,
            same.counts.unchanged
        ),
        (0, 0, 0, written.len())
    );
}
