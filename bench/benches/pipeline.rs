//! Native benchmarks of the pipeline on generated inputs (a JSON array,
//! NDJSON and CSV of the same records): end to end, and per stage for the
//! JSON array. `cargo bench -p customer-bench` (sizes: 10k, 100k, 1M records;
//! set BENCH_SIZES=10000,100000 to choose).

use criterion::{Criterion, Throughput};
use customer_bench::{generate, Layout};
use customer_pipeline::pipeline::process_upload;
use customer_pipeline::settings::RunSettings;
use customer_pipeline::source::reader::Reader;

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_SIZES")
        .ok()
        .map(|list| {
            list.split(',')
                .filter_map(|n| n.trim().parse().ok())
                .collect()
        })
        .unwrap_or_else(|| vec![10_000, 100_000, 1_000_000])
}

fn settings() -> RunSettings {
    RunSettings::from_text("1", "2026-11-24", "2026-11-24T00:00:00Z").expect("valid settings")
}

fn benches(c: &mut Criterion) {
    let settings = settings();
    for size in sizes() {
        for (layout, name) in [
            (Layout::JsonArray, "json"),
            (Layout::Ndjson, "ndjson"),
            (Layout::Csv, "csv"),
        ] {
            let input = generate(size, 1, layout);
            let mut group = c.benchmark_group(format!("{name}/{size}"));
            group.sample_size(10);
            group.throughput(Throughput::Bytes(input.len() as u64));
            group.bench_function("end_to_end", |b| {
                b.iter(|| process_upload(&input, "bench", &settings).map(|r| r.to_json().len()))
            });
            if layout == Layout::JsonArray {
                group.bench_function("read", |b| {
                    b.iter(|| {
                        let mut items = 0usize;
                        Reader::read_all(&input, &mut |_| items += 1).map(|_| items)
                    })
                });
                group.bench_function("read_and_build", |b| {
                    b.iter(|| {
                        process_upload(&input, "bench", &settings)
                            .map(|r| r.metadata.total_customers)
                    })
                });
                let report = process_upload(&input, "bench", &settings).expect("valid input");
                group.bench_function("serialize", |b| b.iter(|| report.to_json().len()));
            }
            group.finish();
        }
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    benches(&mut criterion);
    criterion.final_summary();
}
