#!/usr/bin/env bash
# Call overhead, host -> wasm and wasm -> host (bench/call_bench.c). Not a
# test. usage: bench/run_call_bench.sh [BUILD_DIR] [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-10000000}
work=$build/bench
mkdir -p "$work"
ninja -C "$build" kiln-call-bench kilnc-cli >/dev/null
wat2wasm "$root/bench/call.wat" -o "$work/call.wasm"
"$build/kilnc" "$work/call.wasm" -o "$work/call.aot"
"$build/kiln-call-bench" "$work/call.aot" "$n"
