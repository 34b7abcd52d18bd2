#!/usr/bin/env bash
# Builds the page's WebAssembly module (cargo profile `wasm-release`, see
# Cargo.toml) and its JS glue into www/pkg.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
wasm-pack build --profile wasm-release --target web --out-dir www/pkg --no-typescript --no-pack
