#!/usr/bin/env bash
# Native host functions with checked pointers: builds fill.c for wasm32-wasi
# with clang-19 (wasi-libc from WASI_SYSROOT), compiles it with kilnc and
# runs native_host on it (see native_host.c for what is checked).
#
# usage: run_native_test.sh KILNC NATIVE_HOST WORKDIR
#   WASI_CC (default clang-19), WASI_SYSROOT (default /usr)
# Exits 77 (skipped) when no wasm32-wasi C compiler is available.
set -u
if [ $# -ne 3 ]; then
  echo "usage: $0 KILNC NATIVE_HOST WORKDIR" >&2
  exit 2
fi
kilnc=$1 native_host=$2 work=$3
cc=${WASI_CC:-clang-19} sysroot=${WASI_SYSROOT:-/usr}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
if ! command -v "$cc" > /dev/null; then
  echo "SKIP: $cc not found"
  exit 77
fi
"$cc" --target=wasm32-wasi --sysroot="$sysroot" -O2 -mexec-model=reactor \
  -Wall -Wextra -Werror "$here/fill.c" -o "$work/fill.wasm" || exit 1
"$kilnc" --opt-level=2 "$work/fill.wasm" -o "$work/fill.aot" || exit 1
timeout -k 5 120 "$native_host" "$work/fill.aot"
