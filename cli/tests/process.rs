//! `customer-pipeline process`: the report is the page's, byte for byte
//! (but for `export_timestamp` and `source.via`), for every fixture, read
//! from a file or from standard input; exit codes; the other files.

mod support;

use chrono::Utc;
use customer_pipeline::settings::{ReadForm, RunSettings};
use customer_pipeline::stream::UploadStream;
use support::{
    code, fixture, run, run_ok, scratch, scratch_report, stderr, without_time,
    without_time_and_mark,
};

const FIXTURES: [&str; 4] = [
    "reqres_users.json",
    "camel_case_customers.json",
    "shopify_customers.csv",
    "hubspot_contacts.csv",
];

/// The page's path: `UploadSession` (src/web) reads the file in the
/// chunks `Blob.stream()` gives, through the core's `UploadStream`, with
/// the read options as the page sends them as JSON.
fn page_report(name: &str, options_json: &str, seed: &str, as_of: &str) -> Vec<u8> {
    let bytes = std::fs::read(fixture(name)).expect("the page's path");
    let settings =
        RunSettings::from_text(seed, as_of, "2026-11-24T12:00:00Z").expect("the page's path");
    let form: ReadForm = serde_json::from_str(options_json).expect("the page's path");
    let settings = RunSettings {
        simulate: form.simulate.unwrap_or(true),
        ..settings
    };
    let options = form.validate().expect("the page's path");
    let mut stream = UploadStream::with_options(name, &settings, &options);
    for chunk in bytes.chunks(64 * 1024) {
        stream.push(chunk).expect("the page's path");
    }
    stream
        .finish(Utc::now())
        .expect("the page's path")
        .to_json()
}

