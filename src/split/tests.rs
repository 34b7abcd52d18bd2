use super::*;
use crate::common::hash::SplitMix64;
use crate::report::export_csv::customers_csv;

fn settings(simulate: bool) -> RunSettings {
    RunSettings {
        simulate,
        ..RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").unwrap()
    }
}

/// The report and its CSV export, or the error.
fn output(report: Result<Report<'_>, IngestError>) -> Result<(Vec<u8>, Vec<u8>), IngestError> {
    report.map(|r| {
        let csv = customers_csv(&r.customers, &r.metadata.enrichment);
        (r.to_json(), csv)
    })
}

/// Reads `input` whole and cut at `targets`; asserts the same bytes (or
/// the same error) and returns how many parts the plan made.
fn same_as_whole(input: &[u8], name: &str, targets: &[usize], simulate: bool) -> usize {
    let settings = settings(simulate);
    let options = ReadOptions::default();
    let whole = output(process_upload_with(input, name, &settings, &options));
    let plan = Plan::at(input, &options.clone().for_file(name), targets);
    let parts = output(process_planned(input, name, &settings, &options, &plan));
    if whole != parts {
        let text = |r: &Result<(Vec<u8>, Vec<u8>), IngestError>| match r {
            Ok((json, _)) => String::from_utf8_lossy(json).into_owned(),
            Err(e) => format!("{e:?}"),
        };
        panic!(
            "{name} cut at {targets:?} ({} parts, {:?}):\n whole: {}\n parts: {}\ninput: {}",
            plan.len(),
            plan.parts,
            text(&whole),
            text(&parts),
            String::from_utf8_lossy(input)
        );
    }
    plan.len()
}

fn random_targets(rng: &mut SplitMix64, len: usize) -> Vec<usize> {
    let count = 1 + rng.below(6) as usize;
    let mut targets: Vec<usize> = (0..count).map(|_| rng.below(len as u64) as usize).collect();
    targets.sort_unstable();
    targets
}

const FIXTURES: [&str; 4] = [
    "reqres_users.json",
    "camel_case_customers.json",
    "hubspot_contacts.csv",
    "shopify_customers.csv",
];

#[test]
fn every_fixture_is_the_same_report_in_any_number_of_parts() {
    let mut rng = SplitMix64::new(22);
    for name in FIXTURES {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let input = std::fs::read(&path).unwrap();
        let mut most = 1;
        for simulate in [true, false] {
            for parts in 1..=8 {
                let targets: Vec<usize> = (1..parts).map(|k| input.len() * k / parts).collect();
                most = most.max(same_as_whole(&input, name, &targets, simulate));
            }
            for _ in 0..200 {
                let targets = random_targets(&mut rng, input.len());
                most = most.max(same_as_whole(&input, name, &targets, simulate));
            }
        }
        assert!(most >= 2, "{name} was never cut");
    }
}

/// A record as JSON: ids from a small range, so duplicates are common and
/// straddle parts; some fields missing or wrong; some strings hold what
/// looks like structure.
fn json_record(rng: &mut SplitMix64) -> String {
    let id = match rng.below(12) {
        0 => "\"x\"".to_owned(),
        1 => "null".to_owned(),
        _ => (1 + rng.below(40)).to_string(),
    };
    let first = ["Ann", "bob", "Émile", "a,\\\"]}[{\\n b", ""][rng.below(5) as usize];
    let email = ["a@b.co", "bad", "X@Example.COM", ""][rng.below(4) as usize];
    let mut fields = vec![
        format!("\"id\": {id}"),
        format!("\"first_name\": \"{first}\""),
    ];
    if rng.below(3) > 0 {
        fields.push(format!("\"last_name\": \"Lee{}\"", rng.below(5)));
    }
    if rng.below(2) == 0 {
        fields.push(format!("\"email\": \"{email}\""));
    }
    if rng.below(3) == 0 {
        fields.push(format!("\"engagement_score\": {}", rng.below(120)));
    }
    if rng.below(4) == 0 {
        fields.push("\"last_login\": \"2026-03-01T10:00:00Z\"".to_owned());
    }
    format!("{{{}}}", fields.join(", "))
}

