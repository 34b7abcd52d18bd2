# The README's commands. Each sets up what is missing first.
.PHONY: run test bench bench-fetch bench-page build setup screenshot cli

run:
	scripts/run.sh

test:
	scripts/test.sh

# Processing speed and memory, 10k to 1M records: the current core against the
# old build, native, JSON.parse, the plain-JS reference and DuckDB-WASM
# (BENCHMARKS.md). BENCH_SIZES=10000,100000 for a quick run.
bench:
	scripts/bench.sh

# Fetching 100 pages from the faulty mock at concurrency 1 and 4.
bench-fetch:
	scripts/bench-fetch.sh

# Large uploads through the real page: time, longest main-thread task, cancel.
bench-page:
	scripts/bench-page.sh

# docs/screenshot.png from a real run against the mock API at 1280 px.
screenshot:
	scripts/screenshot.sh

build:
	scripts/setup.sh && scripts/build.sh

setup:
	scripts/setup.sh

# The command-line front end: target/release/customer-pipeline.
cli:
	cargo build --release -p customer-pipeline-cli
