# Sourced by the scripts: tools installed by setup.sh come first on PATH, so
# wasm-pack finds the npm wasm-opt (Debian's is too old and breaks the module).
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Builds the release page modules (www/pkg, www/pkg-api-compare) and the mock API that serves them,
# with any further `-p package` arguments built alongside.
build_page_and_mock() {
  "$root/scripts/build.sh"
  cargo build --release -p mock-api "$@"
}
