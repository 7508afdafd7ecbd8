#!/usr/bin/env bash
# Pre-linking gain (not a test): bench/prelink/app.c calls the small
# functions of bench/prelink/lib.c (module "lib") in loops. Two builds of
# the same .wasm files:
#   separate    kilnc lib.wasm, kilnc app.wasm; kiln --module-path links
#               them at run time (every call through the import slot)
#   pre-linked  kilnc lib.wasm app.wasm: one bundle, direct calls that
#               LLVM may inline
# Each export runs RUNS times per build, alternating; prints the median
# user CPU seconds, the ratio, and checks both builds print the same
# checksum.
#
# usage: bench/run_prelink_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
runs=${2:-5}
work=$build/bench/prelink
mkdir -p "$work/separate"
ninja -C "$build" kilnc-cli kiln-cli > /dev/null
clang=${CLANG:-clang-19}
for m in lib app; do
  "$clang" --target=wasm32 -O2 -nostdlib -Wl,--no-entry -Wl,--allow-undefined \
    "$root/bench/prelink/$m.c" -o "$work/$m.wasm"
done
"$build/kilnc" "$work/lib.wasm" -o "$work/separate/lib.aot"
"$build/kilnc" "$work/app.wasm" -o "$work/separate/app.aot"
"$build/kilnc" "$work/lib.wasm" "$work/app.wasm" -o "$work/bundle.aot"
kiln=$build/kiln

# user CPU seconds of one run; the checksum goes to $work/out
user_time() {
  /usr/bin/time -f %U -o "$work/time" "$@" > "$work/out"
  cat "$work/time"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-6s %12s %10s %12s %8s  %s\n' export n separate pre-linked ratio what
while read -r name n what; do
  sep_times=() pre_times=()
  for _ in $(seq "$runs"); do
    sep_times+=("$(user_time "$kiln" --module-path "$work/separate" --invoke "$name" \
                   "$work/separate/app.aot" "$n")")
    sep_out=$(cat "$work/out")
    pre_times+=("$(user_time "$kiln" --invoke "$name" "$work/bundle.aot" "$n")")
    pre_out=$(cat "$work/out")
    if [ "$sep_out" != "$pre_out" ]; then
      echo "$name: checksums differ: separate $sep_out, pre-linked $pre_out" >&2
      exit 1
    fi
  done
  s=$(printf '%s\n' "${sep_times[@]}" | median)
  p=$(printf '%s\n' "${pre_times[@]}" | median)
  printf '%-6s %12s %9.2fs %11.2fs %7.2fx  %s\n' "$name" "$n" "$s" "$p" \
    "$(awk -v s="$s" -v p="$p" 'BEGIN { print (p > 0) ? s / p : 0 }')" "$what"
done <<'EOF'
sum 1000000000 independent accessor calls (inlined: vectorised)
near 500000000 independent float leaf calls on app's arrays
run 100000000 three calls per iteration amid app's own work
hash 300000000 a dependent chain of calls (latency-bound)
EOF
