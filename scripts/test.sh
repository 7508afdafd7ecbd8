#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds, runs every ctest (unit, e2e, spec, ...), and ends with
# the pass/fail counts.
#
# usage: scripts/test.sh [--sanitize] [CMAKE_ARGS...]
#   --sanitize  build into build-asan with AddressSanitizer and
#               UndefinedBehaviorSanitizer (-DKILN_SANITIZE=ON) and run every
#               ctest there; the sanitizer options (the runtime's own SIGSEGV
#               handler for guard pages, leak checking) are set per test by
#               tests/CMakeLists.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  export KILN_BUILD_DIR=${KILN_BUILD_DIR:-$root/build-asan}
  set -- -DKILN_SANITIZE=ON "$@"
fi
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$@"
build=${KILN_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" | tee "$build/ctest.log" || status=$?
passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$build/ctest.log" || true)
failed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Not Run|Exception|Timeout)' "$build/ctest.log" || true)
echo "tests: $passed passed, $failed failed"
exit "$status"
