#!/bin/sh
# Compiles each pathological module at -O0, -O2 and -O3 under /usr/bin/time
# and prints one row per run: case, level, exit status, seconds, peak RSS.
#
# usage: measure.sh KILNC OUTDIR [CASE[=N] ...]   (cases as in gen.py;
#        none: every case at its full size). KILN_MEASURE_TIMEOUT (seconds,
#        default 600) bounds each run.
set -u
kilnc=$1
out=$2
shift 2
here=$(dirname "$0")
timeout_s=${KILN_MEASURE_TIMEOUT:-600}
python3 "$here/gen.py" "$out" "$@" || exit 2
printf '%-28s %-4s %-6s %9s %10s  %s\n' case opt exit seconds peak_MiB message
for wasm in "$out"/*.wasm; do
    name=$(basename "$wasm" .wasm)
    for level in 0 2 3; do
        log="$out/$name.O$level.time"
        timeout "$timeout_s" /usr/bin/time -v "$kilnc" --opt-level=$level -j 1 "$wasm" \
            -o "$out/$name.O$level.aot" >"$out/$name.O$level.out" 2>"$log"
        rc=$?
        secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
        rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$log")
        msg=$(grep -v '^\s' "$log" | grep -v 'Command being timed' | head -1 | cut -c1-90)
        printf '%-28s -O%-2s %-6s %9s %10s  %s\n' "$name" "$level" "$rc" "$secs" "$rss" "$msg"
        rm -f "$out/$name.O$level.aot"
    done
done
