#!/usr/bin/env bash
# The --xip check on every e2e module: each tests/wat/*.wat, tests/wat/link/*.wat
# and tests/threads/*.wat is compiled for thumbv7em-none-eabihf (Cortex-M4) and
# armv7-linux-gnueabihf with --xip at -O0, -O2 and -Os. Each compile must
# succeed (kilnc refuses, naming it, any relocation the loader would have to
# apply) and the container must say "execute in place"; a module kilnc
# refuses without --xip too (too_big.wat: beyond the implementation limits)
# must be refused the same way with it.
#
# usage: run_xip_check.sh KILNC WAT2WASM WORKDIR
# Prints one line per module and target, then "N passed, N failed".
set -u
kilnc=$1 wat2wasm=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
passed=0 failed=0
for wat in "$here"/../wat/*.wat "$here"/../wat/link/*.wat "$here"/../threads/*.wat; do
  name=$(basename "$wat" .wat)
  wasm=$work/$name.wasm
  if ! "$wat2wasm" --enable-threads "$wat" -o "$wasm" 2> "$work/$name.wat2wasm.err"; then
    failed=$((failed + 1)); echo "FAIL $name: wat2wasm: $(cat "$work/$name.wat2wasm.err")"; continue
  fi
  for target in thumbv7em-none-eabihf armv7-linux-gnueabihf; do
    for opt in -O0 -O2 -Os; do
      aot=$work/$name.$target$opt.aot
      if ! "$kilnc" --target=$target $opt "$wasm" -o "$aot.plain" 2> /dev/null; then
        # Not compilable at all (a module testing kilnc's own limits).
        if "$kilnc" --target=$target $opt --xip "$wasm" -o "$aot" 2> /dev/null; then
          failed=$((failed + 1)); echo "FAIL $name $target $opt: compiles only with --xip"
        else
          passed=$((passed + 1))
        fi
        continue
      fi
      if ! "$kilnc" --target=$target $opt --xip "$wasm" -o "$aot" 2> "$aot.err"; then
        failed=$((failed + 1)); echo "FAIL $name $target $opt: $(cat "$aot.err")"; continue
      fi
      if ! "$kilnc" --inspect "$aot" | grep -q 'execute in place'; then
        failed=$((failed + 1)); echo "FAIL $name $target $opt: container does not record XIP"
        continue
      fi
      passed=$((passed + 1))
    done
  done
  echo "xip $name: checked"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
