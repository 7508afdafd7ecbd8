#!/usr/bin/env bash
# WASI conformance by comparison: each tests/wasi/NAME.c is built natively
# (gcc) and for wasm32-wasi (clang-19 + wasi-libc), both are run on a fresh
# copy of the same fixture directory with the same arguments, environment
# and stdin, and their stdout and exit status must match. NAME.expected, when
# present, replaces the native stdout (the sandbox test: natively nothing
# stops an escape, so the native run is only checked to escape).
#
# usage: run_wasi_test.sh KILNC KILN WORKDIR [NAME...]
#   The wasm side runs as: kilnc --opt-level=2 NAME.wasm -o NAME.aot, then
#   KILN --dir BOX::. --env K=V --env LANG=C NAME.aot alpha 'beta gamma'
#   with the working directory inside BOX.
# Environment:
#   KILN_WASI_RUNNER  run the .wasm with this command instead of kilnc + kiln
#                     (same flags as kiln; e.g. tests/wasi/node_runner.sh, to
#                     check the programs against another WASI runtime)
#   WASI_CC           wasm compiler (default clang-19), WASI_SYSROOT (/usr)
#   KILNC_FLAGS       extra kilnc options (tests/cross/run.sh: --target=...;
#                     KILN is then a script that runs kiln under qemu)
# Fixture, in WORKDIR/NAME/{native,wasm}/:
#   outside.txt                     must stay unreachable from the sandbox
#   box/input.txt, box/sub/inner.txt
#   box/link_out -> ../outside.txt, box/link_abs -> /abs/.../outside.txt,
#   box/link_dir -> .., box/sub/deep -> ../../outside.txt,
#   box/link_ok -> sub/inner.txt
# Prints "PASS NAME" / "FAIL NAME: why" per test and exits 1 on any failure.
set -u
if [ $# -lt 3 ]; then
  echo "usage: $0 KILNC KILN WORKDIR [NAME...]" >&2
  exit 2
fi
kilnc=$1 kiln=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
cc_wasm=${WASI_CC:-clang-19}
sysroot=${WASI_SYSROOT:-/usr}
runner=${KILN_WASI_RUNNER:-}
# The programs run from inside their fixture: make tool paths absolute.
absolute() { case "$1" in */*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;; *) echo "$1" ;; esac; }
kilnc=$(absolute "$kilnc") kiln=$(absolute "$kiln")
[ -n "$runner" ] && runner=$(absolute "$runner")
mkdir -p "$work"
work=$(cd "$work" && pwd)

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for src in "$here"/*.c; do names+=("$(basename "$src" .c)"); done
fi

stdin_text=$'first line of input\nsecond line, with more words\n'
passed=0 failed=0
fail() { failed=$((failed + 1)); printf 'FAIL %s: %s\n' "$1" "$2"; }

make_fixture() {  # $1 = directory
  rm -rf "$1"
  mkdir -p "$1/box/sub"
  printf 'secret outside the sandbox\n' > "$1/outside.txt"
  printf 'line one\nline two\n' > "$1/box/input.txt"
  printf 'inner file\n' > "$1/box/sub/inner.txt"
  ln -s ../outside.txt "$1/box/link_out"
  ln -s "$1/outside.txt" "$1/box/link_abs"
  ln -s .. "$1/box/link_dir"
  ln -s ../../outside.txt "$1/box/sub/deep"
  ln -s sub/inner.txt "$1/box/link_ok"
}

for name in "${names[@]}"; do
  src="$here/$name.c"
  dir="$work/$name"
  mkdir -p "$dir"
  if ! gcc -std=gnu11 -O2 -I "$here" "$src" -o "$dir/$name.native" 2> "$dir/gcc.err"; then
    fail "$name" "native build: $(cat "$dir/gcc.err")"; continue
  fi
  if ! "$cc_wasm" --target=wasm32-wasi --sysroot="$sysroot" -O2 -I "$here" "$src" \
       -o "$dir/$name.wasm" 2> "$dir/clang.err"; then
    fail "$name" "wasm build: $(cat "$dir/clang.err")"; continue
  fi
  module="$dir/$name.wasm"
  if [ -z "$runner" ]; then
    module="$dir/$name.aot"
    # shellcheck disable=SC2086
    if ! "$kilnc" --opt-level=2 ${KILNC_FLAGS:-} "$dir/$name.wasm" -o "$module" \
         2> "$dir/kilnc.err"; then
      fail "$name" "kilnc: $(cat "$dir/kilnc.err")"; continue
    fi
  fi

  make_fixture "$dir/native"
  (cd "$dir/native/box" &&
   printf '%s' "$stdin_text" |
   env -i K=V LANG=C "$dir/$name.native" alpha 'beta gamma' \
     > "$dir/native.out" 2> "$dir/native.err")
  native_status=$?

  make_fixture "$dir/wasm"
  run=("$kiln")
  [ -n "$runner" ] && run=($runner)
  (cd "$dir/wasm/box" &&
   printf '%s' "$stdin_text" |
   "${run[@]}" --dir "$dir/wasm/box::." --env K=V --env LANG=C "$module" alpha 'beta gamma' \
     > "$dir/wasm.out" 2> "$dir/wasm.err")
  wasm_status=$?

  want="$dir/native.out"
  if [ -f "$here/$name.expected" ]; then
    want="$here/$name.expected"
    if ! grep -q ESCAPED "$dir/native.out"; then
      fail "$name" "native run escaped nothing: the fixture is not testing anything"
      continue
    fi
  fi
  if [ "$native_status" -ge 128 ] || [ "$wasm_status" -ge 128 ]; then
    fail "$name" "killed by a signal (native $native_status, wasm $wasm_status)"
  elif [ "$native_status" -ne "$wasm_status" ]; then
    fail "$name" "exit status: native $native_status, wasm $wasm_status ($(head -c 300 "$dir/wasm.err"))"
  elif ! diff -u "$want" "$dir/wasm.out" > "$dir/stdout.diff"; then
    fail "$name" "stdout differs from $(basename "$want"):"$'\n'"$(head -40 "$dir/stdout.diff")"
  elif [ -f "$here/$name.expected" ] && [ -e "$dir/wasm/made" -o -e "$dir/wasm/stolen" ]; then
    fail "$name" "the sandbox let a file be created outside the preopen"
  elif [ ! -f "$dir/wasm/outside.txt" ]; then
    fail "$name" "outside.txt was removed through the sandbox"
  else
    passed=$((passed + 1)); printf 'PASS %s\n' "$name"
  fi
done
printf 'wasi: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
