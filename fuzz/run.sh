#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after another:
#   fuzz/run.sh 300                 # all targets, 5 minutes each
#   fuzz/run.sh 60 event_id envelope
# Installs cargo-fuzz when it is missing. libFuzzer needs nightly-only rustc flags
# (-Zsanitizer, sancov passes); RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
# A crash leaves its input in fuzz/artifacts/TARGET/ and stops with a non-zero status:
# turn it into a regression test next to the code it broke.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi
# -a: debug assertions and overflow checks, so arithmetic on network integers is checked.
cargo fuzz build -O -a
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "== $target: ${seconds}s"
    cargo fuzz run -O -a "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
