#!/usr/bin/env bash
# Converts the official spec tests (.wast) to JSON with wast2json and runs
# them with kiln-spec.
# usage: run_spec.sh KILN_SPEC WORKDIR SUITE [FILE-LIST]
#   SUITE: core | threads     FILE-LIST: a file naming the .wast files to run
#   (one per line, '#' comments); default: every .wast of the suite.
# The tests are read from $KILN_SPEC_TESTSUITE (default: ../shared/spec-testsuite
# beside the checkout). Exit status: kiln-spec's; 77 when the .wast files are
# missing (reported as not run by ctest; a failure when CI=true).
set -euo pipefail
kiln_spec=$1 work=$2 suite=$3 list=${4:-}
spec_flags=()
here=$(cd "$(dirname "$0")" && pwd)
testsuite=${KILN_SPEC_TESTSUITE:-$here/../../../shared/spec-testsuite}
case "$suite" in
  core) dir=$testsuite/core flags="" ;;
  threads) dir=$testsuite/proposals/threads flags="--enable-threads"
           # pre-2.0 expectations of the proposal (see the file)
           spec_flags=("--expected-differences=$here/threads_expected_differences.txt") ;;
  *) echo "run_spec.sh: unknown suite $suite" >&2; exit 2 ;;
esac
if ! compgen -G "$dir/*.wast" > /dev/null; then
  # Missing data is "not run" (exit 77, ctest SKIP_RETURN_CODE), never a pass;
  # under CI=true it is a failure.
  echo "spec tests: NOT RUN: no .wast files in $dir (expected in ../shared/spec-testsuite beside the checkout, or where KILN_SPEC_TESTSUITE points)"
  echo "  the suite: the official spec tests (github.com/WebAssembly/testsuite:"
  echo "  core/ and proposals/threads/)"
  if [ "${CI:-}" = "true" ]; then
    echo "spec tests: CI=true: missing test data is a failure"
    exit 1
  fi
  exit 77
fi
out=$work/$suite
mkdir -p "$out"
if [ -n "$list" ]; then
  mapfile -t names < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list")
else
  mapfile -t names < <(cd "$dir" && ls *.wast | sed 's/\.wast$//')
fi
jsons=()
for name in "${names[@]}"; do
  json=$out/$name/$name.json
  if [ ! -f "$json" ] || [ "$dir/$name.wast" -nt "$json" ]; then
    mkdir -p "$out/$name"
    # shellcheck disable=SC2086
    wast2json $flags "$dir/$name.wast" -o "$json"
  fi
  jsons+=("$json")
done
# KILN_SPEC_ARGS: extra kiln-spec options (run_spec_two_step.sh)
# shellcheck disable=SC2206
extra=(${KILN_SPEC_ARGS:-})
exec "$kiln_spec" "${spec_flags[@]}" "${extra[@]}" "${jsons[@]}"
