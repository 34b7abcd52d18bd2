#!/usr/bin/env bash
# Builds the release WebAssembly module and its JS glue into www/pkg.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
wasm-pack build --release --target web --out-dir www/pkg --no-typescript --no-pack
