#!/usr/bin/env bash
# Processing benchmark (`make bench`, issue 11): builds the current core with
# the `bench` feature and the old build (scripts/bench-build.sh), the mock API
# (the static server) and the native tools, then times, in one headless
# Chromium page per input, the current core, the old build, JSON.parse, the
# plain-JS reference and DuckDB-WASM, plus peak wasm memory and the native
# core (bench/browser.mjs), for a JSON array, NDJSON and CSV of the same
# records (the CSV against ours, natively and DuckDB only, timed in the JSON
# array's page and rounds). The page's own module (www/pkg) is not needed.
# BENCH_SIZES=10000,100000 limits the sizes; BENCH_RUNS sets the timed runs;
# BENCH_ENGINES=new,old times only those contenders;
# BENCH_MEMORY_SIZES the NDJSON sizes measured for memory only (default
# 3000000 when 1M is measured); BENCH_BASELINE the old commit (beacde3).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/bench-build.sh
source scripts/env.sh
node bench/browser.mjs
