#!/usr/bin/env bash
# Browser end-to-end tests: builds the release wasm and the mock API, then runs
# Playwright (Debian's Chromium) against the real page. Playwright's webServer
# starts target/release/mock-api on port 8765 and stops it afterwards.
# Artifacts (screenshots, failure output) go to e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
build_page_and_mock
npx playwright test -c e2e/playwright.config.mjs "$@"
