#!/usr/bin/env bash
# Runs every check and test, as CI does: ESLint, formatting, lints, native
# tests, WebAssembly tests in headless Chromium and Firefox against the mock
# API, and the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

step() { printf '\n== %s\n' "$*"; }

step "eslint (www, e2e, bench)"
npx eslint www e2e bench

step "page unit tests (node --test: www/format.js)"
node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON --test e2e/unit/

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native and wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p customer-pipeline --target wasm32-unknown-unknown --all-targets -- -D warnings
# The page's two modules (scripts/build.sh) are built with some of the features each.
cargo clippy -p customer-pipeline --target wasm32-unknown-unknown --lib --no-default-features --features upload -- -D warnings
cargo clippy -p customer-pipeline --target wasm32-unknown-unknown --lib --no-default-features --features fetch,compare -- -D warnings
# The fuzz targets are their own workspace (cargo-fuzz builds them with
# nightly); checking them here keeps the `fuzzing` surface they use honest.
cargo clippy --features fuzzing --all-targets -- -D warnings
cargo check --manifest-path fuzz/Cargo.toml --bins --target-dir target/fuzz-check

step "native tests"
cargo test --workspace

step "browser tests (wasm-pack test --headless, Chromium then Firefox) against the mock API"
cargo build -p mock-api
mock_log=$(mktemp)
target/debug/mock-api --port 0 >"$mock_log" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true; rm -f "$mock_log"' EXIT
for _ in $(seq 50); do
  grep -q 'listening on' "$mock_log" && break
  sleep 0.1
done
MOCK_API_URL=$(sed -n 's/^mock-api listening on //p' "$mock_log" | head -1)
[ -n "$MOCK_API_URL" ] || { cat "$mock_log"; echo "the mock API did not start" >&2; exit 1; }
export MOCK_API_URL
wasm-pack test --headless --chrome -- --test web --test web_fetch --test web_store --test web_split
# The fetch tests expect the mock's per-page fault counters to start at zero.
node -e 'fetch(`${process.argv[1]}/__admin/reset`, { method: "POST" })
  .then((response) => { if (!response.ok) throw new Error(`HTTP ${response.status}`); })' "$MOCK_API_URL"
wasm-pack test --headless --firefox -- --test web --test web_fetch --test web_store --test web_split

step "end-to-end tests (Playwright, headless Chromium)"
scripts/e2e.sh
