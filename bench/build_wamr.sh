#!/usr/bin/env bash
# Builds WAMR's AOT compiler (wamrc, against Debian's LLVM 19) and its runner
# (iwasm, Linux, AOT enabled, classic interpreter) from a WAMR source tree
# into OUT_DIR, for bench/compare.sh (WAMR_DIR=OUT_DIR). Tested with
# WAMR-2.4.5 (git archive WAMR-2.4.5 of
# github.com/bytecodealliance/wasm-micro-runtime); about 100 s on 2 cores.
# The fast interpreter is off: its SIMD variant downloads a library at
# configure time.
#
# usage: bench/build_wamr.sh WAMR_SOURCE_DIR OUT_DIR
# environment: JOBS (default 2)
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 WAMR_SOURCE_DIR OUT_DIR" >&2
  exit 2
fi
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
jobs=${JOBS:-2}
llvm_dir=$(llvm-config-19 --cmakedir)

cmake -S "$src/wamr-compiler" -B "$out/build-wamrc" -DCMAKE_BUILD_TYPE=Release \
  -DWAMR_BUILD_WITH_CUSTOM_LLVM=1 -DLLVM_DIR="$llvm_dir" >/dev/null
cmake --build "$out/build-wamrc" -j "$jobs" >/dev/null

cmake -S "$src/product-mini/platforms/linux" -B "$out/build-iwasm" \
  -DCMAKE_BUILD_TYPE=Release -DWAMR_BUILD_AOT=1 -DWAMR_BUILD_FAST_INTERP=0 \
  -DWAMR_BUILD_LIBC_WASI=1 >/dev/null
cmake --build "$out/build-iwasm" -j "$jobs" >/dev/null

cp "$out/build-wamrc/wamrc" "$out/build-iwasm/iwasm" "$out/"
"$out/wamrc" --version
echo "wamrc and iwasm in $out"
