#!/usr/bin/env bash
# Checks the prerequisites, installs what building, serving and testing need,
# and skips what is already there: safe to run again, and quick when nothing
# is missing. In order:
#
#   - Rust through rustup: required, cannot be installed from here
#   - Node.js (at least what Playwright's package.json asks for) and npm:
#     Debian's packages, with apt, when missing
#   - the wasm32-unknown-unknown Rust target, rustfmt and clippy
#   - wasm-pack, and wasm-bindgen-cli at exactly the Cargo.lock version
#   - Chromium and ChromeDriver (Debian packages) for browser tests
#   - Firefox ESR (Debian package) and geckodriver for the wasm tests in Firefox
#   - npm dev tools (package-lock.json): wasm-opt from binaryen, Playwright,
#     ESLint
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf 'setup: %s\n' "$*"; }
stop() {
  printf 'setup: %s\n' "$*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    stop "this step needs root or sudo: $*"
  fi
}

apt_updated=
apt_update_once() {
  command -v apt-get >/dev/null 2>&1 ||
    stop "apt-get not found: this setup installs packages on Debian or Ubuntu only."
  if [ -z "$apt_updated" ]; then
    say "updating the apt package lists"
    as_root apt-get update -qq
    apt_updated=1
  fi
}

apt_install() {
  apt_update_once
  say "installing with apt: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# --- Rust -------------------------------------------------------------------
say "checking Rust (rustup, cargo)"
if ! command -v rustup >/dev/null 2>&1 || ! command -v cargo >/dev/null 2>&1; then
  stop "rustup and cargo were not found (on PATH or in $HOME/.cargo/bin)." \
    "Install Rust with rustup (https://rustup.rs), then run this again;" \
    "this script cannot fetch Rust itself."
fi

# --- Node.js and npm ----------------------------------------------------------
# The oldest Node.js the locked Playwright accepts ("engines" in package-lock.json).
node_needed=$(awk '/"node_modules\/@playwright\/test": \{/ { found = 1 }
  found && /"node": ">=/ { gsub(/[^0-9.]/, ""); split($0, v, "."); print v[1]; exit }' package-lock.json)
node_needed=${node_needed:-20}
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
node_usable() {
  command -v node >/dev/null 2>&1 && [ "$(node_major)" -ge "$node_needed" ]
}

say "checking Node.js >= $node_needed and npm"
if ! node_usable || ! command -v npm >/dev/null 2>&1; then
  if ! command -v node >/dev/null 2>&1; then
    say "Node.js not found"
  elif ! node_usable; then
    say "Node.js $(node --version) is too old: Playwright needs $node_needed or later"
  fi
  command -v npm >/dev/null 2>&1 || say "npm not found"
  apt_update_once
  offered=$(apt-cache policy nodejs | awk '/Candidate:/ { print $2 }')
  say "apt offers nodejs ${offered:-(none)}"
  offered_major=$(sed -E 's/^[0-9]+://; s/[^0-9].*//' <<<"$offered")
  if [ -z "$offered_major" ] || [ "$offered_major" -lt "$node_needed" ]; then
    stop "Node.js $node_needed or later is needed, but apt offers nodejs ${offered:-(none)} here" \
      "(Debian 12 ships 18). Install Node.js $node_needed or later with npm another way" \
      "(Debian 13, or NodeSource's packages), then run this again."
  fi
  if ! node_usable; then
    apt_install nodejs
    hash -r
    node_usable || stop "apt installed nodejs $offered, but the node on PATH is still not" \
      "$node_needed or later (node: $(command -v node >/dev/null 2>&1 &&
        echo "$(command -v node) $(node --version)" || echo 'not found')): check PATH."
  fi
  if ! command -v npm >/dev/null 2>&1; then
    # NodeSource's nodejs bundles npm and conflicts with Debian's npm package:
    # installing that would replace node with an older one.
    if dpkg-query -W -f='${Provides}' nodejs 2>/dev/null | grep -qw npm; then
      stop "the installed nodejs package includes npm, but npm is not on PATH: check PATH."
    fi
    apt_install npm
    hash -r
    command -v npm >/dev/null 2>&1 || stop "apt installed npm, but npm is still not on PATH: check PATH."
  fi
  say "using Node.js $(node --version) and npm $(npm --version)"
fi

# --- Rust target, components, wasm tools ----------------------------------------
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
  # Exactly $wanted, but without --locked: the lock file published with it
  # pins webpki-roots 1.0.11, which the crates.io index does not offer, so
  # --locked fails to resolve.
  cargo install wasm-bindgen-cli --version "$wanted" --force
fi

# --- Browsers and their drivers ---------------------------------------------------
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  apt_install chromium chromium-driver
fi

if ! command -v firefox-esr >/dev/null 2>&1; then
  apt_install firefox-esr
fi

if ! geckodriver --version >/dev/null 2>&1; then
  say "installing geckodriver (a few minutes, once)"
  cargo install geckodriver --locked
fi

# --- npm dev tools ------------------------------------------------------------------
# npm ci when node_modules is missing or older than the lock file. Playwright
# must never download a browser: the Debian Chromium is used instead.
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/playwright ] ||
   [ ! -x node_modules/.bin/eslint ] ||
   [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dev tools"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

say "ready"
