//! Table tests of reading earlier reports and comparing them with a run.

use super::view::{changes_rows_json, select_changes, ChangesQuery};
use super::*;
use crate::pipeline::process_upload;
use crate::settings::RunSettings;
use crate::transform::quality::QualityBucket;

const FIXTURE: &str = include_str!("../../tests/fixtures/reqres_users.json");
const SAMPLE: &[u8] = include_bytes!("../../sample_output.json");

fn run(input: &str, seed: &str, as_of: &str) -> Report<'static> {
    let settings = RunSettings::from_text(seed, as_of, "2026-11-24T12:00:00Z").unwrap();
    process_upload(input.as_bytes(), "reqres_users.json", &settings)
        .unwrap()
        .into_owned()
}

fn previous_of(report: &Report<'_>) -> PreviousReport {
    PreviousReport::from_bytes(&report.to_json()).unwrap()
}

fn json(changes: &Changes, previous: &PreviousReport, current: &Report<'_>) -> serde_json::Value {
    serde_json::from_slice(&changes.to_json(previous, &current.customers)).unwrap()
}

/// The error of `text` read back in chunks of `size` bytes.
fn chunked_error(text: &str, size: usize) -> ReadError {
    let mut reader = ReportReader::new();
    text.as_bytes()
        .chunks(size)
        .try_for_each(|chunk| reader.push(chunk))
        .unwrap_err()
}

fn replaced(text: &str, edits: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (from, to) in edits {
        assert!(out.contains(from), "the fixture has {from}");
        out = out.replacen(from, to, 1);
    }
    out
}

/// The fixture one week later: Rachel Howell (12) gone, Ada Lovelace (13)
/// new, Eve Holt (4) gave an email, Michael Lawson (7) is more engaged,
/// Lindsay Ferguson (8) has an avatar now.
fn a_week_later() -> String {
    replaced(
        FIXTURE,
        &[
            (
                r#"{
        "id": 12,
        "email": "rachel.howell@reqres.in",
        "first_name": "Rachel",
        "last_name": "Howell",
        "avatar": "https://reqres.in/img/faces/12-image.jpg"
      },"#,
                r#"{"id": 13, "email": "ada@lovelace.example", "first_name": "Ada", "last_name": "Lovelace",
        "avatar": "https://reqres.in/img/faces/13-image.jpg", "engagement_score": 99},"#,
            ),
            (
                r#""id": 4,"#,
                r#""id": 4, "email": "eve.holt@Example.org","#,
            ),
            (r#""engagement_score": 18"#, r#""engagement_score": 75"#),
            (
                r#""avatar": null"#,
                r#""avatar": "https://reqres.in/img/faces/8-image.jpg""#,
            ),
        ],
    )
}

#[test]
fn the_sample_report_is_read_whole() {
    let previous = PreviousReport::from_bytes(SAMPLE).unwrap();
    assert_eq!(previous.len(), 12);
    let summary = previous.summary();
    assert_eq!(summary.seed, 42);
    assert_eq!(summary.as_of, "2026-11-24");
    assert_eq!(summary.export_timestamp, "2026-11-24T12:00:00Z");
    assert_eq!(
        summary.source.get(),
        r#"{"kind":"upload","file_name":"reqres_users.json","format":"envelope_array","workers":1}"#
    );
    assert!(summary.complete);
    let ids: Vec<u64> = (0..previous.len()).map(|p| previous.id_at(p)).collect();
    assert_eq!(ids, (1..=12).collect::<Vec<_>>(), "sorted by id");
}

#[test]
fn identical_reports_have_no_changes() {
    let report = run(FIXTURE, "42", "2026-11-24");
    let previous = previous_of(&report);
    let changes = compare(&previous, &report);
    assert_eq!(
        (
            changes.counts.added,
            changes.counts.removed,
            changes.counts.changed,
            changes.counts.unchanged
        ),
        (0, 0, 0, 12)
    );
    assert_eq!(changes.compared_fields, FieldSet::COMPARABLE);
    assert!(changes.left_out_fields.is_empty());
    assert!(changes.notes.is_empty());
    assert!(changes.counts.quality_buckets.is_empty());
    assert!(changes.counts.fields.iter().all(|(_, n)| *n == 0));
    let file = json(&changes, &previous, &report);
    assert_eq!(file["added"], serde_json::json!([]));
    assert_eq!(file["metadata"]["counts"]["unchanged"], 12);
    assert_eq!(file["metadata"]["previous"], file["metadata"]["current"]);
}

