#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang-19 (ASan + UBSan) and runs each for
# SECONDS (default 60) on a seed corpus made from the project's own tests.
# usage: tests/fuzz/run_fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
build=$root/build-fuzz
"$root/scripts/deps.sh"
CC=clang-19 cmake -S "$root" -B "$build" -G Ninja -DKILN_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" fuzz_loader fuzz_decoder kilnc-cli

# Seeds: every test module as .wasm, and compiled as .aot.
seeds_wasm=$build/seeds-wasm seeds_aot=$build/seeds-aot
mkdir -p "$seeds_wasm" "$seeds_aot"
for wat in "$root"/tests/wat/*.wat "$root"/examples/*.wat; do
  name=$(basename "$wat" .wat)
  wat2wasm "$wat" -o "$seeds_wasm/$name.wasm"
  "$build/kilnc" "$seeds_wasm/$name.wasm" -o "$seeds_aot/$name.aot"
done
mkdir -p "$build/corpus-loader" "$build/corpus-decoder"
"$build/fuzz_loader" -max_total_time="$seconds" -timeout=10 "$build/corpus-loader" "$seeds_aot"
"$build/fuzz_decoder" -max_total_time="$seconds" -timeout=10 "$build/corpus-decoder" "$seeds_wasm"
