#!/usr/bin/env bash
# Builds the release module and serves the page on 127.0.0.1 (PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
scripts/build.sh
cargo build --release -p mock-api
port="${PORT:-8080}"
echo "Open http://127.0.0.1:$port/ in a browser (Ctrl-C stops the server)."
exec target/release/mock-api --www www --port "$port" "$@"
