#!/usr/bin/env bash
# Fetch benchmark (issue "Fetch every customer…"): builds, then drives the page.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
build_page_and_mock
node bench/fetch.mjs
