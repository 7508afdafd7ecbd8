#!/usr/bin/env bash
# Pre-linked bundles (kilnc a.wasm b.wasm -o ab.aot): tests/wat/bundle's
# lib, util (imports lib) and main (imports lib, util and WASI) compiled
# into one container at -O0 and -O2, run by kiln; the IR has direct calls;
# traps and backtraces cross the modules; kilnc refuses bad sets; the
# runtime binds a bundle's imports only to the same bundle
# (bundle_host.c); damaged bundles are refused cleanly; the output does
# not depend on the thread count.
#
# usage: run_bundle_test.sh KILNC KILN WAT2WASM BUNDLE_HOST WORKDIR
# Prints one FAIL line per failed check and "N passed, N failed".
set -u
if [ $# -ne 5 ]; then
  echo "usage: $0 KILNC KILN WAT2WASM BUNDLE_HOST WORKDIR" >&2
  exit 2
fi
kilnc=$1 kiln=$2 wat2wasm=$3 bundle_host=$4 w=$5
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../wat/bundle"
mkdir -p "$w"
. "$here/check.sh"

for m in lib util main bad badtype spin spin_main; do
  "$wat2wasm" --debug-names "$src/$m.wat" -o "$w/$m.wasm" 2> "$w/$m.err" ||
    fail "wat2wasm $m: $(cat "$w/$m.err")"
done

for opt in 0 2; do
  b="$w/main.O$opt.aot"
  check 0 "" "" -- "$kilnc" --opt-level=$opt "$w/lib.wasm" "$w/util.wasm" "$w/main.wasm" -o "$b"
  # The WASI import alongside the pre-linked ones.
  check 0 "bundle ok" "" -- "$kiln" "$b"
  check 0 "45" "" -- "$kiln" --invoke sum "$b" 10
  check 0 "704982704" "" -- "$kiln" --invoke sum "$b" 100000
  # Each module its own memory (11 in main's, 99 in lib's) and globals
  # (main's 100; lib's counter bumped by main and through util).
  check 0 "11099" "" -- "$kiln" --invoke memories "$b"
  check 0 "100003" "" -- "$kiln" --invoke globals "$b"
  # A global import between members stays an ordinary (run-time) import.
  check 0 "2" "" -- "$kiln" --invoke counter "$b"
  # call_indirect through lib's table, from main.
  check 0 "42" "" -- "$kiln" --invoke indirect "$b" 0 21
  check 0 "81" "" -- "$kiln" --invoke indirect "$b" 1 9
  check 1 "" "kiln: trap: undefined element" -- "$kiln" --invoke indirect "$b" 2 9
  # main -> util -> lib, two levels of pre-linked calls; multi-value.
  check 0 "1002" "" -- "$kiln" --invoke via_util "$b" 2 3
  check 0 "11" "" -- "$kiln" --invoke pair "$b" 5
  # Traps inside lib reached from main.
  check 1 "" "kiln: trap: unreachable" -- "$kiln" --invoke trap "$b"
  check 0 "7" "" -- "$kiln" --invoke no_trap "$b"
  check 1 "" "kiln: trap: integer divide by zero" -- "$kiln" --invoke divide "$b" 7 0
  check 0 "loadable by this runtime" "" -- "$kiln" --check "$b"
  check 0 "a pre-linked bundle of 3 modules: lib util main (the main module)" "" \
    -- "$kiln" --check "$b"
  check 0 "bundle: 3 modules" "" -- "$kilnc" --inspect "$b"
done
# Not inlined at -O0: the backtrace names lib's functions and main's caller.
check 1 "" "lib!deep_trap" -- "$kiln" --invoke trap "$w/main.O0.aot"
check 1 "" "lib!boom" -- "$kiln" --invoke trap "$w/main.O0.aot"
check 1 "" "lib!divide" -- "$kiln" --invoke divide "$w/main.O0.aot" 7 0
check 0 "module 2 import 1 -> module 0 f2" "" -- "$kilnc" --inspect "$w/main.O0.aot"

# The IR: at -O0 main calls lib's add (m0.kiln_f2) and util's twice
# (m1.kiln_f2) by name; at -O2 lib.add is inlined into the loop of sum and
# only WASI's fd_write is still called through its import slot.
"$kilnc" --opt-level=0 --format=llvm-ir "$w/lib.wasm" "$w/util.wasm" "$w/main.wasm" -o "$w/b0.ll"
"$kilnc" --opt-level=2 --format=llvm-ir "$w/lib.wasm" "$w/util.wasm" "$w/main.wasm" -o "$w/b2.ll"
ir_count() { grep -cE -- "$2" "$1"; }
for want in 'call i32 @m0\.kiln_f2\(ptr' 'call i32 @m1\.kiln_f2\(ptr' 'call void @m0\.kiln_f8\(ptr'; do
  if [ "$(ir_count "$w/b0.ll" "$want")" -gt 0 ]; then passed=$((passed + 1)); else
    fail "O0 IR has no direct call matching '$want'"; fi
done
n=$(ir_count "$w/b2.ll" 'call .*%import\.code')
if [ "$n" -eq 1 ]; then passed=$((passed + 1)); else
  fail "O2 IR calls through $n import slots, expected 1 (fd_write)"; fi
n=$(ir_count "$w/b2.ll" 'call i32 @m0\.kiln_f2\(')
if [ "$n" -eq 0 ]; then passed=$((passed + 1)); else
  fail "O2 IR still calls lib's add $n times (not inlined)"; fi

# kilnc refusals, each naming the problem.
check 1 "" "module bad imports a function lib.nosuch, but module lib exports nothing named \"nosuch\"" \
  -- "$kilnc" "$w/lib.wasm" "$w/bad.wasm" -o "$w/bad.aot"
check 1 "" "module badtype imports function lib.add with 1 params and 1 results, but module lib's function has another type" \
  -- "$kilnc" "$w/lib.wasm" "$w/badtype.wasm" -o "$w/bad.aot"
check 1 "" "two modules of the bundle are named \"x\"" \
  -- "$kilnc" "x=$w/lib.wasm" "x=$w/main.wasm" -o "$w/bad.aot"
check 1 "" "module main imports a function util.twice, but module util exports nothing" \
  -- "$kilnc" "util=$w/lib.wasm" "lib=$w/lib.wasm" "$w/main.wasm" -o "$w/bad.aot"
check 1 "" "module lib imports lib.add from itself" \
  -- "$kilnc" "lib=$w/badtype.wasm" "$w/main.wasm" -o "$w/bad.aot"
check 1 "" "not as an object" \
  -- "$kilnc" --format=object "$w/lib.wasm" "$w/main.wasm" -o "$w/bad.o"
# NAME=FILE: main's imports of "lib" are satisfied by a file named other.
cp "$w/lib.wasm" "$w/other.wasm"
check 0 "" "" -- "$kilnc" "lib=$w/other.wasm" "$w/util.wasm" "$w/main.wasm" -o "$w/named.aot"
check 0 "11099" "" -- "$kiln" --invoke memories "$w/named.aot"

# --interruptible: kiln --timeout stops an endless loop of the library
# running inside main's call (inlined at -O2).
check 0 "" "" -- "$kilnc" --interruptible "$w/spin.wasm" "$w/spin_main.wasm" -o "$w/spin.aot"
check 1 "" "kiln: trap: interrupted" -- "$kiln" --timeout 1 --invoke go "$w/spin.aot"

# The bundle's imports bind only to the same bundle's modules.
check 0 "" "" -- "$kilnc" "$w/lib.wasm" -o "$w/lib.aot"
check 0 "ok: host lib.add refused" "" -- "$bundle_host" "$w/main.O2.aot" "$w/lib.aot"

# Byte-identical for any thread count.
"$kilnc" --jobs=1 "$w/lib.wasm" "$w/util.wasm" "$w/main.wasm" -o "$w/j1.aot"
"$kilnc" --jobs=2 "$w/lib.wasm" "$w/util.wasm" "$w/main.wasm" -o "$w/j2.aot"
if cmp -s "$w/j1.aot" "$w/j2.aot"; then passed=$((passed + 1)); else
  fail "bundle output differs between -j1 and -j2"; fi

# A bundle whose members are partitioned (as large modules are): members
# compiled as partitions on threads, linked into one image; pre-linked
# calls direct but not inlined across members (lib's frame in the -O2
# backtrace). The same bytes for any thread count.
"$kilnc" --partitions=2 --jobs=1 "$w/lib.wasm" "$w/util.wasm" "$w/main.wasm" -o "$w/p1.aot"
"$kilnc" --partitions=2 --jobs=2 "$w/lib.wasm" "$w/util.wasm" "$w/main.wasm" -o "$w/p2.aot"
if cmp -s "$w/p1.aot" "$w/p2.aot"; then passed=$((passed + 1)); else
  fail "partitioned bundle output differs between -j1 and -j2"; fi
if cmp -s "$w/p1.aot" "$w/j1.aot"; then fail "--partitions=2 made the same bundle"; else
  passed=$((passed + 1)); fi
check 0 "bundle ok" "" -- "$kiln" "$w/p1.aot"
check 0 "704982704" "" -- "$kiln" --invoke sum "$w/p1.aot" 100000
check 0 "11099" "" -- "$kiln" --invoke memories "$w/p1.aot"
check 0 "2" "" -- "$kiln" --invoke counter "$w/p1.aot"
check 0 "42" "" -- "$kiln" --invoke indirect "$w/p1.aot" 0 21
check 0 "1002" "" -- "$kiln" --invoke via_util "$w/p1.aot" 2 3
check 1 "" "lib!boom" -- "$kiln" --invoke trap "$w/p1.aot"

# Damage behind a valid outer checksum (member tables, member headers, the
# pre-linked imports): kiln refuses or runs, never dies by a signal.
if command -v python3 > /dev/null; then
  python3 - "$w/main.O2.aot" "$w/damaged" "$here" <<'EOF'
import sys
src, out = sys.argv[1], sys.argv[2]
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, sys.argv[3])
from aot_container import SEC_BUNDLE, reseal, section
data = bytearray(open(src, 'rb').read())
off, size = section(data, SEC_BUNDLE)
n = 0
for pos in list(range(off, off + 240)) + list(range(off, off + size, 37)):
    for delta in (1, 0x80):
        d = bytearray(data)
        d[pos] = (d[pos] + delta) & 0xFF
        reseal(d)
        open('%s.%d.aot' % (out, n), 'wb').write(d)
        n += 1
