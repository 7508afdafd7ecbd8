#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds, runs every ctest (unit, e2e, spec, ...), and ends with
# the tests that did not run and why (missing test data), then the counts:
#   tests: N passed, N failed, N skipped
# The spec tests and the wasi-testsuite read ../shared/spec-testsuite and
# ../shared/wasi-testsuite beside the checkout (or KILN_SPEC_TESTSUITE and
# KILN_WASI_TESTSUITE); without them they are skipped, and with CI=true
# they fail.
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
  # The wasi-testsuite modules at -O0 there: the runtime is what the
  # sanitizers watch, and -O2 compiles take ten times longer.
  set -- -DKILN_SANITIZE=ON -DKILN_WASI_TESTSUITE_OPT_LEVEL=0 "$@"
fi
"$root/scripts/deps.sh"
"$root/scripts/build.sh" "$@"
build=${KILN_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" | tee "$build/ctest.log" || status=$?
result='^ *[0-9]+/[0-9]+ Test +#[0-9]+: '
passed=$(grep -cE "$result.* Passed" "$build/ctest.log" || true)
skipped=$(grep -cE "$result.*\*\*\*Skipped" "$build/ctest.log" || true)
failed=$(grep -E "$result.*(\*\*\*|Failed|Not Run|Exception|Timeout)" "$build/ctest.log" |
         grep -cv '\*\*\*Skipped' || true)
# Tests that did not run (their data is missing: they exit 77, ctest's
# SKIP_RETURN_CODE), each with the reason it printed ("NOT RUN: ...").
if [ "$skipped" -gt 0 ]; then
  echo "tests not run ($skipped):"
  grep -E "$result.*\*\*\*Skipped" "$build/ctest.log" |
    sed -E 's/.*Test +#[0-9]+: ([^ ]+) .*/\1/' |
    while read -r name; do
      reason=$(awk -v t="$name" '
        /^[0-9]+\/[0-9]+ Testing: / { current = $3 }
        current == t && /NOT RUN: / { sub(/.*NOT RUN: /, ""); print; exit }' \
        "$build/Testing/Temporary/LastTest.log" 2>/dev/null)
      echo "  $name: ${reason:-skipped (see its output in $build/Testing/Temporary/LastTest.log)}"
    done
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
