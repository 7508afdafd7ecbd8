#!/usr/bin/env bash
# Makes containers from tests/wat/*.wat with kilnc and runs corruption_test
# on them (ctest fuzz.corruption; see corruption_test.c for what is checked).
# usage: run_corruption.sh KILNC WAT2WASM CORRUPTION_TEST WORKDIR
set -euo pipefail
kilnc=$1 wat2wasm=$2 corruption_test=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
files=()
for wat in "$here"/../wat/*.wat; do
  name=$(basename "$wat" .wat)
  "$wat2wasm" "$wat" -o "$work/$name.wasm"
  "$kilnc" --opt-level=2 "$work/$name.wasm" -o "$work/$name.aot"
  files+=("$work/$name.aot")
done
# A pre-linked bundle (tests/wat/bundle): its BUNDLE section (member table,
# pre-linked imports, the members' containers with their own checksums).
for name in lib util main; do
  "$wat2wasm" "$here/../wat/bundle/$name.wat" -o "$work/bundle_$name.wasm"
done
"$kilnc" --opt-level=2 "lib=$work/bundle_lib.wasm" "util=$work/bundle_util.wasm" \
  "$work/bundle_main.wasm" -o "$work/bundle.aot"
files+=("$work/bundle.aot")
# Containers that crash the loader are saved here (printed on failure).
export KILN_FUZZ_CRASH_DIR=${KILN_FUZZ_CRASH_DIR:-$work/crashes}
mkdir -p "$KILN_FUZZ_CRASH_DIR"
exec "$corruption_test" "${files[@]}"
