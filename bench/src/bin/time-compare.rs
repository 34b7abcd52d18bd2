//! `time-compare BEFORE AFTER [RUNS]`: times comparing two reports natively.
//!
//! BEFORE and AFTER are customer files (e.g. from `gen-customers`). The
//! pipeline makes the earlier report from BEFORE (seed 1, as of
//! 2026-11-24) and the current run from AFTER (seed 1, as of 2026-12-24,
//! a month later). Then, RUNS times (default 3, after one warm-up), it
//! times reading the earlier report's bytes whole and in 64 KiB chunks
//! (as the page reads a file), the comparison, and writing the changes
//! file; and it prints JSON with the median milliseconds, the counts, and
//! the memory the reading holds: its peak and what the read report keeps
//! (heap bytes, counted by this binary's allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use customer_bench::timing::{elapsed_ms, files_and_runs, median};
use customer_pipeline::compare::{compare, PreviousReport, ReportReader};
use customer_pipeline::pipeline::process_upload;
use customer_pipeline::settings::RunSettings;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters are only read.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            if new_size >= layout.size() {
                let grown = new_size - layout.size();
                let now = IN_USE.fetch_add(grown, Ordering::Relaxed) + grown;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const CHUNK: usize = 64 << 10;

fn read_in_chunks(bytes: &[u8]) -> Result<PreviousReport, String> {
    let mut reader = ReportReader::new();
    for chunk in bytes.chunks(CHUNK) {
        reader.push(chunk).map_err(|e| e.to_string())?;
    }
    reader.finish().map_err(|e| e.to_string())
}

struct Times {
    read_whole_ms: f64,
    read_chunks_ms: f64,
    compare_ms: f64,
    write_ms: f64,
}

fn run(before: &str, after: &str, runs: usize) -> Result<String, String> {
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"));
    let settings = |as_of| {
        RunSettings::from_text("1", as_of, "2026-12-24T00:00:00Z").map_err(|e| e.to_string())
    };
    let previous_bytes = {
        let input = read(before)?;
        let report = process_upload(&input, "before", &settings("2026-11-24")?)
            .map_err(|e| e.to_string())?;
        report.to_json()
    };
    let input = read(after)?;
    let current =
        process_upload(&input, "after", &settings("2026-12-24")?).map_err(|e| e.to_string())?;

    let base = IN_USE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let previous = read_in_chunks(&previous_bytes)?;
    let read_peak = PEAK.load(Ordering::Relaxed) - base;
    let kept = IN_USE.load(Ordering::Relaxed) - base;

    let time = || -> Result<Times, String> {
        let start = Instant::now();
        let whole = PreviousReport::from_bytes(&previous_bytes).map_err(|e| e.to_string())?;
        let read_whole_ms = elapsed_ms(start);
        drop(whole);
        let start = Instant::now();
        let chunked = read_in_chunks(&previous_bytes)?;
        let read_chunks_ms = elapsed_ms(start);
        let start = Instant::now();
        let changes = compare(&chunked, &current);
        let compare_ms = elapsed_ms(start);
        let start = Instant::now();
        let mut bytes = 0;
        changes.write_json_chunks(&chunked, &current.customers, 8 << 20, &mut |part| {
            bytes += part.len();
        });
        let write_ms = elapsed_ms(start);
        std::hint::black_box(bytes);
        Ok(Times {
            read_whole_ms,
            read_chunks_ms,
            compare_ms,
            write_ms,
        })
    };
    time()?;
    let times: Vec<Times> = (0..runs).map(|_| time()).collect::<Result<_, _>>()?;
    let pick = |f: fn(&Times) -> f64| median(times.iter().map(f).collect());

    let changes = compare(&previous, &current);
    let changes_bytes = changes.to_json(&previous, &current.customers).len();
    let c = &changes.counts;
    Ok(format!(
        concat!(
            r#"{{"previous_report_bytes":{},"previous_customers":{},"current_customers":{},"runs":{},"#,
            r#""read_whole_ms":{:.1},"read_chunks_ms":{:.1},"compare_ms":{:.1},"write_ms":{:.1},"#,
            r#""read_peak_bytes":{},"read_kept_bytes":{},"#,
            r#""added":{},"removed":{},"changed":{},"unchanged":{},"changes_bytes":{}}}"#
        ),
        previous_bytes.len(),
        previous.len(),
        current.metadata.total_customers,
        runs,
        pick(|t| t.read_whole_ms),
        pick(|t| t.read_chunks_ms),
        pick(|t| t.compare_ms),
        pick(|t| t.write_ms),
        read_peak,
        kept,
        c.added,
        c.removed,
        c.changed,
        c.unchanged,
        changes_bytes,
    ))
}

fn main() -> ExitCode {
    let ([before, after], runs) = match files_and_runs("usage: time-compare BEFORE AFTER [RUNS]", 3)
    {
        Ok(args) => args,
        Err(code) => return code,
    };
    match run(&before, &after, runs) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("time-compare: {message}");
            ExitCode::FAILURE
        }
    }
}
