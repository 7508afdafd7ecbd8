#!/usr/bin/env bash
# Compares kiln's compiled code with native code (gcc -O2) on bench/kernels.c.
# Not a test: prints wall times (best of 3). usage: bench/run_bench.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=$build/bench
mkdir -p "$work"
gcc -O2 -o "$work/kernels-native" "$root/bench/kernels.c" "$root/bench/native_main.c"
clang-19 --target=wasm32-wasi --sysroot=/usr -O2 -nostartfiles -Wl,--no-entry \
  -o "$work/kernels.wasm" "$root/bench/kernels.c"
"$build/kilnc" "$work/kernels.wasm" -o "$work/kernels.aot"

best() {  # best wall time of 3 runs, in seconds
  local b=999
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    b=$(echo "$e - $s" | bc -l | awk -v b="$b" '{print ($1 < b) ? $1 : b}')
  done
  echo "$b"
}
printf '%-22s %10s %10s %7s\n' kernel native kiln ratio
for args in "sieve 1000000 200" "fib 38" "matmul 200" "hash 200"; do
  set -- $args
  n=$(best "$work/kernels-native" "$@")
  k=$(best "$build/kiln" --invoke "$1" "$work/kernels.aot" "${@:2}")
  printf '%-22s %10.3f %10.3f %7.2f\n' "$args" "$n" "$k" "$(echo "$k / $n" | bc -l)"
done
