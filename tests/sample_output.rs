//! `sample_output.json` is the program's own output for the fixture; this
//! test regenerates it and compares bytes. Run with
//! `UPDATE_SAMPLE_OUTPUT=1 cargo test --test sample_output` to rewrite it
//! after an intended change, and review the diff.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use customer_pipeline::pipeline::process_upload;
use customer_pipeline::settings::RunSettings;
use serde_json::Value;
use support::customer;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/reqres_users.json"
);
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_output.json");

/// The fixed settings `sample_output.json` was made with.
fn sample_settings() -> RunSettings {
    RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings")
}

fn regenerate() -> Vec<u8> {
    let input = std::fs::read(FIXTURE).expect("fixture is readable");
    process_upload(&input, "reqres_users.json", &sample_settings())
        .expect("fixture is valid input")
        .to_json()
}

#[test]
fn sample_output_is_the_programs_own_output() {
    let fresh = regenerate();
    if std::env::var_os("UPDATE_SAMPLE_OUTPUT").is_some() {
        std::fs::write(SAMPLE, &fresh).expect("sample_output.json is writable");
    }
    let committed = std::fs::read(SAMPLE).expect("sample_output.json exists");
    assert!(
        committed == fresh,
        "sample_output.json differs from the program's output; rerun with UPDATE_SAMPLE_OUTPUT=1 and review the diff"
    );
}

fn sample() -> Value {
    serde_json::from_slice(&regenerate()).expect("the report is JSON")
}

#[test]
fn the_fixture_defects_show_up_as_documented() {
    let report = sample();
    let meta = &report["metadata"];
    assert_eq!(meta["total_customers"], 12);
    assert_eq!(meta["records_read"], 14);
    assert_eq!(meta["duplicates_removed"], 1);
    assert_eq!(meta["rejected_records"], 1);
    assert_eq!(meta["export_timestamp"], "2026-11-24T12:00:00Z");
    assert_eq!(meta["seed"], 42);
    assert_eq!(meta["as_of"], "2026-11-24");
    assert_eq!(meta["source"]["kind"], "upload");
    assert_eq!(meta["source"]["format"], "envelope_array");
    assert_eq!(
        meta["data_quality_summary"],
        serde_json::json!({"high_quality": 11, "medium_quality": 1, "low_quality": 0})
    );

    let george = customer(&report, 1);
    assert_eq!(george["full_name"], "George Bluth");
    assert_eq!(george["email_domain"], "reqres.in");
    assert_eq!(george["engagement_level"], "high");
    assert_eq!(george["activity_status"], "active");
    assert_eq!(george["data_quality_score"], 100);

    let eve = customer(&report, 4);
    assert_eq!(eve["email_domain"], "unknown");
    assert_eq!(eve["quality_issues"], serde_json::json!(["email: missing"]));
    assert_eq!(eve["data_quality_score"], 90);

    let tracey = customer(&report, 6);
    assert_eq!(tracey["activity_status"], "unknown");
    assert_eq!(
        tracey["quality_issues"],
        serde_json::json!(["last_login: invalid date '2024-13-45'"])
    );

    let lindsay = customer(&report, 8);
    assert_eq!(lindsay["engagement_level"], "unknown");
    assert_eq!(
        lindsay["quality_issues"],
        serde_json::json!(["avatar: null", "engagement_score: null"])
    );
    assert_eq!(lindsay["data_quality_score"], 80);

    assert_eq!(customer(&report, 10)["full_name"], "Byron Fields");
    assert_eq!(customer(&report, 3)["data_quality_score"], 100);
    assert_eq!(report["duplicates"][0]["position"], "page 2, record 7");
    assert_eq!(report["duplicates"][0]["kept_position"], "page 1, record 3");
    assert_eq!(report["rejected"][0]["position"], "page 2, record 8");
    assert_eq!(report["rejected"][0]["reason"], "id: missing");
    assert_eq!(report["rejected"][0]["record"]["first_name"], "Orphan");

    let names: Vec<_> = report["customers"]
        .as_array()
        .map(|all| all.iter().filter_map(|c| c["full_name"].as_str()).collect())
        .unwrap_or_default();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);
    assert_eq!(names.first(), Some(&"Byron Fields"));
}
