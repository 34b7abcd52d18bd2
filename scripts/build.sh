#!/usr/bin/env bash
# Builds the page's two WebAssembly modules (cargo profile `wasm-release`,
# see Cargo.toml) and their JS glue:
#   www/pkg       uploads, parts, mapping: what every page loads (no API
#                 fetch, no comparison; cargo features off)
#   www/pkg-full  everything (the default features): loaded by the worker
#                 only when an API run, a probe of an API, the pages kept on
#                 this device or a comparison with an earlier report needs it
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
wasm-pack build --profile wasm-release --target web --out-dir www/pkg --no-typescript --no-pack -- --no-default-features
wasm-pack build --profile wasm-release --target web --out-dir www/pkg-full --no-typescript --no-pack
