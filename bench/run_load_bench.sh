#!/usr/bin/env bash
# Load + instantiate time of a module with ~1 MB of code (bench/load_bench.c;
# 1250 functions give 1.0 MB of x86-64 code at -O0).
# Not a test. usage: bench/run_load_bench.sh [BUILD_DIR] [FUNCS] [ITERATIONS]
# Compiled at -O0: quick to compile, and the code size is what matters here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
funcs=${2:-1250}
iterations=${3:-1000}
work=$build/bench
mkdir -p "$work"
ninja -C "$build" kiln-load-bench kilnc-cli >/dev/null
python3 "$root/bench/gen_big_wat.py" "$funcs" "$work/big.wat"
wat2wasm "$work/big.wat" -o "$work/big.wasm"
"$build/kilnc" --opt-level=0 "$work/big.wasm" -o "$work/big.aot"
code=$("$build/kilnc" --inspect "$work/big.aot" | grep -m1 -iE 'CODE' || true)
echo "container: $(stat -c %s "$work/big.aot") bytes; $code"
"$build/kiln-load-bench" "$work/big.aot" "$iterations"