EOF
  # Targeted damage, each refused with its own message: a pre-linked
  # import of a member to itself, one to a function of another type, a
  # member outside the section.
  python3 - "$w/main.O2.aot" "$w/edit" "$here" <<'EOF'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, sys.argv[3])
from aot_container import SEC_BUNDLE, reseal, section
data = bytes(open(src, 'rb').read())
sec = section(data, SEC_BUNDLE)[0]
members = struct.unpack_from('<I', data, sec)[0]
pos = sec + 4
first_member_offset = None
for m in range(members):
    n = struct.unpack_from('<I', data, pos)[0]
    if first_member_offset is None:
        first_member_offset = pos + 4 + n
    pos += 4 + n + 8
first_prelink = pos + 4  # member, import_index, callee_member, callee_func
def write(name, edits):
    d = bytearray(data)
    for at, value in edits:
        struct.pack_into('<I', d, at, value)
    reseal(d)
    open('%s.%s.aot' % (out, name), 'wb').write(d)
member = struct.unpack_from('<I', data, first_prelink)[0]
write('self', [(first_prelink + 8, member)])
write('type', [(first_prelink + 12, 3)])  # lib's store: (i32 i32) -> ()
write('outside', [(first_member_offset, 0x7FFFFFF0)])
EOF
  check 1 "" "pre-linked import 0: members 1 -> 1 of a bundle of 3" -- "$kiln" "$w/edit.self.aot"
  check 1 "" "have different types" -- "$kiln" "$w/edit.type.aot"
  check 1 "" "is outside the section" -- "$kiln" "$w/edit.outside.aot"
  total=0 bad=0
  for f in "$w"/damaged.*.aot; do
    timeout -k 5 30 "$kiln" --invoke sum "$f" 10 > /dev/null 2> "$w/damaged.err"; status=$?
    total=$((total + 1))
    # (under ASan/UBSan a report is a failure whatever the status)
    if [ "$status" -ge 124 ] || { [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; } ||
       grep -qE 'Sanitizer|runtime error' "$w/damaged.err"; then
      bad=$((bad + 1)); fail "damaged bundle $f: status $status"
    fi
  done
  rm -f "$w"/damaged.*.aot
  [ "$bad" -eq 0 ] && [ "$total" -gt 0 ] && passed=$((passed + 1))
fi

printf 'bundle: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