#[test]
fn ids_above_2_pow_53_are_matched_exactly() {
    let input = r#"[{"id": 9007199254740993, "first_name": "A"}, {"id": 18446744073709551615, "first_name": "B"}]"#;
    let before = run(input, "1", "2026-11-24");
    let previous = previous_of(&before);
    assert_eq!(previous.id_at(0), 9_007_199_254_740_993);
    assert_eq!(previous.id_at(1), u64::MAX);
    let after = run(
        &input.replace("9007199254740993", "9007199254740992"),
        "1",
        "2026-11-24",
    );
    let changes = compare(&previous, &after);
    assert_eq!(
        (
            changes.counts.added,
            changes.counts.removed,
            changes.counts.unchanged
        ),
        (1, 1, 1)
    );
    let file = String::from_utf8(changes.to_json(&previous, &after.customers)).unwrap();
    assert!(
        file.contains(r#"{"customer_id":9007199254740992,"#),
        "{file}"
    );
    assert!(
        file.contains(r#"{"customer_id":9007199254740993,"#),
        "{file}"
    );
}

#[test]
fn both_empty_give_an_empty_changes_file_byte_for_byte() {
    // A file with no record is refused; one whose only record is rejected
    // makes a report without customers.
    let report = run(r#"[{"first_name": "No id"}]"#, "1", "2026-11-24");
    let previous = previous_of(&report);
    let changes = compare(&previous, &report);
    let text = String::from_utf8(changes.to_json(&previous, &report.customers)).unwrap();
    let source =
        r#"{"kind":"upload","file_name":"reqres_users.json","format":"record_array","workers":1}"#;
    let side = format!(
        r#"{{
      "export_timestamp": "2026-11-24T12:00:00Z",
      "seed": 1,
      "as_of": "2026-11-24",
      "source": {source},
      "total_customers": 0,
      "complete": true
    }}"#
    );
    let expected = format!(
        r#"{{
  "metadata": {{
    "previous": {side},
    "current": {side},
    "compared_fields": [
      "full_name",
      "email_domain",
      "engagement_level",
      "activity_status",
      "acquisition_channel",
      "market_segment",
      "customer_tier",
      "data_quality_score",
      "quality_issues"
    ],
    "left_out_fields": [],
    "counts": {{
      "added": 0,
      "removed": 0,
      "changed": 0,
      "unchanged": 0,
      "fields": {{
        "full_name": 0,
        "email_domain": 0,
        "engagement_level": 0,
        "activity_status": 0,
        "acquisition_channel": 0,
        "market_segment": 0,
        "customer_tier": 0,
        "data_quality_score": 0,
        "quality_issues": 0
      }},
      "quality_buckets": []
    }},
    "notes": []
  }},
  "added": [],
  "removed": [],
  "changed": []
}}
"#
    );
    assert_eq!(text, expected);
}

