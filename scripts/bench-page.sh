#!/usr/bin/env bash
# Page benchmark: large uploads through the real page (see bench/page.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
build_page_and_mock -p customer-bench
node bench/page.mjs
