#!/usr/bin/env bash
# The mutation driver (mutate_kilnc.c) on the repo's own modules: every
# tests/wat/*.wat and examples/*.wat through wat2wasm, then mutate_kilnc with
# the given options (ctest fuzz.mutate: a fixed seed and count, so the same
# mutants every run). tests/fuzz/run_fuzz.sh runs it on the spec suite's
# modules for a time instead.
# usage: run_mutate.sh KILNC WAT2WASM MUTATE_KILNC WORKDIR [MUTATE_OPTIONS...]
set -euo pipefail
kilnc=$1 wat2wasm=$2 mutate=$3 work=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/seeds"
for wat in "$here"/../wat/*.wat "$here"/../../examples/*.wat; do
  name=$(basename "$wat" .wat)
  [ "$work/seeds/$name.wasm" -nt "$wat" ] || "$wat2wasm" "$wat" -o "$work/seeds/$name.wasm"
done
exec "$mutate" --work="$work" "$@" "$kilnc" "$work/seeds"