#[test]
fn added_removed_and_changed_customers_with_old_and_new_values() {
    let previous_report = run(FIXTURE, "42", "2026-11-24");
    let previous = previous_of(&previous_report);
    let report = run(&a_week_later(), "42", "2026-11-24");
    let changes = compare(&previous, &report);
    let c = &changes.counts;
    assert_eq!((c.added, c.removed, c.changed, c.unchanged), (1, 1, 3, 8));
    assert_eq!(c.field(LineField::EmailDomain), 1);
    assert_eq!(c.field(LineField::EngagementLevel), 1);
    assert_eq!(c.field(LineField::DataQualityScore), 2);
    assert_eq!(c.field(LineField::QualityIssues), 2);
    assert_eq!(c.field(LineField::FullName), 0);
    assert_eq!(
        c.quality_buckets,
        [BucketMove {
            from: QualityBucket::Medium,
            to: QualityBucket::High,
            customers: 1
        }]
    );

    let text = String::from_utf8(changes.to_json(&previous, &report.customers)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let line_after = |key: &str| {
        let at = lines
            .iter()
            .position(|l| *l == format!("  \"{key}\": ["))
            .unwrap();
        lines[at + 1..]
            .iter()
            .take_while(|l| l.starts_with("    {"))
            .map(|l| l.trim().trim_end_matches(','))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        line_after("added"),
        [
            r#"{"customer_id":13,"full_name":"Ada Lovelace","email_domain":"lovelace.example","engagement_level":"high","activity_status":"active","acquisition_channel":"email_campaign","market_segment":"APAC","customer_tier":"basic","data_quality_score":100,"quality_issues":[]}"#
        ]
    );
    let sample = String::from_utf8_lossy(SAMPLE);
    let rachel = sample
        .lines()
        .find(|l| l.contains("\"customer_id\":12,"))
        .unwrap();
    assert_eq!(
        line_after("removed"),
        [rachel.trim().trim_end_matches(',')],
        "a removed customer's line is the earlier report's, byte for byte"
    );
    assert_eq!(
        line_after("changed"),
        [
            r#"{"customer_id":4,"full_name":"Eve Holt","changes":{"email_domain":{"old":"unknown","new":"example.org"},"data_quality_score":{"old":90,"new":100},"quality_issues":{"old":["email: missing"],"new":[]}}}"#,
            r#"{"customer_id":7,"full_name":"Michael Lawson","changes":{"engagement_level":{"old":"low","new":"high"}}}"#,
            r#"{"customer_id":8,"full_name":"Lindsay Ferguson","changes":{"data_quality_score":{"old":80,"new":90},"quality_issues":{"old":["avatar: null","engagement_score: null"],"new":["engagement_score: null"]}}}"#,
        ]
    );
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        file["metadata"]["counts"]["quality_buckets"],
        serde_json::json!([{"from": "medium", "to": "high", "customers": 1}])
    );
    assert_eq!(file["metadata"]["current"]["total_customers"], 12);
}

#[test]
fn different_seeds_leave_the_seeded_fields_out_and_say_so() {
    let previous = previous_of(&run(FIXTURE, "42", "2026-11-24"));
    let report = run(FIXTURE, "7", "2026-11-24");
    let changes = compare(&previous, &report);
    let compared: Vec<&str> = changes.compared_fields.iter().map(LineField::key).collect();
    assert_eq!(
        compared,
        [
            "full_name",
            "email_domain",
            "data_quality_score",
            "quality_issues"
        ]
    );
    let left_out: Vec<&str> = changes.left_out_fields.iter().map(LineField::key).collect();
    assert_eq!(
        left_out,
        [
            "engagement_level",
            "activity_status",
            "acquisition_channel",
            "market_segment",
            "customer_tier"
        ]
    );
    assert_eq!(changes.counts.changed, 0, "only seeded values differ");
    assert_eq!(changes.counts.unchanged, 12);
    assert_eq!(changes.notes.len(), 1);
    assert_eq!(changes.notes[0].code, NoteCode::SeedsDiffer);
    assert!(changes.notes[0].message.contains("(42 before, 7 now)"));
    let file = json(&changes, &previous, &report);
    assert_eq!(file["metadata"]["notes"][0]["code"], "seeds_differ");
    assert_eq!(
        file["metadata"]["counts"]["fields"]
            .as_object()
            .unwrap()
            .len(),
        4
    );

    // With the same seed, the same runs differ in every seeded field.
    let same_seed = compare(&previous_of(&run(FIXTURE, "7", "2026-11-24")), &report);
    assert_eq!(same_seed.counts.changed, 0);
    let other_seed_compared_all = compare(&previous, &run(FIXTURE, "42", "2026-11-24"));
    assert!(other_seed_compared_all.notes.is_empty());
}

