#!/usr/bin/env bash
# Bare-metal test: the firmware runner kiln-mcu.elf (firmware/, built here
# with cmake/toolchains/thumbv7em.cmake) runs modules precompiled on this
# host with kilnc --target=thumbv7em-none-eabihf --xip under
# qemu-system-arm -M mps2-an386 (Cortex-M4F), one boot per call, command
# line and files through semihosting.
#
# Modules: the e2e modules of tests/e2e (arithmetic, conversions, floats,
# control, globals, memory, calls and stack) with the `invoke` lines of
# their .test files, and tests/baremetal/board.test (every trap kind,
# stack exhaustion, out of bounds, host functions with checked pointers, a
# module importing from another, a WASI command, the runner's errors).
# For every module, the XIP check: the container records XIP, its code ran
# in place from the flash region, and its bytes were unchanged after the
# run (kiln-mcu --xip-report); examples/fib.wat also linked into the
# firmware image as a const array (--embedded). Then the spec suite's
# modules in run-only mode on the board (run_spec.sh, kiln-spec-mcu.elf;
# not run without the spec test data), counted in the total. Last, the
# runtime core's .text against its 24 KiB budget (scripts/footprint.sh).
# Ends with "N passed, N failed"; exits 1 when anything failed.
#
# usage: tests/baremetal/run.sh [WORKDIR]
# Environment:
#   KILN_BUILD_DIR  the host build with kilnc (default build)
#   KILN_MCU_JOBS   parallel jobs for the firmware build (default 2)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
host_build=$(cd "${KILN_BUILD_DIR:-$root/build}" && pwd) || exit 2
work=${1:-$host_build/baremetal}
mkdir -p "$work"
work=$(cd "$work" && pwd)
kilnc=$host_build/kilnc
for tool in "$kilnc" wat2wasm arm-none-eabi-gcc qemu-system-arm; do
  command -v "$tool" > /dev/null || { echo "baremetal: missing $tool" >&2; exit 2; }
done
passed=0 failed=0
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }
pass() { passed=$((passed + 1)); }

# 1. The firmware, with examples/fib.wat linked into the image (--embedded).
wat2wasm "$root/examples/fib.wat" -o "$work/fib.wasm" &&
  "$kilnc" --target=thumbv7em-none-eabihf --xip "$work/fib.wasm" -o "$work/fib.aot" || exit 1
build=$work/build-mcu
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$build" "${generator[@]}" -DKILN_MCU_EMBED="$work/fib.aot" \
      -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/thumbv7em.cmake" > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$build" -j "${KILN_MCU_JOBS:-2}" > "$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; exit 1; }
firmware=$build/firmware/kiln-mcu.elf
echo "baremetal: firmware $(arm-none-eabi-size "$firmware" | awk 'NR == 2 { printf "text %d, data %d, bss %d bytes", $1, $2, $3 }')"

# Runs the firmware with the given command line; sets out, err, status.
board() {
  local config="enable=on,target=native" a
  for a in kiln "$@"; do config+=",arg=${a//,/,,}"; done
  out=$(timeout -k 5 60 qemu-system-arm -M mps2-an386 -nographic -monitor none \
          -semihosting-config "$config" -kernel "$firmware" 2> "$work/stderr")
  status=$?
  err=$(cat "$work/stderr")
}

# Compiles tests' WAT into $aot; false (after reporting) when it cannot.
compile() { # NAME WAT
  local name=$1 wat=$2
  wasm=$work/$name.wasm aot=$work/$name.aot
  if ! wat2wasm --enable-all "$wat" -o "$wasm" 2> "$work/$name.err"; then
    fail "$name: wat2wasm: $(cat "$work/$name.err")"; return 1
  fi
  if ! "$kilnc" --target=thumbv7em-none-eabihf --xip -O2 "$wasm" -o "$aot" 2> "$work/$name.err"; then
    fail "$name: kilnc --xip: $(cat "$work/$name.err")"; return 1
  fi
  xip_pending=1
}

# The XIP check of the current module, on its first call: the container
# says XIP, the code ran from the flash region, the bytes are unchanged.
xip_check() { # NAME ARGS...
  local name=$1; shift
  xip_pending=0
  local inspect
  inspect=$("$kilnc" --inspect "$aot")
  if [[ "$inspect" != *"execute in place"* ]]; then
    fail "$name: the container does not record XIP"; return
  fi
  board --xip-report "$@"
  local line
  line=$(printf '%s\n' "$err" | grep '^kiln-mcu: xip:')
  if [[ "$line" == *"executed in place from flash"*"unchanged"* ]]; then
    pass; echo "xip $name: ${line#kiln-mcu: xip: }"
  else
    fail "$name: XIP check: '${line:-no report}' (status $status, stderr '$err')"
  fi
}

