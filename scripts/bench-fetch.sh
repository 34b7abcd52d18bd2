#!/usr/bin/env bash
# Fetch benchmark (issue "Fetch every customer…"): builds, then drives the page.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh
cargo build --release -p mock-api
node bench/fetch.mjs
