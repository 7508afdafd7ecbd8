#!/usr/bin/env bash
# The spec suite on the board: every .wast of tests/spec/core_passing.txt
# and of proposals/threads (single-threaded here: atomics, shared memories),
# converted by wast2json and compiled on this host by kiln-spec --compile-to
# for thumbv7em-none-eabihf with --xip, then run by kiln-spec-mcu.elf (the
# run-only spec runner as firmware, firmware/spec_main.c) under
# qemu-system-arm -M mps2-an386, one boot per .wast, reading the .json and
# .aot files through semihosting. Commands that grow a memory beyond the
# board's are listed in spec_board_differences.txt (counted as skips).
# Prints each file that failed or did not finish, then "spec on the board:
# N passed, N failed, N skipped (N files, ...)"; exits 1 when anything
# failed.
#
# usage: tests/baremetal/run_spec.sh FIRMWARE_BUILD WORKDIR
#   FIRMWARE_BUILD  a build with cmake/toolchains/thumbv7em.cmake (run.sh's)
# Environment: KILN_BUILD_DIR (the host build with tests/kiln-spec),
#   KILN_SPEC_TESTSUITE (as tests/spec/run_spec.sh), KILN_MCU_JOBS (boots
#   in parallel, default 2).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
host_build=$(cd "${KILN_BUILD_DIR:-$root/build}" && pwd) || exit 2
firmware=$1/firmware/kiln-spec-mcu.elf
work=$2
[ -f "$firmware" ] || { echo "spec on the board: no $firmware" >&2; exit 2; }
mkdir -p "$work/aot-core" "$work/aot-threads"
work=$(cd "$work" && pwd)
rm -rf "$work/runs"
mkdir -p "$work/runs"

# Compiles SUITE's .wast files (FILE-LIST: which) for the board, into
# aot-SUITE (both suites have a memory.wast).
compile_suite() { # SUITE [FILE-LIST]
  KILN_SPEC_ARGS="--compile-to $work/aot-$1 --target=thumbv7em-none-eabihf --xip" \
    "$root/tests/spec/run_spec.sh" "$host_build/tests/kiln-spec" "$work/spec" "$1" ${2:+"$2"} \
    > "$work/compile-$1.log" 2>&1
  case $? in
    0) ;;
    77) cat "$work/compile-$1.log"; exit 77 ;;
    *) echo "spec on the board: compiling $1 failed:"; tail -20 "$work/compile-$1.log"; exit 1 ;;
  esac
}
compile_suite core "$root/tests/spec/core_passing.txt"
compile_suite threads

# One boot per file, each under a timeout; its last line is its count.
# Commands whose expectation differs for a known reason: the board's
# memory (core), the proposal's pre-2.0 expectations (threads).
boot() { # JSON
  local json=$1 name log diffs suite=core
  name=$(basename "$json" .json)
  log=$work/runs/$name.log
  diffs=$here/spec_board_differences.txt
  case "$json" in
    */spec/threads/*) suite=threads log=$work/runs/threads-$name.log
                      diffs=$root/tests/spec/threads_expected_differences.txt ;;
  esac
  timeout -k 5 600 qemu-system-arm -M mps2-an386 -nographic -monitor none \
    -semihosting-config "enable=on,target=native,arg=kiln-spec,arg=--expected-differences=$diffs,arg=--aot-dir,arg=$work/aot-$suite,arg=$json" \
    -kernel "$firmware" > "$log" 2>&1
  echo "status $?" >> "$log"
}
export -f boot
export work firmware here root
find "$work/spec/core" "$work/spec/threads" -name '*.json' | sort |
  xargs -P "${KILN_MCU_JOBS:-2}" -I{} bash -c 'boot "$@"' _ {}

files=0 unfinished=0 passed=0 failed=0 skipped=0
for log in "$work"/runs/*.log; do
  files=$((files + 1))
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped' "$log" | tail -1)
  if [ -z "$line" ]; then
    unfinished=$((unfinished + 1))
    echo "DID NOT FINISH $(basename "$log" .log): $(grep -v '^$' "$log" | tail -2 | tr '\n' ' ')"
    continue
  fi
  read -r p _ f _ k _ <<< "$line"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
  [ "$f" -ne 0 ] && { echo "FAILED in $(basename "$log" .log):"; grep 'FAIL' "$log" | head -5; }
done
echo "spec on the board: $passed passed, $failed failed, $skipped skipped ($files files, core and threads, $unfinished did not finish; skips: text-format modules, the threads proposal's pre-2.0 expectations, and spec_board_differences.txt: memory.grow beyond the board's memory)"
[ "$failed" -eq 0 ] && [ "$unfinished" -eq 0 ] && [ "$files" -gt 0 ]