#[test]
fn a_different_as_of_is_noted_and_its_changes_kept() {
    let previous = previous_of(&run(FIXTURE, "42", "2026-11-24"));
    let report = run(FIXTURE, "42", "2027-01-10");
    let changes = compare(&previous, &report);
    assert_eq!(
        changes.notes.iter().map(|n| n.code).collect::<Vec<_>>(),
        [NoteCode::AsOfDiffers]
    );
    assert!(changes.notes[0]
        .message
        .contains("as of 2026-11-24 before, 2027-01-10 now"));
    // Logins within 30 days of 2026-11-24 but not of 2027-01-10.
    assert!(changes.counts.field(LineField::ActivityStatus) >= 4);
    let file = json(&changes, &previous, &report);
    let george = file["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["customer_id"] == 1)
        .unwrap();
    assert_eq!(
        george["changes"]["activity_status"],
        serde_json::json!({"old": "active", "new": "inactive"})
    );
}

#[test]
fn partial_reports_are_noted() {
    let report = run(FIXTURE, "42", "2026-11-24");
    let text = String::from_utf8(report.to_json()).unwrap();
    let partial = text.replacen("\"complete\": true", "\"complete\": false", 1);
    let previous = PreviousReport::from_bytes(partial.as_bytes()).unwrap();
    let changes = compare(&previous, &report);
    assert_eq!(changes.notes[0].code, NoteCode::PreviousPartial);
    assert!(!changes.previous.complete);
}

#[test]
fn reading_in_chunks_gives_the_same_report_wherever_the_cuts_are() {
    let previous_report = run(FIXTURE, "42", "2026-11-24");
    let bytes = previous_report.to_json();
    let report = run(&a_week_later(), "42", "2026-11-24");
    let whole = PreviousReport::from_bytes(&bytes).unwrap();
    let expected = compare(&whole, &report).to_json(&whole, &report.customers);
    let mut rng = crate::common::hash::SplitMix64::new(3);
    let mut cut_sizes: Vec<usize> = vec![1, 2, 3, 7, 64, 1000];
    cut_sizes.extend((0..20).map(|_| 1 + rng.below(300) as usize));
    for size in cut_sizes {
        let mut reader = ReportReader::new();
        for chunk in bytes.chunks(size) {
            reader.push(chunk).unwrap();
        }
        let chunked = reader.finish().unwrap();
        let got = compare(&chunked, &report).to_json(&chunked, &report.customers);
        assert_eq!(got, expected, "chunks of {size}");
    }
}

#[test]
fn a_reformatted_report_with_keys_in_another_order_is_read_too() {
    let report = run(FIXTURE, "42", "2026-11-24");
    let value: serde_json::Value = serde_json::from_slice(&report.to_json()).unwrap();
    // serde_json's map sorts keys: customers, duplicates, metadata, rejected.
    let reformatted = format!("\u{feff}{}", serde_json::to_string_pretty(&value).unwrap());
    assert!(reformatted.find("\"customers\"") < reformatted.find("\"metadata\""));
    let previous = PreviousReport::from_bytes(reformatted.as_bytes()).unwrap();
    let changes = compare(&previous, &report);
    assert_eq!(changes.counts.unchanged, 12);
    assert_eq!(changes.counts.changed, 0);
}

#[test]
fn the_changes_file_is_deterministic_and_its_chunks_join_to_it() {
    let previous = previous_of(&run(FIXTURE, "42", "2026-11-24"));
    let report = run(&a_week_later(), "7", "2027-01-10");
    let changes = compare(&previous, &report);
    let bytes = changes.to_json(&previous, &report.customers);
    assert_eq!(
        bytes,
        compare(&previous, &report).to_json(&previous, &report.customers)
    );
    for chunk_bytes in [1, 100, 1 << 20] {
        let mut joined = Vec::new();
        changes.write_json_chunks(&previous, &report.customers, chunk_bytes, &mut |c| {
            joined.extend_from_slice(c)
        });
        assert_eq!(joined, bytes, "chunks of {chunk_bytes}");
    }
    let file: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let codes: Vec<&str> = file["metadata"]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["seeds_differ", "as_of_differs"]);
}