/// The users of the sample report (seed 42) with one gone, written in
/// `dir`: with seed 7, the input of the golden changes file.
fn one_user_gone(dir: &std::path::Path) -> std::path::PathBuf {
    let input = std::fs::read_to_string(fixture("reqres_users.json")).expect("the fixture");
    let current = dir.join("reqres_users.json");
    std::fs::write(&current, input.replacen(r#""id": 12"#, r#""id": 13"#, 1)).expect("written");
    current
}

/// `process input` with seed 7, the golden as-of date, `-o out`, and `extra`.
fn process_seed_7(
    input: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "process",
        input.to_str().expect("a UTF-8 path"),
        "--seed",
        "7",
        "--as-of",
        "2026-11-24",
        "-o",
        out.to_str().expect("a UTF-8 path"),
    ];
    args.extend_from_slice(extra);
    run(&args, b"", &[])
}

#[test]
fn every_fixtures_report_is_the_pages_but_for_the_time_and_the_mark() {
    for name in FIXTURES {
        let path = fixture(name);
        let output = run(
            &[
                "process",
                path.to_str().unwrap(),
                "--seed",
                "42",
                "--as-of",
                "2026-11-24",
            ],
            b"",
            &[],
        );
        assert_eq!(code(&output), Some(0), "{name}: {}", stderr(&output));
        let page = page_report(name, "{}", "42", "2026-11-24");
        assert_eq!(
            String::from_utf8(without_time_and_mark(&output.stdout)).unwrap(),
            String::from_utf8(without_time(&page)).unwrap(),
            "{name}"
        );
        // And the reviewed golden report, made by the whole-file path.
        let golden = std::fs::read(fixture(&format!("golden/{name}.report.json"))).unwrap();
        assert_eq!(
            without_time_and_mark(&output.stdout),
            without_time(&golden),
            "{name} against its golden report"
        );
    }
}

#[test]
fn settings_reach_the_core_as_the_page_sends_them() {
    let name = "shopify_customers.csv";
    let path = fixture(name);
    let output = run_ok(&[
        "process",
        path.to_str().unwrap(),
        "--seed",
        "7",
        "--as-of",
        "2026-01-31",
        "--separator",
        ",",
        "--map",
        "avatar:",
        "--no-simulate",
    ]);
    let page = page_report(
        name,
        r#"{"separator": ",", "map": "avatar:", "simulate": false}"#,
        "7",
        "2026-01-31",
    );
    assert_eq!(without_time_and_mark(&output.stdout), without_time(&page));
}

#[test]
fn ndjson_from_standard_input_in_any_cut() {
    let mut ndjson = Vec::new();
    for id in 1..=2_000 {
        ndjson.extend_from_slice(
            format!(
                "{{\"id\": {id}, \"first_name\": \"N{id}\", \"email\": \"n{id}@example.com\"}}\n"
            )
            .as_bytes(),
        );
    }
    ndjson.extend_from_slice(b"{\"first_name\": \"no id\"}\n");
    let output = run(
        &["process", "-", "--seed", "3", "--as-of", "2026-11-24"],
        &ndjson,
        &[],
    );
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let metadata = &report["metadata"];
    assert_eq!(metadata["total_customers"], 2_000);
    assert_eq!(metadata["rejected_records"], 1);
    assert_eq!(
        metadata["source"],
        serde_json::json!({"kind": "upload", "file_name": "stdin", "format": "ndjson", "workers": 1, "via": "cli"})
    );
    // Sizes in the unit that fits, counts grouped: never "Read 0.1 MB".
    assert!(
        stderr(&output).contains("Read 126 KB and 2,001 records"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_input_and_bad_settings_exit_2_with_the_cores_message_and_write_nothing() {
    let (dir, out) = scratch_report("bad-input");
    let path = fixture("reqres_users.json");
    let cases: [(&[&str], &[u8], &str); 5] = [
        (
            &["--seed", "-1"],
            b"",
            "The seed must be a whole number from 0 to 9007199254740991; got '-1'.",
        ),
        (
            &["--as-of", "24/11/2026"],
            b"",
            "The reference date (as of) must be YYYY-MM-DD; got '24/11/2026'.",
        ),
        (
            &["--separator", ":"],
            b"",
            "The CSV separator must be a comma, a semicolon, a tab or a pipe; got ':'.",
        ),
        (&["--map", "colour:x"], b"", "colour"),
        (&["-"], b"{\"id\": 1}\n{\"id\": 2,}\n", "(invalid_json)"),
    ];
    for (extra, stdin, message) in cases {
        let mut args = vec!["process", "-o", out.to_str().unwrap()];
        if extra[0] != "-" {
            args.push(path.to_str().unwrap());
        }
        args.extend_from_slice(extra);
        let output = run(&args, stdin, &[]);
        assert_eq!(code(&output), Some(2), "{extra:?}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(message),
            "{extra:?}: {}",
            stderr(&output)
        );
        assert!(!out.exists(), "{extra:?}: nothing written");
        assert!(output.stdout.is_empty());
    }
    // A folder is not a file to read.
    let folder = run(&["process", dir.to_str().unwrap()], b"", &[]);
    assert_eq!(code(&folder), Some(2), "{}", stderr(&folder));
    assert!(
        stderr(&folder).contains("(file_not_readable)"),
        "{}",
        stderr(&folder)
    );
    // A usage error is bad input too.
    assert_eq!(code(&run(&["process"], b"", &[])), Some(2));
    assert_eq!(
        code(&run(&["process", "x", "--no-such-flag"], b"", &[])),
        Some(2)
    );
    // And good input, for the other side of the rule.
    run_ok(&[
        "process",
        path.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(out.exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_report_csv_and_summary_go_to_files_quietly() {
    let dir = scratch("files");
    let (report, csv, summary) = (dir.join("r.json"), dir.join("c.csv"), dir.join("s.json"));
    let name = "hubspot_contacts.csv";
    let output = run_ok(&[
        "-q",
        "process",
        fixture(name).to_str().unwrap(),
        "--seed",
        "42",
        "--as-of",
        "2026-11-24",
        "-o",
        report.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert!(output.stdout.is_empty(), "the report went to its file");
    assert!(output.stderr.is_empty(), "quiet: {}", stderr(&output));
    let golden = |kind: &str| std::fs::read(fixture(&format!("golden/{name}.{kind}"))).unwrap();
    assert_eq!(std::fs::read(&csv).unwrap(), golden("customers.csv"));
    assert_eq!(
        without_time_and_mark(&std::fs::read(&report).unwrap()),
        without_time(&golden("report.json"))
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(summary["source"]["via"], "cli");
    assert_eq!(
        summary["total_customers"],
        serde_json::from_slice::<serde_json::Value>(&golden("summary.json")).unwrap()
            ["total_customers"]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_changes_since_an_earlier_report_are_the_pages() {
    // As the golden changes file: the sample report (seed 42) against the
    // same users with seed 7 and one user gone.
    let dir = scratch("changes");
    let current = one_user_gone(&dir);
    let sample = fixture("../../sample_output.json");
    let changes = dir.join("changes.json");
    let output = process_seed_7(
        &current,
        &dir.join("report.json"),
        &[
            "--compare",
            sample.to_str().unwrap(),
            "--changes",
            changes.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let golden = std::fs::read(fixture("golden/reqres_users.json.changes.json")).unwrap();
    let written = std::fs::read(&changes).unwrap();
    assert!(String::from_utf8_lossy(&written).contains(r#""via":"cli""#));
    assert_eq!(support::normalized(&written), support::normalized(&golden));

    // Not a report: exit 2, and nothing is written.
    let not_a_report = run(
        &[
            "process",
            current.to_str().unwrap(),
            "-o",
            dir.join("other.json").to_str().unwrap(),
            "--compare",
            current.to_str().unwrap(),
            "--changes",
            dir.join("other-changes.json").to_str().unwrap(),
        ],
        b"",
        &[],
    );
    assert_eq!(code(&not_a_report), Some(2), "{}", stderr(&not_a_report));
    assert!(
        stderr(&not_a_report).contains("(not_a_report)"),
        "{}",
        stderr(&not_a_report)
    );
    assert!(!dir.join("other.json").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn compare_old_new_writes_the_pages_changes_file_for_two_reports() {
    let dir = scratch("compare");
    let current = one_user_gone(&dir);
    let new = dir.join("new.json");
    let made = process_seed_7(&current, &new, &[]);
    assert_eq!(code(&made), Some(0), "{}", stderr(&made));
    let sample = fixture("../../sample_output.json");
    let output = run_ok(&["compare", sample.to_str().unwrap(), new.to_str().unwrap()]);
    let golden = std::fs::read(fixture("golden/reqres_users.json.changes.json")).unwrap();
    assert_eq!(
        support::normalized(&output.stdout),
        support::normalized(&golden)
    );

    // To a file, the same bytes.
    let changes = dir.join("changes.json");
    run_ok(&[
        "compare",
        sample.to_str().unwrap(),
        new.to_str().unwrap(),
        "-o",
        changes.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&changes).unwrap(), output.stdout);

    // Not a report: exit 2.
    let bad = run(
        &[
            "compare",
            sample.to_str().unwrap(),
            current.to_str().unwrap(),
        ],
        b"",
        &[],
    );
    assert_eq!(code(&bad), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("(not_a_report)"), "{}", stderr(&bad));
    std::fs::remove_dir_all(dir).unwrap();
}