fn json_element(rng: &mut SplitMix64) -> String {
    match rng.below(10) {
        0 => {
            let records: Vec<String> = (0..rng.below(4)).map(|_| json_record(rng)).collect();
            let page = if rng.below(2) == 0 {
                format!("\"page\": {}, ", 1 + rng.below(9))
            } else {
                String::new()
            };
            format!("{{{page}\"data\": [{}]}}", records.join(",\n  "))
        }
        1 => ["7", "\"text, with a comma\"", "[1, 2]", "null"][rng.below(4) as usize].to_owned(),
        _ => json_record(rng),
    }
}

fn gap(rng: &mut SplitMix64) -> &'static str {
    ["", " ", "\n", "\r\n  ", "\n\n"][rng.below(5) as usize]
}

fn json_array(rng: &mut SplitMix64, count: usize) -> String {
    let elements: Vec<String> = (0..count)
        .map(|_| format!("{}{}", gap(rng), json_element(rng)))
        .collect();
    format!("\u{feff}[{}\n]\n", elements.join(","))
}

fn ndjson(rng: &mut SplitMix64, count: usize) -> String {
    let mut out = String::new();
    for _ in 0..count {
        out.push_str(
            &json_element(rng).replace(", \"", if rng.below(6) == 0 { ",\n\"" } else { ", \"" }),
        );
        out.push_str(["\n", "\r\n", "\n\n", " "][rng.below(4) as usize]);
    }
    out
}

fn csv(rng: &mut SplitMix64, count: usize) -> String {
    let mut out = String::from("id;First Name;Last Name;Email\r\n");
    for _ in 0..count {
        let id = match rng.below(10) {
            0 => String::new(),
            _ => (1 + rng.below(40)).to_string(),
        };
        let first = [
            "Ann",
            "\"Bo;b\"",
            "\"multi\nline \"\"quoted\"\"\"",
            "x\"y",
            "",
        ][rng.below(5) as usize];
        let extra = if rng.below(15) == 0 { ";extra" } else { "" };
        out.push_str(&format!(
            "{id};{first};Lee{};a{}@b.co{extra}",
            rng.below(5),
            rng.below(3)
        ));
        out.push_str(["\r\n", "\n", "\n\n"][rng.below(3) as usize]);
    }
    out
}

#[test]
fn generated_files_are_the_same_report_cut_anywhere() {
    let mut rng = SplitMix64::new(7);
    let mut cut = [0usize; 3];
    for round in 0..300 {
        let count = 2 + rng.below(60) as usize;
        let files = [
            (json_array(&mut rng, count), "g.json"),
            (ndjson(&mut rng, count), "g.ndjson"),
            (csv(&mut rng, count), "g.csv"),
        ];
        for (layout, (text, name)) in files.iter().enumerate() {
            let targets = random_targets(&mut rng, text.len());
            let parts = same_as_whole(text.as_bytes(), name, &targets, round % 2 == 0);
            if parts >= 2 {
                cut[layout] += 1;
            }
            // A name that says nothing, or the other layout: the content
            // (or the name) decides, for the parts as for the whole.
            let other = ["g", "g.csv", "g.json"][rng.below(3) as usize];
            same_as_whole(text.as_bytes(), other, &targets, true);
        }
    }
    // Most files were really cut (a cut needs a record in the first part).
    assert!(cut.iter().all(|&n| n > 150), "{cut:?}");
}