#[test]
fn the_view_searches_and_filters_added_removed_and_changed_customers() {
    let previous = previous_of(&run(FIXTURE, "42", "2026-11-24"));
    let report = run(&a_week_later(), "42", "2026-11-24");
    let changes = compare(&previous, &report);
    let ids = |query: ChangesQuery| -> Vec<String> {
        let view = select_changes(&changes, &previous, &report.customers, &query);
        let rows: serde_json::Value = serde_json::from_str(&changes_rows_json(
            &changes,
            &previous,
            &report.customers,
            &view,
            0,
            100,
        ))
        .unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["customer_id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Rachel Howell (12) removed, Ada Lovelace (13) added: listed with the changed, by id.
    assert_eq!(ids(ChangesQuery::default()), ["4", "7", "8", "12", "13"]);
    let search = |s: &str| ChangesQuery {
        search: s.into(),
        ..ChangesQuery::default()
    };
    assert_eq!(ids(search(" LINDSAY ")), ["8"]);
    assert_eq!(ids(search("example.org")), ["4"]);
    assert_eq!(ids(search("7")), ["7"]);
    // A removed customer is found by its values before; an added one by its values now.
    assert_eq!(ids(search("howell")), ["12"]);
    assert_eq!(ids(search("12")), ["12"]);
    assert_eq!(ids(search("lovelace.example")), ["13"]);
    let field = |f| ChangesQuery {
        field: Some(f),
        ..ChangesQuery::default()
    };
    assert_eq!(ids(field(LineField::QualityIssues)), ["4", "8"]);
    assert_eq!(ids(field(LineField::FullName)), Vec::<String>::new());
    let bucket = |b| ChangesQuery {
        bucket: Some(b),
        ..ChangesQuery::default()
    };
    // A bucket now: the added one is in one; the removed one is in none.
    assert_eq!(ids(bucket(QualityBucket::High)), ["4", "7", "8", "13"]);
    assert_eq!(ids(bucket(QualityBucket::Medium)), Vec::<String>::new());
    assert_eq!(ids(bucket(QualityBucket::Low)), Vec::<String>::new());

    let view = select_changes(
        &changes,
        &previous,
        &report.customers,
        &ChangesQuery::default(),
    );
    let rows: serde_json::Value = serde_json::from_str(&changes_rows_json(
        &changes,
        &previous,
        &report.customers,
        &view,
        2,
        5,
    ))
    .unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{
            "change": "changed",
            "customer_id": "8",
            "full_name": "Lindsay Ferguson",
            "email_domain": "reqres.in",
            "previous_bucket": "medium",
            "quality_bucket": "high",
            "changes": [
                {"field": "data_quality_score", "old": 80, "new": 90},
                {"field": "quality_issues", "old": ["avatar: null", "engagement_score: null"], "new": ["engagement_score: null"]}
            ]
        }, {
            "change": "removed",
            "customer_id": "12",
            "full_name": "Rachel Howell",
            "email_domain": "reqres.in",
            "previous_bucket": "high",
            "quality_bucket": null,
            "changes": []
        }, {
            "change": "added",
            "customer_id": "13",
            "full_name": "Ada Lovelace",
            "email_domain": "lovelace.example",
            "previous_bucket": null,
            "quality_bucket": "high",
            "changes": []
        }])
    );
    assert_eq!(
        changes_rows_json(&changes, &previous, &report.customers, &view, 9, 5),
        "[]"
    );
}

/// The sample report with one edit.
fn sample_with(from: &str, to: &str) -> String {
    replaced(&String::from_utf8_lossy(SAMPLE), &[(from, to)])
}

