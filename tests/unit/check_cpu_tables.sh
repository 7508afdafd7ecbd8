#!/usr/bin/env bash
# Regenerates the CPU tables from the installed LLVM and compares them with
# the committed compiler/emit/cpu_llvm19.c (a difference means LLVM changed
# or the file was edited by hand: rerun scripts/gen_cpu_tables.sh).
#
# usage: check_cpu_tables.sh SOURCE_DIR SCRATCH_FILE
set -euo pipefail
root=$1 out=$2
"$root/scripts/gen_cpu_tables.sh" "$out"
if ! diff -u "$root/compiler/emit/cpu_llvm19.c" "$out" > "$out.diff"; then
  head -40 "$out.diff"
  echo "FAIL: compiler/emit/cpu_llvm19.c differs from LLVM's tables (see above)"
  exit 1
fi
echo "compiler/emit/cpu_llvm19.c matches LLVM $(llvm-config-19 --version)'s tables"
