#!/usr/bin/env bash
# The spec tests in two steps, as on a target where only the runtime exists:
# kiln-spec --compile-to writes every module of the listed core files as
# .aot (or its compile error as .err) into one folder, then kiln-spec-rt
# (no compiler linked) runs the files from that folder alone.
# usage: run_spec_two_step.sh KILN_SPEC KILN_SPEC_RT WORKDIR FILE-LIST
set -euo pipefail
kiln_spec=$1 kiln_spec_rt=$2 work=$3 list=$4
here=$(cd "$(dirname "$0")" && pwd)
aot=$work/aot
rm -rf "$aot"
mkdir -p "$aot"
# The first step says when the test data is missing (exit 77: not run).
KILN_SPEC_ARGS="--compile-to $aot" "$here/run_spec.sh" "$kiln_spec" "$work" core "$list" ||
  exit $?
KILN_SPEC_ARGS="--aot-dir $aot" "$here/run_spec.sh" "$kiln_spec_rt" "$work" core "$list"