#[test]
fn files_that_are_not_reports_are_refused_with_what_and_where() {
    let customer_10 = r#"{"customer_id":10,"#;
    let cases: Vec<(String, &str, &str)> = vec![
        (String::new(), "empty_file", "The file is empty: choose a report exported by this tool (customer_report-….json)."),
        (" \n\t".into(), "empty_file", "The file is empty: choose a report exported by this tool (customer_report-….json)."),
        (FIXTURE.into(), "not_a_report", "This is not a report exported by this tool: it is a JSON array (customer records, perhaps?), not an object with metadata and customers."),
        ("\"report\"".into(), "not_a_report", "This is not a report exported by this tool: it is a string, not an object with metadata and customers."),
        ("{}".into(), "not_a_report", "This is not a report exported by this tool: metadata is missing."),
        ("{\"metadata\": 5, \"customers\": []}".into(), "not_a_report", "This is not a report exported by this tool: metadata should be an object, found a number."),
        ("<html></html>".into(), "invalid_json", "This is not a report exported by this tool: invalid JSON at line 1, column 1: expected '{', found '<'."),
        (sample_with("\"seed\": 42,\n", ""), "not_a_report", "This is not a report exported by this tool: metadata.seed is missing."),
        (sample_with("\"seed\": 42", "\"seed\": \"42\""), "not_a_report", "This is not a report exported by this tool: metadata.seed should be a whole number from 0 to 9007199254740991, found a string."),
        (sample_with("\"seed\": 42", "\"seed\": 9007199254740992"), "not_a_report", "This is not a report exported by this tool: metadata.seed should be a whole number from 0 to 9007199254740991, found 9007199254740992."),
        (sample_with("\"as_of\": \"2026-11-24\"", "\"as_of\": \"24.11.2026\""), "not_a_report", "This is not a report exported by this tool: metadata.as_of should be a date YYYY-MM-DD, found \"24.11.2026\"."),
        (sample_with("\"export_timestamp\": \"2026-11-24T12:00:00Z\",\n", ""), "not_a_report", "This is not a report exported by this tool: metadata.export_timestamp is missing."),
        (sample_with("\"source\": {", "\"source\": 1, \"x\": {"), "not_a_report", "This is not a report exported by this tool: metadata.source should be an object, found a number."),
        (sample_with("\"customers\": [", "\"clients\": ["), "not_a_report", "This is not a report exported by this tool: customers is missing."),
        (sample_with("\"customers\": [", "\"customers\": {\"x\": ["), "not_a_report", "This is not a report exported by this tool: customers should be an array, found an object."),
        (sample_with(customer_10, "7, {\"customer_id\":10,"), "not_a_report", "This is not a report exported by this tool: customers[0] should be an object, found a number."),
        (sample_with(customer_10, "{"), "not_a_report", "This is not a report exported by this tool: customers[0].customer_id is missing."),
        (sample_with(customer_10, "{\"customer_id\":\"10\","), "not_a_report", "This is not a report exported by this tool: customers[0].customer_id should be a positive whole number, found a string."),
        (sample_with(customer_10, "{\"customer_id\":0,"), "not_a_report", "This is not a report exported by this tool: customers[0].customer_id should be a positive whole number, found 0."),
        (sample_with("\"engagement_level\":\"high\"", "\"engagement_level\":\"hot\""), "not_a_report", "This is not a report exported by this tool: customers[0].engagement_level should be one of high, medium, low, unknown, found 'hot'."),
        (sample_with("\"data_quality_score\":100,", "\"data_quality_score\":101,"), "not_a_report", "This is not a report exported by this tool: customers[0].data_quality_score should be a whole number from 0 to 100, found 101."),
        (sample_with("\"quality_issues\":[]", "\"quality_issues\":[1]"), "not_a_report", "This is not a report exported by this tool: customers[0].quality_issues should be an array of strings, found an array holding a number."),
        (sample_with(",\"market_segment\":\"US-East\"", ""), "not_a_report", "This is not a report exported by this tool: customers[0].market_segment is missing."),
        (sample_with(customer_10, "{\"customer_id\":5,"), "not_a_report", "This is not a report exported by this tool: customers[1].customer_id repeats customer_id 5 of customers[0]."),
        (sample_with("\"customers\": [", "\"customers\": [], \"customers\": ["), "not_a_report", "This is not a report exported by this tool: customers appears twice."),
        (sample_with("\"full_name\":\"Byron Fields\"", "\"full_name\":\"Byron Fields\",\"full_name\":\"B\""), "not_a_report", "This is not a report exported by this tool: customers[0] should be an object with each key once, found duplicate field `full_name`."),
    ];
    for (input, code, message) in cases {
        let error = PreviousReport::from_bytes(input.as_bytes()).unwrap_err();
        assert_eq!(
            (error.code(), error.to_string().as_str()),
            (code, message),
            "{input:.60}"
        );
    }
}

#[test]
fn invalid_json_is_placed_by_line_and_column_in_the_whole_file_however_it_is_cut() {
    let sample = String::from_utf8_lossy(SAMPLE);
    let line = sample
        .lines()
        .position(|l| l.contains("\"customer_id\":5,"))
        .unwrap() as u64
        + 1;
    let broken = sample_with("\"customer_id\":5,", "\"customer_id\":5,,");
    for size in [1, 5, 100, broken.len()] {
        let error = chunked_error(&broken, size);
        assert_eq!(error.code(), "invalid_json");
        assert_eq!(error.location(), Some((line, 22)), "chunks of {size}");
        assert!(
            error
                .to_string()
                .ends_with(&format!("line {line}, column 22: key must be a string.")),
            "{error}"
        );
    }
    let cut_short = &sample[..sample.len() / 2];
    let trailing = format!("{sample}x");
    let error = PreviousReport::from_bytes(cut_short.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "invalid_json");
    assert!(
        error
            .to_string()
            .ends_with("the file ends before the report does (is it cut short?)."),
        "{error}"
    );
    let error = PreviousReport::from_bytes(trailing.as_bytes()).unwrap_err();
    let last_line = sample.lines().count() as u64 + 1;
    assert_eq!(error.location(), Some((last_line, 1)));
    assert_eq!(
        error.to_string(),
        format!("This is not a report exported by this tool: invalid JSON at line {last_line}, column 1: more text after the report's closing '}}'.")
    );
}

