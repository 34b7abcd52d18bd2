use super::cutter;
use super::*;
use crate::common::hash::SplitMix64;
use crate::source::ingest::InputFormat;

mod fuzz_corpus;

fn settings(simulate: bool) -> RunSettings {
    RunSettings {
        simulate,
        ..RunSettings::from_text("42", "2026-11-24", "2026-11-24T12:00:00Z").unwrap()
    }
}

/// The report and its CSV export, or the error.
fn output(report: Result<Report<'_>, IngestError>) -> Result<(Vec<u8>, Vec<u8>), IngestError> {
    report.map(|r| (r.to_json(), r.to_csv()))
}

/// A run's report as text, or its error: what a failed comparison shows.
fn shown(run: &Result<(Vec<u8>, Vec<u8>), IngestError>) -> String {
    match run {
        Ok((json, _)) => String::from_utf8_lossy(json).into_owned(),
        Err(e) => format!("{e:?}"),
    }
}

/// `metadata.source.workers` of a report, set back to 1 (the one value
/// that says how many parts were read).
fn workers_normalised(report: &mut Report<'_>) -> usize {
    match &mut report.metadata.source {
        SourceInfo::Upload { workers, .. } => std::mem::replace(workers, 1),
        SourceInfo::Api { .. } => 1,
    }
}

/// Reads `input` whole and cut at `targets`; asserts the same bytes (or
/// the same error) but for the number of workers, and returns how many
/// parts the plan made and whether the report was merged from them
/// (false: read in one piece).
fn same_as_whole(input: &[u8], name: &str, targets: &[usize], simulate: bool) -> (usize, bool) {
    same_as_whole_with(input, name, targets, simulate, &ReadOptions::default())
}

/// [`same_as_whole`] with read options as the user gives them (a field
/// mapping, a separator).
fn same_as_whole_with(
    input: &[u8],
    name: &str,
    targets: &[usize],
    simulate: bool,
    options: &ReadOptions,
) -> (usize, bool) {
    let settings = settings(simulate);
    let whole = output(process_upload_with(input, name, &settings, options));
    let plan = Plan::at(input, &options.clone().for_file(name), targets);
    let (report, merged) = process_planned(input, name, &settings, options, &plan);
    let parts = output(report.map(|mut report| {
        let workers = workers_normalised(&mut report);
        assert_eq!(workers, if merged { plan.len() } else { 1 });
        report
    }));
    if whole != parts {
        panic!(
            "{name} cut at {targets:?} ({} parts, {:?}):\n whole: {}\n parts: {}\ninput: {}",
            plan.len(),
            plan.parts,
            shown(&whole),
            shown(&parts),
            String::from_utf8_lossy(input)
        );
    }
    (plan.len(), merged)
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

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap()
}

