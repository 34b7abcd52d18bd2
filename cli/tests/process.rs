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

/// The arguments of `process input` with `seed`, the golden as-of date,
/// and `extra`.
fn process_args<'a>(input: &'a std::path::Path, seed: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let input = input.to_str().expect("a UTF-8 path");
    let mut args = vec!["process", input, "--seed", seed, "--as-of", "2026-11-24"];
    args.extend_from_slice(extra);
    args
}

/// `process input` with seed 7, the golden as-of date, `-o out`, and `extra`.
fn process_seed_7(
    input: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let mut more = vec!["-o", out.to_str().expect("a UTF-8 path")];
    more.extend_from_slice(extra);
    run(&process_args(input, "7", &more), b"", &[])
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

/// Records for the worker tests: ids from a range smaller than the count,
/// so duplicates straddle the parts; some without an id (rejected); names
/// with what a cut could be fooled by (commas, quotes, line breaks,
/// braces).
fn worker_records(count: usize) -> Vec<[String; 4]> {
    let mut state = 22u64;
    let mut next = move |below: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % below
    };
    (0..count)
        .map(|_| {
            let id = match next(40) {
                0 => String::new(),
                _ => (1 + next(count as u64 * 3 / 4)).to_string(),
            };
            let first = [
                "Ann",
                "Bo, \"the\" b",
                "Multi\nline",
                "}, {\"id\": 9",
                "Émile",
            ][next(5) as usize]
                .to_owned();
            let last = format!("Lee{}", next(50));
            let email = match next(6) {
                0 => "not an email".to_owned(),
                1 => String::new(),
                n => format!("p{}@example{n}.com", next(1000)),
            };
            [id, first, last, email]
        })
        .collect()
}

fn json_text(text: &str) -> String {
    serde_json::to_string(text).expect("text as JSON")
}

