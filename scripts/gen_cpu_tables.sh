#!/usr/bin/env bash
# Regenerates compiler/emit/cpu_llvm19.c from LLVM 19's own subtarget tables
# (scripts/gen_cpu_tables.cpp, built against llvm-19-dev with clang++-19).
# Run it when the LLVM major version changes; tests/cpu/check_cpu_tables.sh
# checks that the committed file is what this script produces.
#
# usage: gen_cpu_tables.sh [OUTPUT]   (default: compiler/emit/cpu_llvm19.c)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/compiler/emit/cpu_llvm19.c}
llvm_config=${LLVM_CONFIG:-llvm-config-19}
cxx=${CXX:-clang++-19}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2046 # llvm-config prints word lists
"$cxx" -O1 -o "$work/gen_cpu_tables" "$root/scripts/gen_cpu_tables.cpp" \
  $("$llvm_config" --cxxflags) $("$llvm_config" --ldflags) -lLLVM-$("$llvm_config" --version | cut -d. -f1)
"$work/gen_cpu_tables" > "$work/out.c"
mv "$work/out.c" "$out"
