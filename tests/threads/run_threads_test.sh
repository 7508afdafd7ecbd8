#!/usr/bin/env bash
# Threads over one shared memory: compiles counter.wat with kilnc, then runs
# threads_test (8 threads x 100000 iterations, as the issue asks, and
# 4 x 1000000, long enough that threads are preempted inside the mutex and
# really sleep in memory.atomic.wait32).
#
# usage: run_threads_test.sh KILNC WAT2WASM THREADS_TEST WORKDIR
set -u
if [ $# -ne 4 ]; then
  echo "usage: $0 KILNC WAT2WASM THREADS_TEST WORKDIR" >&2
  exit 2
fi
kilnc=$1 wat2wasm=$2 threads_test=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
"$wat2wasm" --enable-threads "$here/counter.wat" -o "$work/counter.wasm" || exit 1
"$kilnc" --opt-level=2 "$work/counter.wasm" -o "$work/counter.aot" || exit 1
status=0
for run in "8 100000" "4 1000000"; do
  echo "== $run"
  # shellcheck disable=SC2086
  timeout -k 5 300 "$threads_test" "$work/counter.aot" $run || status=1
done
exit $status
