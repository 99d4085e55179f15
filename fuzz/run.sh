#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after another:
#   fuzz/run.sh 300                 # all targets, 5 minutes each
#   fuzz/run.sh 60 event_id envelope
# Installs cargo-fuzz when it is missing. libFuzzer needs nightly-only rustc flags
# (-Zsanitizer, sancov passes); RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
# Each run's output goes to fuzz/logs/TARGET.log; a crash prints its end, leaves the input
# in fuzz/artifacts/TARGET/ and stops with a non-zero status: turn it into a regression
# test next to the code it broke.
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
mkdir -p logs
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    log="logs/$target.log"
    echo "== $target: ${seconds}s (log: fuzz/$log)"
    if ! cargo fuzz run -O -a "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "== $target FAILED: the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(Done|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' "$log" || true
done
