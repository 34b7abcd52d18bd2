#!/usr/bin/env bash
# Installs what building, serving and testing need, and skips what is
# already there: safe to run again, and quick when nothing is missing.
#
#   - the wasm32-unknown-unknown Rust target, rustfmt and clippy
#   - wasm-pack, and wasm-bindgen-cli at exactly the Cargo.lock version
#   - Chromium and ChromeDriver (Debian packages) for browser tests
#   - npm dev tools (package-lock.json): wasm-opt from binaryen, Playwright
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

installed_targets=$(rustup target list --installed)
if ! grep -qx wasm32-unknown-unknown <<<"$installed_targets"; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    say "adding $component"
    rustup component add "$component"
  fi
done

if ! command -v wasm-pack >/dev/null 2>&1; then
  say "installing wasm-pack (a few minutes, once)"
  cargo install wasm-pack --locked
fi

# wasm-pack refuses a wasm-bindgen-cli whose version differs from the library's.
wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wanted" ]; then
  say "installing wasm-bindgen-cli $wanted (a few minutes, once)"
  # --locked can fail when a locked dependency is missing from the registry;
  # then let cargo resolve compatible versions.
  cargo install wasm-bindgen-cli --version "$wanted" --locked --force ||
    cargo install wasm-bindgen-cli --version "$wanted" --force
fi

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  say "installing Chromium and ChromeDriver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
fi

# npm ci when node_modules is missing or older than the lock file. Playwright
# must never download a browser: the Debian Chromium is used instead.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/playwright ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dev tools"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

say "ready"
