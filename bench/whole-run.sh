#!/usr/bin/env bash
# Whole-run wall times of `cargo xtask reproduce`, build excluded: N forced runs (every stage of
# the profile reruns) and N no-op reruns (everything fresh), each timed by /usr/bin/time; prints
# every run and the medians.
#
#   bench/whole-run.sh [PROFILE] [N]        # defaults: quick 3; JOBS=2 by default
set -euo pipefail
profile=${1:-quick}
n=${2:-3}
jobs=${JOBS:-2}
cd "$(dirname "$0")/.."
cargo build --release -p xtask --quiet
xtask=target/release/xtask
log=$(mktemp)
trap 'rm -f "$log"' EXIT

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

run() { # run MODE: prints the wall seconds of one run
    local extra=()
    [[ $1 == forced ]] && extra=(--force)
    /usr/bin/time -f '%e %M' -o "$log" "$xtask" reproduce --profile "$profile" --jobs "$jobs" \
        "${extra[@]}" >/dev/null 2>&1
    cat "$log"
}

for mode in forced no-op; do
    times=()
    for i in $(seq "$n"); do
        read -r secs kb < <(run "$mode")
        times+=("$secs")
        echo "$profile $mode run $i: ${secs} s wall, max RSS $((kb / 1024)) MiB ($jobs threads)"
    done
    echo "$profile $mode: median $(printf '%s\n' "${times[@]}" | median) s of $n runs"
done
