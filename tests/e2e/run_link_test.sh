#!/usr/bin/env bash
# Multi-module and host-function tests: the linker, host functions, shared
# memories, tables and globals across modules, the resolver of kiln
# --module-path, --unknown-imports=trap, import cycles, and the bulk and
# wait/notify helpers. Each tests/wat/link/NAME.wat is compiled to
# WORKDIR/NAME.aot (so NAME is what --module-path WORKDIR resolves).
#
# usage: run_link_test.sh KILNC KILN WAT2WASM LINK_HOST WORKDIR
# Prints one FAIL line per failed check and "N passed, N failed".
set -u
if [ $# -ne 5 ]; then
  echo "usage: $0 KILNC KILN WAT2WASM LINK_HOST WORKDIR" >&2
  exit 2
fi
kilnc=$1 kiln=$2 wat2wasm=$3 link_host=$4 work=$5
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../wat/link"
mkdir -p "$work"
w=$work
. "$here/check.sh"

for wat in "$src"/*.wat; do
  name=$(basename "$wat" .wat)
  if ! "$wat2wasm" --enable-threads --debug-names "$wat" -o "$work/$name.wasm" 2> "$work/$name.err" ||
     ! "$kilnc" --opt-level=2 "$work/$name.wasm" -o "$work/$name.aot" 2>> "$work/$name.err"; then
    fail "build $name: $(cat "$work/$name.err")"
  fi
done

mp=(--module-path "$w")
# A module importing functions, memory, a global and a table from another,
# loaded through --module-path; the print goes through WASI in "world".
check 0 "hello, world" "" -- "$kiln" "${mp[@]}" "$w/hello.aot"
# memory.grow in one module is seen by the other (1 + 2 pages).
check 0 "3" "" -- "$kiln" "${mp[@]}" --invoke grow "$w/hello.aot"
check 0 "77" "" -- "$kiln" "${mp[@]}" --invoke poke_peek "$w/hello.aot"
# The imported mutable global is world's global.
check 0 "5" "" -- "$kiln" "${mp[@]}" --invoke bump "$w/hello.aot"
# call_indirect through the imported table runs world's functions.
check 0 "42" "" -- "$kiln" "${mp[@]}" --invoke indirect "$w/hello.aot"
check 0 "42" "" -- "$kiln" "${mp[@]}" --invoke indirect2 "$w/hello.aot" 21
check 1 "" "kiln: trap: indirect call type mismatch" -- "$kiln" "${mp[@]}" --invoke indirect_bad "$w/hello.aot"
# Without the module path, the import is unknown.
check 1 "" "unknown import: world.memory (memory {min 1 pages})" -- "$kiln" "$w/hello.aot"
check 1 "" "unknown import: env.foo (function [i32] -> [])" -- "$kiln" "$w/unknown.aot"
check 1 "" "kiln: trap: unknown import env.foo called" -- "$kiln" --unknown-imports=trap "$w/unknown.aot"
check 0 "7" "" -- "$kiln" --unknown-imports=trap --invoke ok "$w/unknown.aot"
# A trap in an imported module: the backtrace names each frame's module.
check 1 "" "  at 0: deep_b!rec (func[1])" -- "$kiln" "${mp[@]}" --unknown-imports=trap \
  --invoke go "$w/deep_a.aot"
check 1 "" "  at 1: deep_a!go (func[1])" -- "$kiln" "${mp[@]}" --unknown-imports=trap \
  --invoke go "$w/deep_a.aot"
check 2 "" "--unknown-imports" -- "$kiln" --unknown-imports=warn "$w/unknown.aot"
# Limits matching names both sides.
check 1 "" "incompatible import type: env.memory: module expects memory {min 103 pages, max 65536, shared}, linker offers memory {min 102 pages, max 65536, shared}" -- "$kiln" "${mp[@]}" "$w/too_big.aot"
# One shared memory for two modules.
check 0 "1234" "" -- "$kiln" "${mp[@]}" --invoke store_load "$w/shared_user.aot"
check 0 "102" "" -- "$kiln" "${mp[@]}" --invoke grow "$w/shared_user.aot"
# Wait/notify: not-equal, timed out, nobody to wake; unshared memory traps.
check 0 "1" "" -- "$kiln" --invoke wait_ne "$w/env.aot"
check 0 "2" "" -- "$kiln" --invoke wait_timeout "$w/env.aot"
check 0 "0" "" -- "$kiln" --invoke notify "$w/env.aot"
check 1 "" "kiln: trap: expected shared memory" -- "$kiln" --invoke wait "$w/unshared_wait.aot"
check 0 "0" "" -- "$kiln" --invoke notify "$w/unshared_wait.aot"
# Import cycles are named.
check 1 "" "import cycle: cyc_b -> cyc_a -> cyc_b" -- "$kiln" "${mp[@]}" "$w/cyc_a.aot"
# Bulk memory and table helpers.
check 0 "7" "" -- "$kiln" --invoke fill_copy "$w/bulk.aot"
check 0 "100" "" -- "$kiln" --invoke init "$w/bulk.aot"
check 1 "" "kiln: trap: out of bounds memory access" -- "$kiln" --invoke init_dropped "$w/bulk.aot"
check 1 "" "kiln: trap: out of bounds memory access" -- "$kiln" --invoke fill_oob "$w/bulk.aot"
check 0 "9" "" -- "$kiln" --invoke table "$w/bulk.aot"
check 1 "" "kiln: trap: out of bounds table access" -- "$kiln" --invoke table_oob "$w/bulk.aot"
# Host functions through the C API (link_host.c).
check 0 "log: native hi" "" -- "$link_host" "$w/host.aot" greet
check 0 "result 10" "" -- "$link_host" "$w/host.aot" greet
check 0 "trap: out of bounds memory access: argument 1 of native function env.log: [0xfffa, +100) is outside memory 0 (65536 bytes) (code 5)" "" -- "$link_host" "$w/host.aot" bad
check 0 "log calls 0" "" -- "$link_host" "$w/host.aot" bad
check 0 "trap: the host says no (code 13)" "" -- "$link_host" "$w/host.aot" fail
check 0 "exit 3" "" -- "$link_host" "$w/host.aot" quit
check 0 "host global 42" "" -- "$link_host" "$w/host.aot" incg
check 0 "result 42" "" -- "$link_host" "$w/host.aot" incg
check 0 "result 7.75" "" -- "$link_host" "$w/host.aot" addf
check 0 "result 10" "" -- "$link_host" "$w/host.aot" strlen
check 0 "trap: out of bounds memory access" "" -- "$link_host" "$w/host.aot" strlen_bad
check 0 "export gv 99" "" -- "$link_host" "$w/host.aot" greet
check 0 "memory is the host's 1, 65536 bytes, byte 8 'n'" "" -- "$link_host" "$w/host.aot" greet
# A recursion in an imported module stops at the stack check of that
# module (its stack limit is set when the importer is entered), before a
# stack-hungry host function it calls can overflow the thread's stack.
check 0 "trap: call stack exhausted (code 6)" "" -- \
  "$link_host" "$w/deep_a.aot" go "deep_b=$w/deep_b.aot"

printf 'link: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
