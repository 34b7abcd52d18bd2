#!/usr/bin/env bash
# Builds what the processing benchmark (`make bench`, bench/browser.mjs) runs:
#  - target/bench/pkg: the current core with the `bench` cargo feature
#    (`benchStages`), which the page's own build (www/pkg) leaves out, in
#    the page's cargo profile (`wasm-release`);
#  - target/bench/baseline-pkg: "today's build", the core at commit
#    BENCH_BASELINE (default beacde3, main before the speed work), built once
#    from a temporary git worktree and kept as long as the commit is the same;
#  - the native tools (gen-customers, time-native) and mock-api (the static server).
# Each wasm build has its own cargo target folder under target/bench, so it
# does not rebuild the page's module (target/wasm32-unknown-unknown) or the
# other way round.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
root="$PWD"

baseline="${BENCH_BASELINE:-beacde3}"
out=target/bench

commit="$(git rev-parse --verify "$baseline^{commit}")"
stamp="$out/baseline-pkg/COMMIT"
if [[ -f "$out/baseline-pkg/customer_pipeline_bg.wasm" && "$(cat "$stamp" 2>/dev/null)" == "$commit" ]]; then
  echo "baseline $baseline ($commit) already built in $out/baseline-pkg"
else
  worktree="$out/baseline-src"
  # A worktree left by an interrupted build is removed first.
  git worktree remove --force "$worktree" 2>/dev/null || rm -rf "$worktree"
  git worktree prune
  git worktree add --detach "$worktree" "$commit"
  trap 'git worktree remove --force "$worktree" 2>/dev/null || true; git worktree prune' EXIT
  rm -rf "$out/baseline-pkg"
  # The old commit has no `bench` feature: its `benchStages` is always built.
  (cd "$worktree" && CARGO_TARGET_DIR="$root/$out/baseline-cargo" \
    wasm-pack build --release --target web --out-dir ../baseline-pkg --no-typescript --no-pack)
  echo "$commit" > "$stamp"
fi

CARGO_TARGET_DIR="$PWD/$out/cargo" \
  wasm-pack build --profile wasm-release --target web --out-dir "$out/pkg" --no-typescript --no-pack -- --features bench

cargo build --release -p mock-api -p customer-bench