fn json_object([id, first, last, email]: &[String; 4]) -> String {
    let id = if id.is_empty() { "null" } else { id };
    format!(
        "{{\"id\": {id}, \"first_name\": {}, \"last_name\": {}, \"email\": {}}}",
        json_text(first),
        json_text(last),
        json_text(email)
    )
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([';', '"', '\n']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// The same records in each layout the page cuts, about 250 to 800 KB (at
/// least three parts of 64 KiB), as (file name, bytes, extra flags).
fn worker_layouts() -> Vec<(&'static str, Vec<u8>, Vec<&'static str>)> {
    let records = worker_records(8_000);
    let objects: Vec<String> = records.iter().map(json_object).collect();
    let array = format!("[\n  {}\n]\n", objects.join(",\n  "));
    let envelopes: Vec<String> = objects
        .chunks(25)
        .enumerate()
        .map(|(page, data)| {
            format!(
                "{{\"page\": {}, \"data\": [{}]}}",
                page + 1,
                data.join(", ")
            )
        })
        .collect();
    let envelopes = format!("[{}]", envelopes.join(",\n"));
    let ndjson: String = objects.iter().map(|o| format!("{o}\n")).collect();
    let mut csv = String::from("Customer ID;Given;Family;Mail\r\n");
    for record in &records {
        let cells: Vec<String> = record.iter().map(|c| csv_cell(c)).collect();
        csv.push_str(&cells.join(";"));
        csv.push_str("\r\n");
    }
    let mapping = vec![
        "--map",
        "id:Customer ID,first_name:Given,last_name:Family,email:Mail,avatar:",
    ];
    vec![
        ("array.json", array.into_bytes(), vec![]),
        ("envelopes.json", envelopes.into_bytes(), vec![]),
        ("lines.ndjson", ndjson.into_bytes(), vec![]),
        ("mapped.csv", csv.into_bytes(), mapping),
    ]
}

/// `report` with its one `"workers": N` set to 1, and N.
fn without_workers(report: &[u8]) -> (Vec<u8>, usize) {
    let text = String::from_utf8(without_time_and_mark(report)).expect("UTF-8");
    let key = "\"workers\": ";
    assert_eq!(text.matches(key).count(), 1, "one workers count");
    let start = text.find(key).expect("a workers count") + key.len();
    let end = start
        + text[start..]
            .find(|c: char| !c.is_ascii_digit())
            .expect("its end");
    let workers = text[start..end].parse().expect("a number");
    (
        format!("{}1{}", &text[..start], &text[end..]).into_bytes(),
        workers,
    )
}

/// `process` on `path` with seed 5 and `extra`, its exit checked.
fn process_with(path: &std::path::Path, extra: &[&str]) -> std::process::Output {
    run_ok(&process_args(path, "5", extra))
}

#[test]
fn every_layout_is_the_same_report_with_any_number_of_workers() {
    let dir = scratch("workers");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for (name, bytes, flags) in worker_layouts() {
        assert!(bytes.len() > 3 * (64 << 10), "{name}: three parts at least");
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let mut one = Vec::new();
        for workers in [1, 2, 3] {
            let count = workers.to_string();
            let mut extra = flags.clone();
            extra.extend(["--workers", count.as_str()]);
            let output = process_with(&path, &extra);
            let (report, read_by) = without_workers(&output.stdout);
            assert_eq!(read_by, workers, "{name}: metadata.source.workers");
            if workers == 1 {
                one = report;
                let parsed: serde_json::Value = serde_json::from_slice(&one).unwrap();
                let metadata = &parsed["metadata"];
                // Duplicates and rejections to merge, positions to shift.
                assert!(
                    metadata["duplicates_removed"].as_u64() > Some(100),
                    "{name}"
                );
                assert!(metadata["rejected_records"].as_u64() > Some(10), "{name}");
                assert_eq!(metadata["records_read"], 8_000, "{name}");
            } else {
                assert!(
                    report == one,
                    "{name}: {workers} workers, the one-worker report"
                );
                assert!(
                    stderr(&output).contains(&format!("in {workers} parts, one worker each")),
                    "{name}: {}",
                    stderr(&output)
                );
            }
        }
        // Without the flag: this machine's cores, at most 8.
        let output = process_with(&path, &flags);
        let (report, read_by) = without_workers(&output.stdout);
        assert_eq!(read_by, cores.clamp(1, 8), "{name}: the default");
        assert!(report == one, "{name}: the default's report");
    }
    // Standard input shorter than a part (16 MiB) is read in one piece,
    // whatever the flag.
    let (_, bytes, _) = &worker_layouts()[2];
    let output = run(
        &[
            "process",
            "-",
            "--seed",
            "5",
            "--as-of",
            "2026-11-24",
            "--workers",
            "3",
        ],
        bytes,
        &[],
    );
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    assert_eq!(without_workers(&output.stdout).1, 1, "standard input");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn workers_out_of_range_are_refused_by_name() {
    let (dir, out) = scratch_report("bad-workers");
    let path = fixture("reqres_users.json");
    let process = |workers: &str| {
        let (path, out) = (path.to_str().unwrap(), out.to_str().unwrap());
        run(
            &["process", path, "-o", out, "--workers", workers],
            b"",
            &[],
        )
    };
    for bad in ["0", "17", "x", "-2"] {
        let output = process(bad);
        assert_eq!(code(&output), Some(2), "{bad}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(&format!(
                "error (invalid_setting): --workers: Workers must be a whole number from 1 to 16; got '{bad}'."
            )),
            "{bad}: {}",
            stderr(&output)
        );
        assert!(!out.exists(), "{bad}: nothing written");
    }
    // The limits themselves are taken.
    for good in ["1", "16"] {
        let output = process(good);
        assert_eq!(code(&output), Some(0), "{good}: {}", stderr(&output));
    }
    assert!(out.exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_error_names_the_same_place_whatever_the_workers() {
    let dir = scratch("workers-error");
    let layouts = worker_layouts();
    // A broken value in the last part, and a byte that is no UTF-8 there.
    let (_, lines, _) = &layouts[2];
    let mut bad_json = lines.clone();
    let at = bad_json.len() * 4 / 5;
    let line = at + bad_json[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
    bad_json[line + 6] = b'?'; // {"id"?…
    let (_, rows, flags) = &layouts[3];
    let mut bad_csv = rows.clone();
    let at = bad_csv.len() * 9 / 10;
    bad_csv[at] = 0xff;
    for (name, bytes, flags) in [
        ("bad.ndjson", bad_json, vec![]),
        ("bad.csv", bad_csv, flags.clone()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let failure = |workers: &str| {
            let mut args = vec![
                "--log",
                "json",
                "process",
                path.to_str().unwrap(),
                "--workers",
                workers,
            ];
            args.extend_from_slice(&flags);
            let output = run(&args, b"", &[]);
            assert_eq!(code(&output), Some(2), "{name}: {}", stderr(&output));
            assert!(output.stdout.is_empty());
            support::events(&output)
        };
        let one = failure("1");
        let three = failure("3");
        let last = |events: &[serde_json::Value]| events.last().cloned().unwrap();
        let (one_error, three_error) = (last(&one), last(&three));
        assert_eq!(one_error["kind"], "failed", "{name}");
        assert_eq!(one_error["message"], three_error["message"], "{name}");
        assert_eq!(one_error["code"], three_error["code"], "{name}");
        assert!(
            one_error["message"].as_str().unwrap().contains(" line "),
            "{name}: {}",
            one_error["message"]
        );
        let kinds = |events: &[serde_json::Value]| -> Vec<String> {
            events
                .iter()
                .map(|e| e["kind"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            kinds(&one),
            ["upload_started", "upload_failed", "failed"],
            "{name}"
        );
        assert_eq!(
            kinds(&three),
            [
                "upload_started",
                "read_in_one_piece",
                "upload_started",
                "upload_failed",
                "failed"
            ],
            "{name}"
        );
        assert_eq!(three[0]["workers"], 3, "{name}: tried in three parts");
        assert_eq!(three[2]["workers"], 1, "{name}: then in one piece");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The part size that makes standard input many parts.
const PART_BYTES: &str = "CUSTOMER_PIPELINE_PART_BYTES";

/// `process -` on `stdin` with seed 5, `--workers workers`, parts of
/// `part_bytes`, `--log json` and `flags`.
fn process_stdin(
    stdin: &[u8],
    workers: usize,
    part_bytes: usize,
    flags: &[&str],
) -> std::process::Output {
    let (count, part) = (workers.to_string(), part_bytes.to_string());
    let mut args = vec!["--log", "json"];
    args.extend(process_args(std::path::Path::new("-"), "5", flags));
    args.extend(["--workers", count.as_str()]);
    run(&args, stdin, &[(PART_BYTES, part.as_str())])
}

/// The inputs standard input is cut in, as (name, bytes, flags): every
/// layout of the worker tests, the fixtures, and the edges (a byte-order
/// mark, CRLF, blank lines, quoted line breaks, an array on one line).
fn stdin_layouts() -> Vec<(String, Vec<u8>, Vec<&'static str>)> {
    let mut layouts: Vec<(String, Vec<u8>, Vec<&'static str>)> = worker_layouts()
        .into_iter()
        .map(|(name, bytes, flags)| (name.to_owned(), bytes, flags))
        .collect();
    for name in FIXTURES {
        let bytes = std::fs::read(fixture(name)).expect("the fixture");
        layouts.push((name.to_owned(), bytes, vec![]));
    }
    let objects: Vec<String> = worker_records(3_000).iter().map(json_object).collect();
    let mut edges = format!("\u{feff}{}\r\n", objects.join("\r\n\r\n"));
    layouts.push(("bom_crlf_blank.ndjson".into(), edges.into_bytes(), vec![]));
    edges = format!("\u{feff}[{}]", objects.join(","));
    layouts.push(("bom_one_line.json".into(), edges.into_bytes(), vec![]));
    let mut csv = String::from("\u{feff}id,first_name,last_name,email\n\n");
    for (at, [id, first, last, email]) in worker_records(3_000).iter().enumerate() {
        let cells = [id, first, last, email].map(|cell| {
            if cell.contains([',', '"', '\n']) {
                format!("\"{}\"", cell.replace('"', "\"\""))
            } else {
                cell.clone()
            }
        });
        csv.push_str(&cells.join(","));
        csv.push_str(["\n", "\r\n", "\n\n"][at % 3]);
    }
    layouts.push(("bom_mixed_breaks.csv".into(), csv.into_bytes(), vec![]));
    layouts
}

#[test]
fn standard_input_in_parts_is_the_one_thread_report() {
    for (name, bytes, flags) in stdin_layouts() {
        // About twenty parts, or many more for the small fixtures.
        let part_bytes = (bytes.len() / 20).max(1);
        let one = process_stdin(&bytes, 1, part_bytes, &flags);
        assert_eq!(code(&one), Some(0), "{name}: {}", stderr(&one));
        let (one_report, read_by) = without_workers(&one.stdout);
        assert_eq!(read_by, 1, "{name}: one thread");
        // The one-thread report is the file's.
        let dir = scratch("stdin-parts");
        let path = dir.join(&name);
        std::fs::write(&path, &bytes).unwrap();
        let mut extra = flags.clone();
        extra.extend(["--workers", "1"]);
        let (file_report, _) = without_workers(&process_with(&path, &extra).stdout);
        let as_stdin = String::from_utf8(file_report).unwrap().replacen(
            &format!("\"file_name\": \"{name}\""),
            "\"file_name\": \"stdin\"",
            1,
        );
        // (The file's name may decide the layout; the content decides
        // here alike.)
        assert!(
            as_stdin.as_bytes() == one_report,
            "{name}: stdin and the file"
        );
        std::fs::remove_dir_all(dir).unwrap();
        for workers in [2, 3] {
            let output = process_stdin(&bytes, workers, part_bytes, &flags);
            assert_eq!(code(&output), Some(0), "{name}: {}", stderr(&output));
            let (report, read_by) = without_workers(&output.stdout);
            // The threads, or the parts when fewer: an array of two
            // envelopes is two parts at most.
            let parts = if name == "reqres_users.json" {
                2
            } else {
                workers
            };
            assert_eq!(read_by, parts, "{name}: metadata.source.workers");
            assert!(
                report == one_report,
                "{name}: {workers} threads, the one-thread report"
            );
            let events = support::events(&output);
            assert_eq!(events[0]["kind"], "upload_started", "{name}");
            assert_eq!(events[0]["workers"], workers, "{name}");
        }
    }
}

#[test]
fn standard_input_with_no_boundary_in_its_first_parts_is_read_in_one_piece() {
    // A quoted cell of 2.5 MiB in the second row: the first cut would
    // come in the third chunk, after four parts and two chunks (2 MiB), so
    // the chunks held and the third are read in one piece with the rest.
    let mut csv = String::from("id,first_name,notes\n1,Ann,short\n2,Bo,\"");
    csv.push_str(&"a long note\n".repeat(220_000));
    csv.push_str("\"\n");
    for id in 3..40_000 {
        csv.push_str(&format!("{id},N{id},short\n"));
    }
    let one = process_stdin(csv.as_bytes(), 1, 1000, &[]);
    assert_eq!(code(&one), Some(0), "{}", stderr(&one));
    let output = process_stdin(csv.as_bytes(), 2, 1000, &[]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let (report, read_by) = without_workers(&output.stdout);
    assert_eq!(read_by, 1);
    assert!(report == without_workers(&one.stdout).0);
    let events = support::events(&output);
    assert_eq!(events[0]["kind"], "upload_started");
    assert_eq!(events[0]["workers"], 1);
    assert_eq!(events[0]["bytes"], 0);
}

#[test]
fn rejections_and_duplicates_of_standard_input_keep_their_places() {
    let lines: String = (1..=400)
        .map(|n| match n {
            7 => "{\"first_name\": \"no id\"}\n".to_owned(),
            350 => "[1, 2]\n".to_owned(),
            _ => format!("{{\"id\": {}, \"first_name\": \"N{n}\"}}\n", n % 150),
        })
        .collect();
    let output = process_stdin(lines.as_bytes(), 3, 500, &[]);
    assert_eq!(code(&output), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rejected: Vec<&str> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["position"].as_str().unwrap())
        .collect();
    // (Id 0 is no id: lines 150 and 300.)
    assert_eq!(rejected, ["line 7", "line 150", "line 300", "line 350"]);
    // Id 10 is on lines 10, 160 and 310, in three parts.
    let duplicates = report["duplicates"].as_array().unwrap();
    let of_10: Vec<(&str, &str)> = duplicates
        .iter()
        .filter(|d| d["customer_id"] == 10)
        .map(|d| {
            (
                d["position"].as_str().unwrap(),
                d["kept_position"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(of_10.len(), 2, "{duplicates:?}");
    assert!(of_10.iter().all(|(_, kept)| kept.starts_with("line ")));
    let places: Vec<&str> = of_10.iter().map(|(at, _)| *at).collect();
    assert!(
        places
            .iter()
            .all(|at| ["line 10", "line 160", "line 310"].contains(at)),
        "{places:?}"
    );
}

#[test]
fn bad_standard_input_fails_where_one_thread_fails() {
    let layouts = worker_layouts();
    let later = |bytes: &[u8], share: usize| {
        let at = bytes.len() * share / 10;
        at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1
    };
    let (_, array, _) = &layouts[0];
    let mut bad_array = array.clone();
    let at = later(&bad_array, 7);
    bad_array[at + 3] = b'x'; // `  {"id"…` becomes `  {xid"…`
    let (_, lines, _) = &layouts[2];
    let mut bad_json = lines.clone();
    let at = later(&bad_json, 8);
    bad_json[at + 6] = b'?'; // {"id"?…
                             // Two errors: the first in the stream is the run's, whichever part
                             // fails first.
    let mut two_errors = bad_json.clone();
    let at = later(&two_errors, 4);
    two_errors[at + 6] = b'?';
    let first_line = 1 + two_errors[..at].iter().filter(|&&b| b == b'\n').count();
    // The elements on one line (the array's second): the column of an
    // error counts from the line's start, not the part's.
    let one_line = String::from_utf8(array.clone())
        .unwrap()
        .replace(",\n  ", ",");
    let mut bad_one_line = one_line.into_bytes();
    let at = bad_one_line.len() * 7 / 10;
    let at = at
        + bad_one_line[at..]
            .windows(3)
            .position(|w| w == b"},{")
            .unwrap();
    bad_one_line[at + 3] = b'x'; // `},{"id"…` becomes `},{xid"…`
    let mut bad_utf8 = lines.clone();
    let at = later(&bad_utf8, 6);
    bad_utf8[at + 20] = 0xff;
    let mut cut_short = lines.clone();
    cut_short.truncate(later(&cut_short, 9) + 12);
    let (_, rows, flags) = &layouts[3];
    let mut bad_csv = rows.clone();
    let at = rows.len() * 9 / 10;
    bad_csv[at] = 0xff;
    let mut open_quote = rows.clone();
    open_quote.extend_from_slice(b"12;\"never closed\r\n13;x;y;z\r\n");
    let cases = [
        ("array", bad_array, vec![], "invalid_json"),
        ("ndjson", bad_json, vec![], "invalid_json"),
        ("two errors", two_errors, vec![], "invalid_json"),
        ("one line", bad_one_line, vec![], "invalid_json"),
        ("utf8", bad_utf8, vec![], "not_utf8"),
        ("short", cut_short, vec![], "invalid_json"),
        ("csv", bad_csv, flags.clone(), "not_utf8"),
        ("quote", open_quote, flags.clone(), "csv_unterminated_quote"),
    ];
    for (name, bytes, flags, expected) in cases {
        let part_bytes = bytes.len() / 25;
        let failure = |workers: usize| {
            let output = process_stdin(&bytes, workers, part_bytes, &flags);
            assert_eq!(code(&output), Some(2), "{name}: {}", stderr(&output));
            assert!(output.stdout.is_empty());
            support::events(&output)
        };
        let one = failure(1);
        let last = |events: &[serde_json::Value]| events.last().cloned().unwrap();
        let one_error = last(&one);
        assert_eq!(one_error["code"], expected, "{name}: {one_error}");
        let message = one_error["message"].as_str().unwrap().to_owned();
        let at_a_place = [" line ", " row ", "Row "]
            .iter()
            .any(|w| message.contains(w));
        assert!(at_a_place, "{name}: {message}");
        if name == "two errors" {
            assert!(
                message.contains(&format!(" line {first_line},")),
                "{message}"
            );
        }
        if name == "one line" {
            assert!(message.contains(" line 2, column "), "{message}");
        }
        for workers in [2, 3] {
            let events = failure(workers);
            let error = last(&events);
            assert_eq!(error["code"], one_error["code"], "{name}");
            assert_eq!(error["message"], one_error["message"], "{name}");
            let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
            assert_eq!(
                kinds,
                ["upload_started", "upload_failed", "failed"],
                "{name}"
            );
            assert_eq!(events[0]["workers"], workers, "{name}: read in parts");
        }
    }
}

#[test]
fn a_signal_stops_standard_input_read_in_parts_and_nothing_is_written() {
    let (dir, out) = scratch_report("stdin-signal");
    for signal in ["-INT", "-TERM"] {
        let mut child = std::process::Command::new(support::BIN)
            .args([
                "process",
                "-",
                "--workers",
                "3",
                "-o",
                out.to_str().unwrap(),
            ])
            .env(PART_BYTES, "100000")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // A producer that never ends (until the reader is gone).
        let mut input = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let line =
                b"{\"id\": 1, \"first_name\": \"Ann\", \"email\": \"a@b.co\"}\n".repeat(1000);
            while input.write_all(&line).is_ok() {}
        });
        std::thread::sleep(std::time::Duration::from_millis(500));
        let started = std::time::Instant::now();
        let output = support::cancelled_by(signal, child);
        writer.join().unwrap();
        assert!(
            stderr(&output).contains("in parts as it comes, on 3 workers"),
            "{signal}: read in parts: {}",
            stderr(&output)
        );
        let took = started.elapsed();
        // The input never ends: any bound shows the signal stopped the
        // run; 3 s (as the fetch's signal test) leaves room for a loaded CI.
        assert!(took.as_millis() < 3000, "{signal}: {took:?}");
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(dir).unwrap();
}
