#!/usr/bin/env bash
# Processing benchmark (`make bench`): builds the release wasm, the mock API
# (as the static server) and the native tools, then times the wasm core in
# headless Chromium against the plain-JS reference and the native core.
# BENCH_SIZES=10000,100000 limits the sizes; BENCH_RUNS sets the timed runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh
cargo build --release -p mock-api -p customer-bench
node bench/browser.mjs