#[test]
fn an_error_anywhere_is_the_one_part_runs_error() {
    let mut rng = SplitMix64::new(11);
    let mut errors = 0;
    for _ in 0..300 {
        let count = 4 + rng.below(30) as usize;
        let (mut text, name) = match rng.below(3) {
            0 => (json_array(&mut rng, count).into_bytes(), "e.json"),
            1 => (ndjson(&mut rng, count).into_bytes(), "e.ndjson"),
            _ => (csv(&mut rng, count).into_bytes(), "e.csv"),
        };
        // Damage one byte in the second half.
        let at = text.len() / 2 + rng.below((text.len() / 2) as u64) as usize;
        text[at] = [b'{', b']', b',', b'"', 0xff][rng.below(5) as usize];
        let targets = random_targets(&mut rng, text.len());
        same_as_whole(&text, name, &targets, true);
        let whole = process_upload_with(&text, name, &settings(true), &ReadOptions::default());
        errors += usize::from(whole.is_err());
    }
    assert!(errors > 50, "only {errors} damaged files failed");
}

#[test]
fn positions_are_the_files_whatever_the_part() {
    let input = b"[{\"id\": 1}, {\"id\": 2}, 7, {\"data\": [{\"id\": 2}]}, {\"email\": \"x\"}]";
    let options = ReadOptions::default();
    let plan = Plan::at(input, &options, &[12, 30]);
    assert_eq!(plan.len(), 3, "{:?}", plan.parts);
    let report = process_planned(input, "p.json", &settings(true), &options, &plan).unwrap();
    let rejected: Vec<String> = report
        .rejected
        .iter()
        .map(|r| r.position.to_string())
        .collect();
    assert_eq!(rejected, ["record 3", "record 5"]);
    let duplicate = &report.duplicates[0];
    // A tie: the first in the file stays.
    assert_eq!(duplicate.position.to_string(), "envelope 4, record 1");
    assert_eq!(duplicate.kept_position.to_string(), "record 2");

    let lines = b"{\"id\": 1}\n{\"id\": 2}\n\n{\"id\": 3}\n{\"x\": 1}\n";
    let plan = Plan::at(lines, &options, &[15]);
    assert_eq!(plan.len(), 2, "{:?}", plan.parts);
    let report = process_planned(lines, "l.ndjson", &settings(true), &options, &plan).unwrap();
    assert_eq!(report.rejected[0].position.to_string(), "line 5");

    let rows = b"id,name\n1,\"a\nb\"\n2,b\n,c\n";
    let plan = Plan::at(rows, &options, &[9, 10]);
    assert_eq!(
        plan.len(),
        2,
        "a quoted line break is no cut: {:?}",
        plan.parts
    );
    assert_eq!(plan.parts[1].start, 16);
    let report = process_planned(rows, "r.csv", &settings(true), &options, &plan).unwrap();
    assert_eq!(report.rejected[0].position.to_string(), "row 4");
}