# One test line: invoke NAME ARGS => RESULTS | trap MESSAGE;
# run ARGS => exit N [stdout|stderr TEXT]; kiln ARGS => (same).
check() { # NAME LINE
  local name=$1 line=$2 lhs rhs verb args
  lhs=${line%% => *} rhs=${line#* => }
  [ "$rhs" = "$line" ] && rhs=${line#* =>}
  verb=${lhs%% *} args=""
  [ "$lhs" != "$verb" ] && args=${lhs#* }
  local -a argv
  read -r -a argv <<< "$args"
  local i
  for i in "${!argv[@]}"; do [ "${argv[$i]}" = "{}" ] && argv[$i]=$aot; done
  local -a cmd
  case "$verb" in
    invoke) cmd=(--invoke "${argv[0]}" "$aot" "${argv[@]:1}") ;;
    run) cmd=("$aot" "${argv[@]}") ;;
    kiln) cmd=("${argv[@]}") ;;
    *) return ;;
  esac
  [ "$xip_pending" = 1 ] && [ "$verb" != kiln ] && xip_check "$name" "${cmd[@]}"
  board "${cmd[@]}"
  local where="$name: $lhs"
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    fail "$where: timed out after 60 s"; return
  fi
  case "$rhs" in
    trap\ *)
      if [ "$status" -eq 1 ] && [ "${err%%$'\n'*}" = "kiln: trap: ${rhs#trap }" ]; then pass
      else fail "$where: expected trap '${rhs#trap }', got status $status stderr '$err' stdout '$out'"; fi ;;
    exit\ *)
      local rest=${rhs#exit } want_status want_text=""
      want_status=${rest%% *}
      [ "$rest" != "$want_status" ] && want_text=${rest#* }
      if [ "$status" -ne "$want_status" ]; then
        fail "$where: expected exit $want_status, got $status (stderr '$err')"; return
      fi
      case "$want_text" in
        "") pass ;;
        stdout\ *) if [[ "$out" == *"${want_text#stdout }"* ]]; then pass; else fail "$where: stdout '$out' lacks '${want_text#stdout }'"; fi ;;
        stderr\ *) if [[ "$err" == *"${want_text#stderr }"* ]]; then pass; else fail "$where: stderr '$err' lacks '${want_text#stderr }'"; fi ;;
      esac ;;
    *)
      # Results one per line; compared with whitespace collapsed.
      if [ "$status" -eq 0 ] && [ "$(echo $out)" = "$(echo $rhs)" ]; then pass
      else fail "$where: expected '$(echo $rhs)', got '$(echo $out)' (status $status, stderr '$err')"; fi ;;
  esac
}

# 2. The e2e modules with their invoke lines.
for t in int_arith conversions float_arith float_nan_folds control globals_start memory \
         calls_stack unused_loads; do
  test_file=$root/tests/e2e/$t.test
  module=$(sed -n 's/^module //p' "$test_file")
  compile "$t" "$root/tests/wat/$module" || continue
  while IFS= read -r line; do
    case "$line" in invoke\ *) check "$t" "$line" ;; esac
  done < "$test_file"
done

# 3. The container linked into the image: a const array in flash, run in
# place (kiln-mcu --embedded).
board --embedded --xip-report --invoke fib 30
line=$(printf '%s\n' "$err" | grep '^kiln-mcu: xip:')
if [ "$status" -eq 0 ] && [ "$out" = 832040 ] &&
   [[ "$line" == *"executed in place from flash"*"unchanged"* ]]; then
  pass; echo "xip fib (linked into the image): ${line#kiln-mcu: xip: }"
else
  fail "fib --embedded: status $status, stdout '$out', stderr '$err'"
fi

# 4. The board tests.
name=""
while IFS= read -r line; do
  case "$line" in
    module\ *) wat=${line#module }; name=${wat%.wat}
               compile "$name" "$here/$wat" || name="" ;;
    invoke\ *|run\ *|run|kiln\ *|kiln) [ -n "$name" ] && check "$name" "$line" ;;
  esac
done < "$here/board.test"

# 5. The spec suite's modules, run-only, one boot per .wast (run_spec.sh).
spec_log=$work/spec.log
"$here/run_spec.sh" "$build" "$work/spec" > "$spec_log" 2>&1
spec_status=$?
grep -E '^(FAIL|DID NOT FINISH|FAILED)' "$spec_log" | head -20
summary=$(grep '^spec on the board:' "$spec_log")
if [ "$spec_status" -eq 77 ]; then
  echo "spec on the board: NOT RUN (no spec test data; see tests/spec/run_spec.sh)"
elif [ -z "$summary" ]; then
  fail "spec on the board: $(tail -5 "$spec_log")"
else
  echo "$summary"
  read -r _ _ _ _ sp _ sf _ <<< "$summary"
  passed=$((passed + sp)) failed=$((failed + sf))
  [ "$spec_status" -ne 0 ] && [ "$sf" -eq 0 ] && fail "spec on the board: a file did not finish"
fi

# 6. The footprint budget of issue 12: the runtime core a program links
# (scripts/footprint.sh: loader, linker, instances, traps; LTO, -Os) stays
# within 24 KiB of .text. A feature that does not fit belongs outside the
# bare-metal build, or must pay for itself elsewhere.
footprint_log=$work/footprint.log
KILN_BUILD_DIR=$host_build "$root/scripts/footprint.sh" "$build" > "$footprint_log" 2>&1
core=$(grep '^runtime core' "$footprint_log")
if [ -z "$core" ]; then
  fail "footprint: $(tail -5 "$footprint_log")"
else
  echo "$core"
  text=$(sed -E 's/.*\.text ([0-9]+) bytes.*/\1/' <<< "$core")
  if [ "$text" -le 24576 ]; then pass; else fail "footprint: runtime core .text $text bytes > 24576 (24 KiB budget)"; fi
fi

printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
