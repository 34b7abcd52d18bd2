//! `time-native FILE [RUNS]`: times the pipeline natively on one input file,
//! the native baseline of the browser benchmark (`bench/browser.mjs`).
//!
//! One warm-up run, then RUNS timed runs (default 5) of each measurement;
//! prints JSON with the median milliseconds of each stage (`ingest_ms`,
//! `build_ms`, `serialize_ms`, measured within one run as the page's
//! `benchStages` does) and of the whole run (`end_to_end_ms`:
//! `process_upload` + `to_json`), with the same settings as the page.

use std::process::ExitCode;
use std::time::Instant;

use customer_bench::timing::{elapsed_ms, files_and_runs, median};
use customer_pipeline::pipeline::process_upload;
use customer_pipeline::settings::RunSettings;
use customer_pipeline::source::reader::Reader;

/// Milliseconds of each stage of one run, and what the run produced.
struct StageTimes {
    ingest_ms: f64,
    build_ms: f64,
    serialize_ms: f64,
    customers: usize,
    report_bytes: usize,
}

fn time_stages(input: &[u8], settings: &RunSettings) -> Result<StageTimes, String> {
    // Reading alone (nothing kept), then a whole run less that reading.
    let start = Instant::now();
    let mut items = 0usize;
    Reader::read_all(input, &mut |_| items += 1).map_err(|e| e.to_string())?;
    let ingest_ms = elapsed_ms(start);
    let start = Instant::now();
    let report = process_upload(input, "bench", settings).map_err(|e| e.to_string())?;
    let build_ms = elapsed_ms(start) - ingest_ms;
    let start = Instant::now();
    let json = report.to_json();
    let serialize_ms = elapsed_ms(start);
    Ok(StageTimes {
        ingest_ms,
        build_ms,
        serialize_ms,
        customers: report.metadata.total_customers,
        report_bytes: json.len(),
    })
}

fn time_end_to_end(input: &[u8], settings: &RunSettings) -> Result<f64, String> {
    let start = Instant::now();
    let report = process_upload(input, "bench", settings).map_err(|e| e.to_string())?;
    let bytes = report.to_json();
    let ms = elapsed_ms(start);
    // Keep the work observable so it cannot be optimised away.
    std::hint::black_box(bytes.len());
    Ok(ms)
}

fn run(path: &str, runs: usize) -> Result<String, String> {
    let input = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let settings = RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z")
        .map_err(|e| e.to_string())?;

    time_end_to_end(&input, &settings)?;
    let end_to_end: Vec<f64> = (0..runs)
        .map(|_| time_end_to_end(&input, &settings))
        .collect::<Result<_, _>>()?;

    let warm_up = time_stages(&input, &settings)?;
    let stages: Vec<StageTimes> = (0..runs)
        .map(|_| time_stages(&input, &settings))
        .collect::<Result<_, _>>()?;
    let stage_median = |pick: fn(&StageTimes) -> f64| median(stages.iter().map(pick).collect());

    Ok(format!(
        concat!(
            r#"{{"input_bytes":{},"runs":{},"end_to_end_ms":{:.3},"#,
            r#""ingest_ms":{:.3},"build_ms":{:.3},"serialize_ms":{:.3},"#,
            r#""customers":{},"report_bytes":{}}}"#
        ),
        input.len(),
        runs,
        median(end_to_end),
        stage_median(|s| s.ingest_ms),
        stage_median(|s| s.build_ms),
        stage_median(|s| s.serialize_ms),
        warm_up.customers,
        warm_up.report_bytes,
    ))
}

fn main() -> ExitCode {
    let ([path], runs) = match files_and_runs("usage: time-native FILE [RUNS]", 5) {
        Ok(args) => args,
        Err(code) => return code,
    };
    match run(&path, runs) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("time-native: {message}");
            ExitCode::FAILURE
        }
    }
}
