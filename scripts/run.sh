#!/usr/bin/env bash
# Builds the release module and serves the page on 127.0.0.1 (PORT, default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
build_page_and_mock
port="${PORT:-8080}"
echo "Open http://127.0.0.1:$port/ in a browser (Ctrl-C stops the server)."
echo "The page fetches from the mock API at http://127.0.0.1:$port/api/users, which injects"
echo "503s, 429s and slow answers on purpose; extra arguments go to mock-api (see mock-api/README.md)."
# Seed 6 with these rates makes the first run show a 429 and a 5xx retry.
exec target/release/mock-api --www www --port "$port" --seed 6 --failure-rate 0.25 --rate-limit-rate 0.1 "$@"
