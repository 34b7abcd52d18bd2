#!/usr/bin/env bash
# Builds the page's two WebAssembly modules (cargo profile `wasm-release`,
# see Cargo.toml) and their JS glue:
#   www/pkg              uploads, parts, mapping: what every page loads
#                        (cargo feature `upload` only: no API fetch, no
#                        comparison)
#   www/pkg-api-compare  the API fetch, the pages kept on this device and
#                        comparing (features `fetch` and `compare`, not
#                        `upload`): loaded by the worker only when an API run,
#                        a probe of an API, the kept pages or a comparison
#                        with an earlier report needs it
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
wasm-pack build --profile wasm-release --target web --out-dir www/pkg --no-typescript --no-pack -- --no-default-features --features upload
wasm-pack build --profile wasm-release --target web --out-dir www/pkg-api-compare --no-typescript --no-pack -- --no-default-features --features fetch,compare
