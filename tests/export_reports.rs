//! Analysts' own exports read without editing: a Shopify customer export
//! (CSV), a HubSpot contacts export saved by a European Excel (`;`, CRLF,
//! `YYYY-MM-DD HH:MM` dates) and a JSON array with camelCase and nested
//! fields. Each report is compared byte for byte with its reviewed copy in
//! `tests/fixtures/expected/` (`UPDATE_EXPECTED_REPORTS=1` rewrites them
//! after an intended change), and the rules that matter are checked apart.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use customer_pipeline::pipeline::process_upload_with;
use customer_pipeline::settings::{ReadForm, RunSettings};
use customer_pipeline::source::reader::ReadOptions;
use serde_json::Value;
use support::customer;

fn settings() -> RunSettings {
    RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").expect("valid settings")
}

/// The read options of a form, as a front end sends it.
fn options(form: Value) -> ReadOptions {
    let form: ReadForm = serde_json::from_value(form).expect("a form");
    form.validate().expect("valid options")
}

fn report(fixture: &str, options: &ReadOptions) -> (Vec<u8>, Value) {
    let input = std::fs::read(format!("tests/fixtures/{fixture}")).expect("the fixture");
    let report = process_upload_with(&input, fixture, &settings(), options).expect("readable");
    let bytes = report.to_json();
    let expected_path = format!("tests/fixtures/expected/{fixture}.report.json");
    if std::env::var_os("UPDATE_EXPECTED_REPORTS").is_some() {
        std::fs::write(&expected_path, &bytes).expect("writable");
    }
    let expected = std::fs::read(&expected_path).expect("the expected report");
    assert!(
        bytes == expected,
        "{fixture}: the report differs from {expected_path}:\n{}",
        String::from_utf8_lossy(&bytes)
    );
    let json = serde_json::from_slice(&bytes).expect("the report is JSON");
    (bytes, json)
}

/// Fails unless the report's mapping reads each field from its source.
fn assert_mapped(metadata: &Value, fields: &[(&str, &str)]) {
    for (field, source) in fields {
        assert_eq!(metadata["mapping"]["fields"][field], *source, "{field}");
    }
}

#[test]
fn a_shopify_export_is_read_as_it_is() {
    let (_, json) = report("shopify_customers.csv", &ReadOptions::default());
    let m = &json["metadata"];
    assert_eq!(m["source"]["format"], "csv");
    assert_mapped(m, &[("id", "Customer ID"), ("email", "Email")]);
    assert_eq!(
        m["mapping"]["unmapped"],
        serde_json::json!(["avatar", "last_login", "engagement_score"])
    );
    assert_eq!(
        m["mapping"]["ignored_columns"].as_array().map(Vec::len),
        Some(14)
    );
    assert_eq!(m["records_read"], 7);
    assert_eq!(m["rejected_records"], 1, "the row with extra cells");
    assert_eq!(m["duplicates_removed"], 1);
    // A field the source does not have costs nothing: a complete row is 100.
    let mateo = customer(&json, 7215113421115);
    assert_eq!(mateo["data_quality_score"], 100);
    assert_eq!(mateo["quality_issues"], serde_json::json!([]));
    assert_eq!(
        customer(&json, 7215113453883)["email_domain"],
        "example.org"
    );
    assert_eq!(
        customer(&json, 7215113486651)["quality_issues"],
        serde_json::json!(["email: missing"])
    );
    assert_eq!(customer(&json, 7215113519419)["full_name"], "Chloé Jackson");
    let rejected = &json["rejected"][0];
    assert_eq!(rejected["position"], "row 8");
    assert_eq!(
        rejected["reason"],
        "row has 21 cells, the header has 18 (cells after column 'Tags')"
    );
    assert_eq!(json["duplicates"][0]["position"], "row 7");
    assert_eq!(json["duplicates"][0]["kept_position"], "row 2");
}

#[test]
fn a_hubspot_export_from_a_european_excel_is_read_as_it_is() {
    let (_, json) = report("hubspot_contacts.csv", &ReadOptions::default());
    let m = &json["metadata"];
    assert_mapped(
        m,
        &[("id", "Record ID"), ("last_login", "Last Activity Date")],
    );
    assert_eq!(
        m["mapping"]["unmapped"],
        serde_json::json!(["avatar", "engagement_score"])
    );
    assert_eq!(m["total_customers"], 5);
    assert_eq!(
        customer(&json, 101)["activity_status"],
        "active",
        "2026-11-20 09:15"
    );
    assert_eq!(
        customer(&json, 102)["activity_status"],
        "inactive",
        "2026-09-01 17:45:10"
    );
    assert_eq!(customer(&json, 101)["data_quality_score"], 100);
    assert_eq!(customer(&json, 101)["full_name"], "Jana Nováková");
    assert_eq!(
        customer(&json, 104)["quality_issues"],
        serde_json::json!(["last_login: invalid date '2026-13-40 10:00'"])
    );
    assert_eq!(
        customer(&json, 105)["quality_issues"],
        serde_json::json!(["first_name: missing"])
    );
    assert_eq!(
        customer(&json, 103)["data_quality_score"],
        100,
        "no activity date: absent"
    );
}

#[test]
fn a_json_array_with_camel_case_and_nested_fields_is_read_as_it_is() {
    let (_, json) = report("camel_case_customers.json", &ReadOptions::default());
    let m = &json["metadata"];
    assert_eq!(m["source"]["format"], "record_array");
    assert_mapped(
        m,
        &[
            ("id", "customerId"),
            ("email", "contact.email"),
            ("last_login", "lastLoginAt"),
            ("engagement_score", "score"),
        ],
    );
    assert_eq!(
        m["mapping"]["ignored_columns"],
        serde_json::json!(["contact.phone", "plan"])
    );
    let noor = customer(&json, 501);
    assert_eq!(noor["data_quality_score"], 100);
    assert_eq!(noor["engagement_level"], "high");
    assert_eq!(noor["email_domain"], "example.com");
    assert_eq!(
        customer(&json, 502)["quality_issues"],
        serde_json::json!([
            "email: invalid address 'ole@example'",
            "avatar: not an absolute http(s) URL 'ftp://x/502.png'"
        ])
    );
    assert_eq!(json["rejected"][0]["reason"], "id: missing");
}

#[test]
fn the_user_may_change_the_mapping() {
    let options = options(serde_json::json!({"map": "email:,last_name:Default Address City"}));
    let input = std::fs::read("tests/fixtures/shopify_customers.csv").unwrap();
    let report = process_upload_with(&input, "s.csv", &settings(), &options).unwrap();
    let json: Value = serde_json::from_slice(&report.to_json()).unwrap();
    assert_eq!(json["metadata"]["mapping"]["fields"]["email"], Value::Null);
    assert_eq!(
        customer(&json, 7215113421115)["full_name"],
        "Mateo Springfield"
    );
    assert_eq!(customer(&json, 7215113421115)["email_domain"], "unknown");
    assert_eq!(
        customer(&json, 7215113552187)["quality_issues"],
        serde_json::json!([]),
        "an email not read is not scored"
    );
}

#[test]
fn a_chosen_separator_wins_over_the_sniffed_one() {
    let input = b"id;name,with,commas\n1;Ann\n";
    let options = options(serde_json::json!({"separator": ";"}));
    let report = process_upload_with(input, "x.csv", &settings(), &options).unwrap();
    let json: Value = serde_json::from_slice(&report.to_json()).unwrap();
    assert_eq!(
        json["metadata"]["mapping"]["ignored_columns"][0],
        "name,with,commas"
    );
    assert_eq!(json["customers"][0]["customer_id"], 1);
}
