#!/usr/bin/env bash
# Regenerates docs/screenshot.png from a real run against the mock API at
# 1280 px: the end-to-end suite's screenshot spec alone (it also checks what
# the picture shows), writing to docs/ instead of e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
SCREENSHOT_OUT="$PWD/docs/screenshot.png" scripts/e2e.sh e2e/screenshot.spec.mjs
echo "wrote docs/screenshot.png"
