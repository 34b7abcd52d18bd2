#!/usr/bin/env bash
# Runs every check and test, as CI does: formatting, lints, native tests,
# WebAssembly tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native and wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p customer-pipeline --target wasm32-unknown-unknown --all-targets -- -D warnings

step "native tests"
cargo test --workspace

step "browser tests (wasm-pack test --headless --chrome)"
wasm-pack test --headless --chrome -- --test web