#[test]
fn what_cannot_be_cut_is_one_part() {
    let options = ReadOptions::default();
    let envelope = b"{\"page\": 1, \"data\": [{\"id\": 1}, {\"id\": 2}]}";
    assert_eq!(Plan::at(envelope, &options, &[20]).len(), 1);
    // One value a line is needed on both sides of a cut.
    let two = b"{\"id\": 1}\n{\"id\": 2}\n";
    assert_eq!(Plan::at(two, &options, &[10]).len(), 1);
    // No record in the first part: the mapping found before cutting is
    // given to the others.
    let late = b"[7, {\"customerId\": 1, \"firstName\": \"A\"}, {\"customerId\": 1}]";
    assert_eq!(same_as_whole(late, "late.json", &[2], true), 2);
    assert_eq!(same_as_whole(late, "late.json", &[2, 36], true), 3);
    assert_eq!(Plan::new(b"[1, 2]", &options, 1).len(), 1);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn threads_give_the_same_report() {
    let mut rng = SplitMix64::new(3);
    let text = json_array(&mut rng, 400);
    let options = ReadOptions::default();
    let whole = output(process_upload_with(
        text.as_bytes(),
        "t.json",
        &settings(true),
        &options,
    ));
    for threads in 1..=4 {
        let parts = output(process_upload_threads(
            text.as_bytes(),
            "t.json",
            &settings(true),
            &options,
            threads,
        ));
        assert!(whole == parts, "{threads} threads");
    }
}

/// Timing on a file given in `SPLIT_TIMING_FILE` (release build):
/// `SPLIT_TIMING_FILE=… cargo test --release --lib split::tests::timing -- --ignored --nocapture`.
#[cfg(not(target_arch = "wasm32"))]
#[test]
#[ignore = "a measurement, run by hand"]
fn timing() {
    let Ok(path) = std::env::var("SPLIT_TIMING_FILE") else {
        return;
    };
    let input = std::fs::read(&path).unwrap();
    let options = ReadOptions::default();
    let settings = settings(true);
    let name = path.rsplit('/').next().unwrap();
    for round in 0..3 {
        let at = std::time::Instant::now();
        let report = process_upload_with(&input, name, &settings, &options).unwrap();
        let one_report = at.elapsed();
        let whole = report.to_json();
        let one = at.elapsed();
        drop(report);
        let read = options.clone().for_file(name);
        let at = std::time::Instant::now();
        let plan = Plan::new(&input, &read, 2);
        let planning = at.elapsed();
        let at = std::time::Instant::now();
        let outputs: Vec<PartOutput> = (0..plan.len())
            .map(|k| read_part(&input, &plan, k, &settings, &read).unwrap())
            .collect();
        let parts = at.elapsed();
        let at = std::time::Instant::now();
        let report = merge(&plan, outputs, name, &settings).unwrap();
        let merged_report = at.elapsed();
        let merged = report.to_json();
        let merging = at.elapsed();
        drop(report);
        assert!(merged == whole);
        let at = std::time::Instant::now();
        let threaded = process_upload_threads(&input, name, &settings, &options, 2)
            .unwrap()
            .to_json();
        let two = at.elapsed();
        assert!(threaded == whole);
        println!(
            "round {round}: whole {one:?} (report {one_report:?}); plan {planning:?}, 2 parts one after the other {parts:?} + merge {merging:?} (report {merged_report:?}); 2 threads {two:?}"
        );
    }
}

/// Inputs at the edges of the layouts, each cut at every byte.
const EDGES: &[(&[u8], &str)] = &[
    (b"\xEF\xBB\xBF{\"id\": 1}\r\n\n{\"page\": 2, \"data\": [{\"id\": 2}, 7]}\n[1]\n{\"id\": 1, \"last_name\": \"Lee\"}\n{\"email\": \"x@y.z\"}", "f"),
    (b"[{\"id\": 1}, {\"data\": []}, {\"page\": 3, \"data\": [{\"id\": 1}]}, {\"id\": \"2\"}]  \n", "f.json"),
    (b"[{\"id\": 1}, {\"id\": 2}]]", "f.json"),
    (b"[{\"id\": 1} {\"id\": 2}, {\"id\": 3}]", "f.json"),
    (b"{\"id\": 1}\n{\"id\": 2}\n{\"id\": 3,}\n{\"id\": 4}\n", "f"),
    (b"{\"id\": 1}\n{\"id\": 2} 5 \"s\"\n{\"id\": 3}\n{\"id\": 4}", "f.ndjson"),
    (b"id,name\n1,\"a\"\"\nb\"\n2,b\"c\n\n3,\"x\n4,y\n", "f.csv"),
    (b"id;name\r\n1;a\r\n2;b;c\r\n3;\"\"\r\n", "f"),
    (b"[{\"id\": 1, \"first_name\": \"\xff\"}, {\"id\": 2}]", "f.json"),
];

#[test]
fn edges_of_every_layout_cut_at_every_byte() {
    for (input, name) in EDGES {
        for at in 0..input.len() {
            same_as_whole(input, name, &[at], true);
            same_as_whole(input, name, &[at / 2, at], false);
        }
    }
}
