#!/usr/bin/env bash
# Rust vs NumPy, one command: events per second of the exact event-driven classical algorithm.
#
#   bash bench/peer/run.sh [extra arguments for classical_numpy.py, e.g. --variant naive]
#
# 1. creates bench/peer/.venv (python3 -m venv) if missing and installs requirements.txt into
#    it from PyPI (nothing else is downloaded);
# 2. runs the criterion bench `cargo bench -p md --features bench --bench events -- classical_spatial/1thread`;
# 3. runs the NumPy peer (classical_numpy.py) right after it, in the same invocation;
# 4. prints Rust Melem/s (criterion's middle throughput estimate), NumPy Melem/s (median over
#    its repetitions, wall clock) and their ratio. Full logs: target/peer/{criterion,numpy}.log.
# Exits non-zero if the bench fails, a throughput cannot be parsed, or the NumPy validation
# fails (the summary is still printed in the last case).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
py="$venv/bin/python"
logs="$root/target/peer"
mkdir -p "$logs"

# --- 1. the venv ---------------------------------------------------------------------------
pin="$(grep -E '^numpy==' "$here/requirements.txt" | cut -d= -f3)"
if [ ! -x "$py" ]; then
    echo "run.sh: creating $venv" >&2
    python3 -m venv "$venv"
fi
if ! "$py" -c "import numpy, sys; sys.exit(numpy.__version__ != '$pin')" 2>/dev/null; then
    echo "run.sh: installing $here/requirements.txt into the venv" >&2
    "$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi

# --- 2. the Rust bench -----------------------------------------------------------------------
echo "run.sh: cargo bench -p md --features bench --bench events -- classical_spatial/1thread (log: $logs/criterion.log)" >&2
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
if ! (cd "$root" && cargo bench -p md --features bench --bench events -- classical_spatial/1thread) \
    >"$logs/criterion.log" 2>&1; then
    echo "run.sh: cargo bench failed; last lines of $logs/criterion.log:" >&2
    tail -n 30 "$logs/criterion.log" >&2
    exit 1
fi
# criterion: "thrpt:  [lo Melem/s mid Melem/s hi Melem/s]" after the benchmark's name (the
# "change:" block's thrpt line has percentages, no "elem/s"); convert any unit to Melem/s
rust="$(awk '
    /classical_spatial\/1thread/ { seen = 1 }
    seen && /thrpt:/ && /elem\/s/ {
        s = $0; sub(/.*\[/, "", s); sub(/\].*/, "", s); split(s, f, " ")
        for (i = 1; i <= 5; i += 2) {
            u = f[i + 1]; m = 1e-6
            if (u == "Kelem/s") m = 1e-3; else if (u == "Melem/s") m = 1; else if (u == "Gelem/s") m = 1e3
            r[i] = f[i] * m
        }
        printf "%.4f %.4f %.4f\n", r[3], r[1], r[5]; exit
    }' "$logs/criterion.log")"
if [ -z "$rust" ]; then
    echo "run.sh: no classical_spatial/1thread throughput in $logs/criterion.log" >&2
    exit 1
fi
read -r rust_mid rust_lo rust_hi <<<"$rust"

# --- 3. the NumPy peer ----------------------------------------------------------------------
echo "run.sh: NumPy peer (log: $logs/numpy.log)" >&2
status=0
"$py" "$here/classical_numpy.py" "$@" >"$logs/numpy.log" 2>&1 || status=$?
np_mid="$(awk '/^NUMPY_MELEM_PER_S/ { print $2 }' "$logs/numpy.log")"
if [ -z "$np_mid" ]; then
    echo "run.sh: the NumPy peer failed; $logs/numpy.log:" >&2
    cat "$logs/numpy.log" >&2
    exit 1
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

# --- 4. summary -----------------------------------------------------------------------------
np_head="$(head -n 1 "$logs/numpy.log" | sed 's/^NumPy peer of classical_spatial\/1thread: //')"
np_valid="$(grep -E '^validation:' "$logs/numpy.log")"
ratio="$(awk -v a="$rust_mid" -v b="$np_mid" 'BEGIN { printf "%.2f", a / b }')"
cat <<EOF
classical_spatial/1thread, Rust vs NumPy, same run ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average ${load_before} before, ${load_after} after)
  Rust  (criterion, 1 thread):  ${rust_mid} Melem/s  [${rust_lo}, ${rust_hi}]
  NumPy (${np_head}):  ${np_mid} Melem/s (median, wall clock)
  ${np_valid}
  ratio Rust / NumPy (events per second per core): ${ratio}
EOF
exit "$status"