#[test]
fn every_fixture_is_the_same_report_in_any_number_of_parts() {
    let mut rng = SplitMix64::new(22);
    for name in FIXTURES {
        let input = fixture(name);
        let mut merged_runs = 0;
        for simulate in [true, false] {
            for parts in 1..=8 {
                let targets: Vec<usize> = (1..parts).map(|k| input.len() * k / parts).collect();
                let (count, merged) = same_as_whole(&input, name, &targets, simulate);
                merged_runs += usize::from(merged && count >= 2);
            }
            for _ in 0..200 {
                let targets = random_targets(&mut rng, input.len());
                let (count, merged) = same_as_whole(&input, name, &targets, simulate);
                merged_runs += usize::from(merged && count >= 2);
            }
        }
        // A valid fixture cut where a boundary follows the target is read
        // in parts; a cut found out to be no boundary would be read whole.
        assert!(
            merged_runs > 150,
            "{name} was merged from parts {merged_runs} times"
        );
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

/// The names of the generated files, by layout (see [`generated`]).
const GENERATED_NAMES: [&str; 3] = ["g.json", "g.ndjson", "g.csv"];

/// `count` random customers in a layout: 0 a JSON array, 1 NDJSON, 2 CSV.
fn generated(rng: &mut SplitMix64, layout: usize, count: usize) -> String {
    match layout {
        0 => json_array(rng, count),
        1 => ndjson(rng, count),
        _ => csv(rng, count),
    }
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
    let mut merged = [0usize; 3];
    for round in 0..300 {
        let count = 2 + rng.below(60) as usize;
        let files: [String; 3] = std::array::from_fn(|layout| generated(&mut rng, layout, count));
        for (layout, (text, name)) in files.iter().zip(GENERATED_NAMES).enumerate() {
            let targets = random_targets(&mut rng, text.len());
            let (parts, from_parts) =
                same_as_whole(text.as_bytes(), name, &targets, round % 2 == 0);
            if parts >= 2 && from_parts {
                merged[layout] += 1;
            }
            // A name that says nothing, or the other layout: the content
            // (or the name) decides, for the parts as for the whole.
            let other = ["g", "g.csv", "g.json"][rng.below(3) as usize];
            same_as_whole(text.as_bytes(), other, &targets, true);
        }
    }
    // Most files were read in parts (a cut needs a record in the file's
    // start; one inside an envelope or a quoted cell is found out and the
    // file read in one piece).
    assert!(merged.iter().all(|&n| n > 100), "{merged:?}");
}

#[test]
fn an_error_anywhere_is_the_one_part_runs_error() {
    let mut rng = SplitMix64::new(11);
    let mut errors = 0;
    for _ in 0..300 {
        let count = 4 + rng.below(30) as usize;
        let layout = (rng.below(3)) as usize;
        let (mut text, name) = (
            generated(&mut rng, layout, count).into_bytes(),
            GENERATED_NAMES[layout],
        );
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

/// The report of `input` cut at `targets`, asserting that it was merged
/// from `parts` parts (and is the one-piece report).
fn merged_report(input: &[u8], name: &str, targets: &[usize], parts: usize) -> Report<'static> {
    assert_eq!(same_as_whole(input, name, targets, true), (parts, true));
    let options = ReadOptions::default();
    let plan = Plan::at(input, &options.clone().for_file(name), targets);
    let (report, _) = process_planned(input, name, &settings(true), &options, &plan);
    report.unwrap().into_owned()
}

#[test]
fn positions_are_the_files_whatever_the_part() {
    let input =
        br#"[{"id": 1}, {"id": 2}, 7, {"id": 5}, {"id": 2}, {"data": [{"id": 9}]}, {"id": "x"}]"#;
    let report = merged_report(input, "p.json", &[24], 2);
    let rejected: Vec<String> = report
        .rejected
        .iter()
        .map(|r| r.position.to_string())
        .collect();
    assert_eq!(rejected, ["record 3", "record 7"]);
    let duplicate = &report.duplicates[0];
    // A tie: the first in the file stays.
    assert_eq!(duplicate.position.to_string(), "record 5");
    assert_eq!(duplicate.kept_position.to_string(), "record 2");
    assert_eq!(
        report.metadata.source,
        SourceInfo::Upload {
            file_name: "p.json".into(),
            format: InputFormat::MixedArray,
            workers: 2,
            via: None,
        }
    );
    // An envelope after the cut keeps its place too.
    let customer_9 = report.customers.iter().any(|c| c.customer_id == 9);
    assert!(customer_9);

    let lines = b"{\"id\": 1}\n{\"id\": 2}\n\n{\"id\": 3}\n{\"x\": 1}\n";
    let report = merged_report(lines, "l.ndjson", &[15], 2);
    assert_eq!(report.rejected[0].position.to_string(), "line 5");

    let rows = b"id,name\n1,\"a\nb\"\n2,b\n,c\n";
    let plan = Plan::at(rows, &ReadOptions::default(), &[9, 10]);
    assert_eq!(plan.parts[1].start, 16, "a quoted line break is no cut");
    let report = merged_report(rows, "r.csv", &[9, 10], 2);
    assert_eq!(report.rejected[0].position.to_string(), "row 4");
}

#[test]
fn what_cannot_be_cut_is_one_part() {
    let options = ReadOptions::default();
    let envelope = br#"{"page": 1, "data": [{"id": 1}, {"id": 2}]}"#;
    assert_eq!(Plan::at(envelope, &options, &[20]).len(), 1);
    // No record in the file's start, or no boundary after the target.
    let late = format!("[{}{{\"id\": 1}}]", "7, ".repeat(HEAD_BYTES / 3));
    assert_eq!(Plan::at(late.as_bytes(), &options, &[10]).len(), 1);
    assert_eq!(Plan::at(br#"[{"id": 1}, 2, 3]"#, &options, &[5]).len(), 1);
    assert_eq!(Plan::new(b"[1, 2]", &options, 1).len(), 1);
    // Parts of at least MIN_PART_BYTES.
    let records = |n: usize| format!("[{}{{\"id\": 0}}]", "{\"id\": 1}, ".repeat(n));
    let small = records(MIN_PART_BYTES / 11);
    assert!(small.len() < 2 * MIN_PART_BYTES);
    assert_eq!(Plan::new(small.as_bytes(), &options, 4).len(), 1);
    let large = records(MIN_PART_BYTES * 3 / 11);
    assert_eq!(Plan::new(large.as_bytes(), &options, 8).len(), 3);
    // One value a line is needed on both sides of a cut: cut, then read
    // in one piece.
    let two = b"{\"id\": 1}\n{\"id\": 2}\n";
    assert_eq!(same_as_whole(two, "t", &[5], true), (2, false));
    // No record in the first part: the mapping found before cutting is
    // given to the others.
    let late = br#"[7, {"customerId": 1, "firstName": "A"}, {"customerId": 1}]"#;
    assert_eq!(same_as_whole(late, "late.json", &[2], true), (2, true));
}

#[test]
fn a_cut_that_is_no_boundary_is_found_out_and_read_in_one_piece() {
    // Records hold objects that start like a record: the first comma after
    // the target is inside a record.
    let nested = br#"[{"id": 1, "friends": [{"id": 2}, {"id": 3}]}, {"id": 4}]"#;
    assert_eq!(same_as_whole(nested, "n.json", &[14], true), (2, false));
    // A quoted text cannot hold the first key's quotes unescaped: what
    // looks like a boundary in it is passed over…
    let quoted = br#"[{"id": 1, "note": "}, {\"id\": 2"}, {"id": 3}]"#;
    assert_eq!(same_as_whole(quoted, "q.json", &[12], true), (2, true));
    // …but with no first key (an empty first object) it is cut at.
    let quoted = br#"[{}, {"n": "x}, {y"}, {"id": 3}]"#;
    assert_eq!(same_as_whole(quoted, "q.json", &[8], true), (2, false));
    // NDJSON written over several lines, a nested object first on a line.
    let spread = b"{\"id\": 1,\n\"c\":\n{\"id\": 5}}\n{\"id\": 2}\n{\"id\": 3}\n";
    assert_eq!(same_as_whole(spread, "s.ndjson", &[12], true), (2, false));
    // CSV whose quoted cells hold line breaks: wherever the window starts,
    // the report is the one-piece report, from parts or not.
    let cells = b"id,note\n1,\"a\nb,c\nd\"\n2,x\n3,\"y\"\n4,z\n";
    for at in 0..cells.len() {
        same_as_whole(cells, "c.csv", &[at], true);
    }
    // Inside a quoted cell, the reading that stumbles less is believed.
    assert_eq!(
        same_as_whole(cells, "c.csv", &[13], true),
        (2, true),
        "{:?}",
        Plan::at(cells, &options_for("c.csv"), &[13]).parts
    );
}

fn options_for(name: &str) -> ReadOptions {
    ReadOptions::default().for_file(name)
}

#[test]
fn a_part_crosses_as_bytes_and_merges_as_it_was() {
    let mut rng = SplitMix64::new(5);
    let mut files: Vec<(Vec<u8>, String)> = FIXTURES
        .iter()
        .map(|name| (fixture(name), (*name).to_owned()))
        .collect();
    for _ in 0..20 {
        files.push((json_array(&mut rng, 40).into_bytes(), "g.json".into()));
        files.push((ndjson(&mut rng, 40).into_bytes(), "g.ndjson".into()));
        files.push((csv(&mut rng, 40).into_bytes(), "g.csv".into()));
    }
    let mut merged = 0;
    for (input, name) in &files {
        for simulate in [true, false] {
            let settings = settings(simulate);
            let options = ReadOptions::default();
            let whole = output(process_upload_with(input, name, &settings, &options));
            for parts in 2..=4 {
                let targets: Vec<usize> = (1..parts).map(|k| input.len() * k / parts).collect();
                let plan = Plan::at(input, &options_for(name), &targets);
                let mut outputs = Vec::new();
                // Merged from the bytes as they are read, as the page does.
                let mut merger = Merger::new(&plan, &settings);
                let mut readable = true;
                for index in 0..plan.len() {
                    // The job and the part go through bytes, as between workers.
                    let job = plan.job(index, name, &settings, &options);
                    let job_bytes = job.to_bytes();
                    assert_eq!(PartJob::from_bytes(&job_bytes), Ok(job));
                    let job = PartJob::from_bytes(&job_bytes).unwrap();
                    let mut reader = job.start().unwrap();
                    // In chunks, as a worker reads a file.
                    let pushed = input[plan.bounds(index)]
                        .chunks(7)
                        .try_for_each(|chunk| reader.push(chunk));
                    // A cut that was no boundary: the file is read whole.
                    let Ok(part) = pushed.and_then(|()| reader.finish()) else {
                        readable = false;
                        break;
                    };
                    let bytes = part.to_bytes();
                    let back = PartOutput::from_bytes(&bytes).unwrap();
                    assert!(back.to_bytes() == bytes, "{name}: the same bytes again");
                    assert_eq!(back.records_read(), part.records_read());
                    outputs.push(back);
                    let _ = merger.add_bytes(&bytes);
                }
                if !readable {
                    continue;
                }
                let streamed = merger.finish(name, settings.export_timestamp);
                match merge(&plan, outputs, name, &settings) {
                    Ok(mut report) => {
                        assert_eq!(workers_normalised(&mut report), plan.len());
                        assert!(output(Ok(report)) == whole, "{name} in {parts} parts");
                        let mut streamed = streamed.expect("merged from bytes too");
                        workers_normalised(&mut streamed);
                        assert!(output(Ok(streamed)) == whole, "{name} from bytes");
                        merged += usize::from(plan.len() >= 2);
                    }
                    Err(ReadWhole) => assert!(streamed.is_err()),
                }
            }
        }
    }
    assert!(merged > 200, "{merged}");
}

#[test]
fn bytes_that_are_no_part_are_refused_never_a_panic() {
    let input = fixture("camel_case_customers.json");
    let options = ReadOptions::default();
    let plan = Plan::at(&input, &options_for("c.json"), &[input.len() / 2]);
    assert_eq!(plan.len(), 2);
    let job = plan.job(1, "c.json", &settings(true), &options);
    let part = read_part(&input, &plan, 1, "c.json", &settings(true), &options).unwrap();
    for bytes in [job.to_bytes(), part.to_bytes()] {
        for cut in 0..bytes.len() {
            assert!(PartOutput::from_bytes(&bytes[..cut]).is_err());
            assert!(PartJob::from_bytes(&bytes[..cut]).is_err());
        }
        let mut rng = SplitMix64::new(9);
        for _ in 0..2000 {
            let mut bad = bytes.clone();
            let at = rng.below(bad.len() as u64) as usize;
            bad[at] = rng.below(256) as u8;
            // Either refused or read as some part: never a panic.
            let _ = PartOutput::from_bytes(&bad);
            let _ = PartJob::from_bytes(&bad);
        }
    }
    // The merger refuses them too, and then the rest.
    let part_bytes = part.to_bytes();
    for cut in [1, part_bytes.len() / 2, part_bytes.len() - 1] {
        let mut merger = Merger::new(&plan, &settings(true));
        let first = read_part(&input, &plan, 0, "c.json", &settings(true), &options).unwrap();
        merger.add(first).unwrap();
        assert_eq!(merger.add_bytes(&part_bytes[..cut]), Err(ReadWhole));
        assert_eq!(
            merger.add_bytes(&part_bytes),
            Err(ReadWhole),
            "broken stays broken"
        );
        assert!(merger
            .finish("c.json", settings(true).export_timestamp)
            .is_err());
    }
    // Bytes left over after a part.
    let mut rejected_only = part.to_bytes();
    rejected_only.push(0);
    assert_eq!(
        PartOutput::from_bytes(&rejected_only).err(),
        Some(WireError)
    );
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
        let parts_report = process_upload_threads(
            text.as_bytes(),
            "t.json",
            &settings(true),
            &options,
            threads,
        );
        let parts = output(parts_report.map(|mut report| {
            workers_normalised(&mut report);
            report
        }));
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
            .map(|k| read_part(&input, &plan, k, name, &settings, &options).unwrap())
            .collect();
        let parts = at.elapsed();
        let at = std::time::Instant::now();
        let mut report = merge(&plan, outputs, name, &settings).unwrap();
        let merged_report = at.elapsed();
        workers_normalised(&mut report);
        let merged = report.to_json();
        let merging = at.elapsed();
        drop(report);
        assert!(merged == whole);
        let at = std::time::Instant::now();
        let mut threaded = process_upload_threads(&input, name, &settings, &options, 2).unwrap();
        workers_normalised(&mut threaded);
        let threaded = threaded.to_json();
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
    // A number the parser ends at `[`: the array goes on past line breaks
    // (past the first 256 bytes, which tell the layout).
    (b"{\"id\": 1, \"first_name\": \"Ann\", \"last_name\": \"Lee\"}\n{\"id\": 2, \"first_name\": \"Bo\"}\n\
       {\"id\": 3, \"first_name\": \"Cy\"}\n{\"id\": 4, \"first_name\": \"Di\"}\n{\"id\": 5, \"email\": \"e@f.gh\"}\n\
       {\"id\": 6, \"first_name\": \"Ed\"}\n{\"id\": 7, \"first_name\": \"Fay\"}\n{\"id\": 8, \"last_name\": \"Gu\"}\n\
       7[\n{\"id\": 9}\n{\"id\": 10}\n{\"id\": 11}\n", "f"),
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

/// Reads `input` whole and as a stream cut into parts of `part_bytes`,
/// coming in chunks of `chunk`; asserts the same bytes (or the same
/// error) but for the number of workers, and returns how many parts the
/// stream was cut into.
fn streamed_same_as_whole(
    input: &[u8],
    name: &str,
    part_bytes: usize,
    chunk: usize,
    simulate: bool,
) -> usize {
    let settings = settings(simulate);
    let options = ReadOptions::default();
    let whole = output(process_upload_with(input, name, &settings, &options));
    let (report, parts) =
        cutter::process_streamed(input, name, &settings, &options, part_bytes, chunk);
    let streamed = output(report.map(|mut report| {
        assert_eq!(workers_normalised(&mut report), parts);
        report
    }));
    if whole != streamed {
        panic!(
            "{name} streamed in parts of {part_bytes} ({parts} parts), chunks of {chunk}:\n whole: {}\n streamed: {}\ninput: {}",
            shown(&whole),
            shown(&streamed),
            String::from_utf8_lossy(input)
        );
    }
    parts
}

#[test]
fn every_fixture_streamed_in_parts_is_the_same_report() {
    for name in FIXTURES {
        let input = fixture(name);
        for simulate in [true, false] {
            for part_bytes in [1, 7, 50, 300, 1000, input.len() / 3, input.len()] {
                for chunk in [5, 64, 4096] {
                    let parts = streamed_same_as_whole(&input, name, part_bytes, chunk, simulate);
                    // (reqres_users.json is an array of two envelopes.)
                    if part_bytes <= 300 {
                        assert!(parts >= 2, "{name} in parts of {part_bytes}: {parts}");
                    }
                }
            }
        }
        // Named as standard input is: the content decides.
        streamed_same_as_whole(&input, "stdin", 100, 333, true);
    }
}

#[test]
fn generated_streams_are_the_same_report_in_parts_of_any_size() {
    let mut rng = SplitMix64::new(17);
    let mut cut = [0usize; 3];
    for round in 0..300 {
        let count = 2 + rng.below(60) as usize;
        let files: [String; 3] = std::array::from_fn(|layout| generated(&mut rng, layout, count));
        for (layout, (text, name)) in files.iter().zip(GENERATED_NAMES).enumerate() {
            let part_bytes = 1 + rng.below(text.len() as u64 / 2 + 1) as usize;
            let chunk = 1 + rng.below(200) as usize;
            let parts =
                streamed_same_as_whole(text.as_bytes(), name, part_bytes, chunk, round % 2 == 0);
            cut[layout] += usize::from(parts >= 2);
            // A name that says nothing, or the other layout.
            let other = ["stdin", "g.csv", "g.json"][rng.below(3) as usize];
            streamed_same_as_whole(text.as_bytes(), other, part_bytes, chunk, true);
        }
    }
    // Values are not cut after a top-level number or literal, which some
    // generated streams hold early.
    let [array, values, csv] = cut;
    assert!(array > 250 && values > 150 && csv > 250, "{cut:?}");
}

#[test]
fn an_error_in_any_part_of_a_stream_is_the_one_piece_error() {
    let mut rng = SplitMix64::new(23);
    let mut errors = 0;
    // More by hand: `STREAM_ROUNDS=300000 cargo test --release --lib an_error_in_any_part`.
    let rounds = std::env::var("STREAM_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .unwrap_or(1500);
    for round in 0..rounds {
        let count = 4 + rng.below(40) as usize;
        let layout = (round % 3) as usize;
        let (mut text, name) = (
            generated(&mut rng, layout, count).into_bytes(),
            GENERATED_NAMES[layout],
        );
        // Damage a byte or two anywhere but the very start.
        for _ in 0..1 + rng.below(2) {
            let at = 8 + rng.below(text.len() as u64 - 8) as usize;
            text[at] = [
                b'{', b']', b',', b'"', b'\\', b'\n', b'\r', b'[', b'}', 0, 0xff, 0xc3,
            ][rng.below(12) as usize];
        }
        if rng.below(8) == 0 {
            // Cut short.
            text.truncate(text.len() - 1 - rng.below(text.len() as u64 / 3) as usize);
        }
        let part_bytes = 1 + rng.below(text.len() as u64 / 3 + 1) as usize;
        let chunk = 1 + rng.below(100) as usize;
        let name = ["stdin", name][rng.below(2) as usize];
        streamed_same_as_whole(&text, name, part_bytes, chunk, true);
        let whole = process_upload_with(&text, name, &settings(true), &ReadOptions::default());
        errors += usize::from(whole.is_err());
    }
    assert!(errors > 300, "only {errors} damaged streams failed");
}

#[test]
fn edges_of_every_layout_streamed_in_parts_of_every_size() {
    for (input, name) in EDGES {
        for part_bytes in 1..=input.len() {
            for chunk in [1, 2, 5, input.len()] {
                streamed_same_as_whole(input, name, part_bytes, chunk, true);
            }
        }
    }
}

#[test]
fn a_stream_part_crosses_as_bytes_and_reads_where_it_starts() {
    let input = b"id;name\r\n1;a\r\n2;b\r\n3;\"c\r\nd\"\r\n,e\r\n";
    let options = ReadOptions::default();
    let mut cutter = StreamCutter::for_upload("stdin", &options, input, 1).unwrap();
    let (mut cuts, mut jobs) = (Vec::new(), Vec::new());
    let mut rest = &input[..];
    while let Some(end) = cutter.scan(rest) {
        rest = &rest[end..];
        cuts.push(input.len() - rest.len());
        let job = cutter.job("stdin", &settings(true), &options);
        assert_eq!(PartJob::from_bytes(&job.to_bytes()), Ok(job.clone()));
        jobs.push(job);
    }
    // After each row but the header (a `\r\n` is cut before its `\n`),
    // never inside the quoted cell.
    assert_eq!(cuts, [13, 18, 28, 32]);
    assert_eq!(cutter.parts(), 5);
    // The part of the fourth row: its row and its error are the stream's.
    let job = &jobs[2];
    let mut reader = job.start().unwrap();
    reader.push(&input[28..32]).unwrap();
    let part = reader.finish().unwrap();
    assert_eq!(part.assessed.rejected[0].position.to_string(), "row 5");
    let mut reader = job.start().unwrap();
    reader.push(b"\n4;\"x").unwrap();
    assert_eq!(
        reader.finish_at_end().unwrap_err(),
        IngestError::UnterminatedQuote { row: 5 }
    );
}

#[test]
fn rows_wider_and_longer_than_the_cutters_buffers_are_cut_as_any_row() {
    // More cells than the cutter's `ends` holds (256), and quoted cells
    // longer than its `cells` (64 KiB), with line breaks in them.
    let mut csv = String::from("id;name");
    for n in 0..300 {
        csv.push_str(&format!(";c{n}"));
    }
    csv.push('\n');
    for id in 1..40 {
        let lines = if id % 7 == 0 { 40_000 } else { 2 };
        csv.push_str(&format!("{id};\"{}\"", "ab\n".repeat(lines)));
        for n in 0..300 {
            csv.push_str(&format!(";{n}"));
        }
        csv.push_str("\r\n");
    }
    let whole = process_upload_with(
        csv.as_bytes(),
        "w.csv",
        &settings(true),
        &ReadOptions::default(),
    );
    assert_eq!(
        whole.map(|report| report.metadata.records_read).ok(),
        Some(39)
    );
    for part_bytes in [1, 5_000, 200_000] {
        for chunk in [7, 4096, 1 << 20] {
            let parts = streamed_same_as_whole(csv.as_bytes(), "w.csv", part_bytes, chunk, true);
            assert!(parts >= 2, "parts of {part_bytes}, chunks of {chunk}");
        }
    }
}