#[test]
fn errors_name_their_code_path_and_place() {
    let error =
        PreviousReport::from_bytes(sample_with("\"seed\": 42", "\"seed\": null").as_bytes())
            .unwrap_err();
    assert_eq!(error.path(), Some("metadata.seed"));
    assert_eq!(error.location(), None);
    assert_eq!(ReadError::Empty.path(), None);
}

#[test]
fn a_value_larger_than_a_report_holds_is_refused_however_it_is_cut() {
    let report = run(FIXTURE, "42", "2026-11-24");
    let text = String::from_utf8(report.to_json()).unwrap();
    // A rejected record 5,000 bytes long, on line 3 of a report read with a 4 KB limit.
    let huge = format!("\"{}\"", "x".repeat(5_000));
    let file = text.replacen("{\n", &format!("{{\n  \"extra\": [\n{huge}],\n"), 1);
    let read = |size: usize| {
        let mut reader = ReportReader::new().with_value_limit(4096);
        for chunk in file.as_bytes().chunks(size) {
            reader.push(chunk)?;
        }
        reader.finish().map(|_| ())
    };
    for size in [1, 7, 100, 4096, file.len()] {
        let error = read(size).unwrap_err();
        assert_eq!(
            error,
            ReadError::ValueTooLarge {
                line: 3,
                column: 1,
                limit: 4096
            },
            "chunks of {size}"
        );
        assert_eq!(error.code(), "value_too_large");
    }
    // The same report without it reads, with the default limit.
    assert!(PreviousReport::from_bytes(text.as_bytes()).is_ok());
    // A key with no end is refused early.
    let endless_key = format!("{{\"{}", "k".repeat(1_000));
    let mut reader = ReportReader::new();
    let error = reader.push(endless_key.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "invalid_json");
}

#[test]
fn a_key_is_refused_at_its_257th_byte_however_it_is_cut() {
    // An escaped quote does not end a key, and each of its bytes counts.
    let file = format!("{{\"a\\\"{}\": 1}}", "k".repeat(300));
    for size in [1, 2, 3, 7, 100, 258, file.len()] {
        let error = chunked_error(&file, size);
        assert_eq!(
            error,
            ReadError::InvalidJson {
                line: 1,
                column: 259,
                detail: "a key longer than any of a report".into()
            },
            "chunks of {size}"
        );
    }
    // 256 bytes are a key (one a report does not need).
    let file = format!("{{\"{}\": 1}}", "k".repeat(256));
    for size in [1, 5, file.len()] {
        let mut reader = ReportReader::new();
        for chunk in file.as_bytes().chunks(size) {
            reader.push(chunk).unwrap();
        }
        assert_eq!(
            reader.finish().unwrap_err().to_string(),
            "This is not a report exported by this tool: metadata is missing.",
            "chunks of {size}"
        );
    }
}

#[test]
fn displays_as_matches_the_whole_text_only() {
    use super::displays_as;
    assert!(displays_as(42, "42"));
    assert!(displays_as(
        format_args!("{}: {}", "email", "missing"),
        "email: missing"
    ));
    assert!(displays_as("", ""));
    assert!(!displays_as(42, "4"), "a longer rendering");
    assert!(!displays_as(4, "42"), "a shorter rendering");
    assert!(!displays_as(43, "42"));
    assert!(!displays_as("a", ""));
}

