#!/usr/bin/env bash
# The stack guard cannot be jumped: generates a module whose `rec` has a
# frame of over 320 KiB (200 call_indirect sites each returning 200 i64: LLVM
# gives every site its own 1600-byte result area) and recurses, and whose
# `deep` recurses with a small frame; compiles it at -O0, -O2 and -O3 and
# runs stack_guard_test on each (a 1 MiB thread stack between two canary
# regions; every call must trap "call stack exhausted" and leave the
# canaries intact). The frame is larger than the runtime's 256 KiB red
# zone: the former frame-top check let its stores and the trap helper land
# past the guard page. Targets without stack probes refuse the frame.
#
# usage: run_stack_test.sh KILNC WAT2WASM STACK_GUARD_TEST WORKDIR
set -u
if [ $# -ne 4 ]; then
  echo "usage: $0 KILNC WAT2WASM STACK_GUARD_TEST WORKDIR" >&2
  exit 2
fi
kilnc=$1 wat2wasm=$2 test=$3 work=$4
mkdir -p "$work"

# generate SITES RESULTS > FILE.wat
generate() {
  local sites=$1 results=$2 i
  local types drops
  types=$(for ((i = 0; i < results; i++)); do printf 'i64 '; done)
  drops=$(for ((i = 0; i < results; i++)); do printf 'drop '; done)
  echo '(module'
  echo "  (type \$many (func (param i32) (result $types)))"
  echo '  (table 1 funcref)'
  echo '  (elem (i32.const 0) $many)'
  echo "  (func \$many (type \$many)"
  for ((i = 0; i < results; i++)); do echo "    (i64.extend_i32_u (local.get 0))"; done
  echo '  )'
  echo '  (func $deep (export "deep") (param i32) (result i32)'
  echo '    (i32.add (call $deep (local.get 0)) (i32.const 1)))'
  echo '  (func $rec (export "rec") (param $d i32) (result i32)'
  echo '    (if (i32.eqz (local.get $d)) (then (return (i32.const 0))))'
  for ((i = 0; i < sites; i++)); do
    echo "    (call_indirect (type \$many) (local.get \$d) (i32.const 0)) $drops"
  done
  echo '    (call $rec (i32.sub (local.get $d) (i32.const 1))))'
  echo ')'
}

status=0
base="$work/big_frame"
{ generate 200 200 > "$base.wat" && "$wat2wasm" "$base.wat" -o "$base.wasm"; } || exit 1
for level in 0 2 3; do
  echo "== -O$level"
  "$kilnc" --opt-level="$level" "$base.wasm" -o "$base.O$level.aot" || { status=1; continue; }
  timeout -k 5 120 "$test" "$base.O$level.aot" || status=1
done
# Targets without stack probes in LLVM 19 cap a frame at 64 KiB: the large
# frame is a compile error there, and compiles for a probing target.
for target in riscv64-linux-gnu armv7-linux-gnueabihf; do
  if "$kilnc" --target=$target --opt-level=2 --format=object "$base.wasm" \
       -o "$base.$target.o" 2> "$base.$target.err"; then
    echo "FAIL $target: a 320 KiB frame compiled (the cap is 64 KiB)"; status=1
  elif ! grep -q "stack frame size" "$base.$target.err"; then
    echo "FAIL $target: $(cat "$base.$target.err")"; status=1
  else
    echo "ok $target: $(cat "$base.$target.err")"
  fi
done
if "$kilnc" --target=aarch64-linux-gnu --opt-level=2 --format=object "$base.wasm" \
     -o "$base.aarch64.o"; then
  echo "ok aarch64-linux-gnu: compiles (probed frames)"
else
  status=1
fi
exit $status