/// The changes file, the metadata and the view's rows of `changes` over
/// `current`'s customers: everything the page shows or saves of them.
fn everything(changes: &Changes, previous: &PreviousReport, current: &Customers) -> [Vec<u8>; 3] {
    let view = select_changes(changes, previous, current, &ChangesQuery::default());
    [
        changes.to_json(previous, current),
        changes.metadata_json().into_bytes(),
        changes_rows_json(changes, previous, current, &view, 0, usize::MAX).into_bytes(),
    ]
}

#[test]
fn a_run_handed_over_as_bytes_compares_as_the_run_itself() {
    let mut partial = run(&a_week_later(), "42", "2026-11-24");
    partial.metadata.complete = false;
    let mut none = run(FIXTURE, "42", "2026-11-24");
    none.customers = Customers::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
    let cases = [
        // Added, removed and changed customers, issues quoting values.
        (
            run(FIXTURE, "42", "2026-11-24"),
            run(&a_week_later(), "42", "2026-11-24"),
        ),
        // Other seed (fields left out), other date (noted), partial now.
        (
            run(FIXTURE, "42", "2026-11-24"),
            run(&a_week_later(), "7", "2027-01-10"),
        ),
        (run(&a_week_later(), "42", "2026-11-24"), partial),
        // Every customer removed.
        (run(FIXTURE, "42", "2026-11-24"), none),
    ];
    for (before, now) in &cases {
        let previous = previous_of(before);
        let side = RunSide::from_bytes(&RunSide::of(now)).unwrap();
        let handed = side.compare(&previous);
        let own = compare(&previous, now);
        assert_eq!(
            everything(&handed, &previous, &side.customers),
            everything(&own, &previous, &now.customers)
        );
        // Each case has something to show.
        assert!(
            own.counts.changed + own.counts.added + own.counts.removed > 0 || !own.notes.is_empty()
        );
    }
}

#[test]
fn bytes_that_are_not_a_run_side_are_refused() {
    let bytes = RunSide::of(&run(FIXTURE, "42", "2026-11-24"));
    assert!(RunSide::from_bytes(&bytes).is_ok());
    // Cut short anywhere, or with a byte more.
    for len in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(RunSide::from_bytes(&bytes[..len]).is_err(), "cut at {len}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(RunSide::from_bytes(&longer).is_err());
    // A total that is not the number of customers.
    let mut report = run(FIXTURE, "42", "2026-11-24");
    report.customers = Customers::new(chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap());
    let mut out = Writer::default();
    RunSummary::of(&run(FIXTURE, "42", "2026-11-24")).put(&mut out);
    report.customers.put(&mut out);
    assert_eq!(
        RunSide::from_bytes(&out.into_bytes()).unwrap_err(),
        WireError
    );
    // Customers pointing at names, domains and issues their tables lack.
    let full = run(FIXTURE, "42", "2026-11-24");
    let mut out = Writer::default();
    RunSummary::of(&full).put(&mut out);
    report.customers.put_tables(&mut out);
    out.list(full.customers.rows());
    assert_eq!(
        RunSide::from_bytes(&out.into_bytes()).unwrap_err(),
        WireError
    );
}

/// How long handing a run over as bytes takes, and how many bytes, on a
/// file given in `COMPARE_HANDOVER_FILE` (release build):
/// `COMPARE_HANDOVER_FILE=… cargo test --release --lib compare::tests::handover_timing -- --ignored --nocapture`.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a measurement, run by hand"]
fn handover_timing() {
    let Ok(path) = std::env::var("COMPARE_HANDOVER_FILE") else {
        return;
    };
    let input = std::fs::read(&path).unwrap();
    let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T12:00:00Z").unwrap();
    let report = process_upload(&input, "timing.json", &settings).unwrap();
    let previous = previous_of(&report);
    for round in 0..5 {
        let at = std::time::Instant::now();
        let bytes = RunSide::of(&report);
        let written = at.elapsed();
        let at = std::time::Instant::now();
        let side = RunSide::from_bytes(&bytes).unwrap();
        let taken = at.elapsed();
        let at = std::time::Instant::now();
        let own = compare(&previous, &report);
        let comparing = at.elapsed();
        assert_eq!(side.compare(&previous).counts, own.counts);
        println!(
            "round {round}: {} customers, {} bytes; written {written:?}, taken {taken:?}; the comparison itself {comparing:?}",
            report.customers.len(),
            bytes.len()
        );
    }
}
