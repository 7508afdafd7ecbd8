#!/usr/bin/env bash
# Runs the official WASI test suite (wasi-testsuite, preview1 modules) under
# kiln, as its SPECIFICATION.md says: every SUITE/*.wasm is a test case, and
# NAME.json beside it (or the defaults) gives its args, env, root (or the
# older dirs), expected exit code and expected stdout. Each module is
# precompiled with kilnc and run with the kiln runner:
#   kiln --dir COPY::/ --env K=V ... NAME.aot ARGS...
# where COPY is a fresh writable copy of the test's root folder (tests write
# into it; *.cleanup files are removed from the copy first); each of the
# older "dirs" is copied the same way and preopened under its own name. The
# guest gets only the env of its JSON, stdin is empty, and the test passes
# when the exit code is the expected one and stdout (and stderr) equal the
# expected text when the JSON gives it: like the suite's reference runner,
# output not named in the JSON is not checked (poll_oneoff_stdio and
# path_open_preopen print diagnostics).
#
# usage: run_wasi_testsuite.sh KILNC KILN WORKDIR SUITE [NAME...]
#   SUITE is a folder of the testsuite (c, rust, assemblyscript); NAMEs pick
#   single modules (default: all of SUITE).
# Environment:
#   KILN_WASI_TESTSUITE  the testsuite folder (default: ../shared/wasi-testsuite
#                        beside the checkout)
#   KILN_WASI_TESTSUITE_OPT_LEVEL  kilnc --opt-level (default 2)
#   CI                   when "true", missing test data is a failure
# Exit status: 0 all passed, 1 a failure, 77 the test data is missing (ctest
# SKIP_RETURN_CODE: reported as not run).
set -u
if [ $# -lt 4 ]; then
  echo "usage: $0 KILNC KILN WORKDIR SUITE [NAME...]" >&2
  exit 2
fi
kilnc=$1 kiln=$2 work=$3 suite=$4
shift 4
# The modules run from their own folder: make tool paths absolute.
absolute() { case "$1" in */*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;; *) command -v "$1" ;; esac; }
kilnc=$(absolute "$kilnc") kiln=$(absolute "$kiln")
here=$(cd "$(dirname "$0")" && pwd)
default_root=$(cd "$here/../.." && pwd)/../shared/wasi-testsuite
testsuite=${KILN_WASI_TESTSUITE:-$default_root}
dir=$testsuite/$suite

if ! compgen -G "$dir/*.wasm" > /dev/null; then
  echo "wasi-testsuite: NOT RUN: no test modules in $dir (expected in ../shared/wasi-testsuite beside the checkout, or where KILN_WASI_TESTSUITE points)"
  echo "  the suite: the preview1 modules of github.com/WebAssembly/wasi-testsuite"
  echo "  (branch prod/testsuite-base), folders c/, rust/, assemblyscript/"
  if [ "${CI:-}" = "true" ]; then
    echo "wasi-testsuite: CI=true: missing test data is a failure"
    exit 1
  fi
  exit 77
fi
command -v jq > /dev/null || { echo "wasi-testsuite: jq is missing (scripts/deps.sh installs it)"; exit 1; }

mkdir -p "$work/$suite"
work=$(cd "$work/$suite" && pwd)
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for wasm in "$dir"/*.wasm; do names+=("$(basename "$wasm" .wasm)"); done
fi

passed=0 failed=0
fail() { failed=$((failed + 1)); printf 'FAIL %s/%s: %s\n' "$suite" "$1" "$2"; }

for name in "${names[@]}"; do
  wasm=$dir/$name.wasm spec=$dir/$name.json
  out=$work/$name
  # The container is kept while it is newer than both the module and kilnc.
  opt=${KILN_WASI_TESTSUITE_OPT_LEVEL:-2}
  aot=$work/$name.O$opt.aot
  rm -rf "$out"
  mkdir -p "$out"
  if [ ! -f "$spec" ]; then
    spec=$out/default.json
    echo '{}' > "$spec"
  fi
  # The legacy specification, with its defaults (SPECIFICATION.md).
  if ! jq -e 'type == "object"' "$spec" > /dev/null 2>&1; then
    fail "$name" "cannot read $spec as a JSON object"; continue
  fi
  if [ "$(jq -r 'has("operations")' "$spec")" = "true" ]; then
    fail "$name" "operation-based specification: not supported by this runner"; continue
  fi
  mapfile -d '' args < <(jq -j '(.args // [])[] | (tostring + "\u0000")' "$spec")
  mapfile -d '' envs < <(jq -j '(.env // {}) | to_entries[] | (.key + "=" + (.value | tostring) + "\u0000")' "$spec")
  root=$(jq -r '.root // empty' "$spec")
  mapfile -d '' dirs < <(jq -j '(.dirs // [])[] | (tostring + "\u0000")' "$spec")
  want_status=$(jq -r '.exit_code // 0' "$spec")
  for stream in stdout stderr; do
    if [ "$(jq -r "has(\"$stream\")" "$spec")" = "true" ]; then
      jq -j ".$stream" "$spec" > "$out/want.$stream"
    fi
  done

  if [ ! "$aot" -nt "$wasm" ] || [ ! "$aot" -nt "$kilnc" ]; then
    rm -f "$aot"
    if ! "$kilnc" --opt-level="$opt" "$wasm" -o "$aot.tmp" 2> "$out/kilnc.err"; then
      fail "$name" "kilnc: $(head -c 400 "$out/kilnc.err")"; continue
    fi
    mv "$aot.tmp" "$aot"
  fi
  run=("$kiln")
  # Fresh writable copies: the suite's folder may be read-only.
  copy_dir() {  # $1 = folder of the suite, $2 = copy
    cp -R "$dir/$1" "$2" && chmod -R u+w "$2" &&
      find "$2" -name '*.cleanup' -exec rm -rf {} +
  }
  if [ -n "$root" ]; then
    copy_dir "$root" "$out/root" || { fail "$name" "cannot copy $dir/$root"; continue; }
    run+=(--dir "$out/root::/")
  fi
  mkdir -p "$out/dirs"
  for d in "${dirs[@]}"; do
    copy_dir "$d" "$out/dirs/$d" || { fail "$name" "cannot copy $dir/$d"; continue 2; }
    run+=(--dir "$out/dirs/$d::$d")
  done
  for kv in "${envs[@]}"; do run+=(--env "$kv"); done
  (cd "$out" && "${run[@]}" "$aot" "${args[@]}" \
     < /dev/null > "$out/got.stdout" 2> "$out/got.stderr")
  status=$?
  if [ "$status" -ge 128 ]; then
    fail "$name" "killed by signal $((status - 128)): $(head -c 400 "$out/got.stderr")"
  elif [ "$status" -ne "$want_status" ]; then
    fail "$name" "exit code $status, expected $want_status: $(head -c 600 "$out/got.stderr")"
  elif [ -f "$out/want.stdout" ] && ! cmp -s "$out/want.stdout" "$out/got.stdout"; then
    fail "$name" "stdout differs:"$'\n'"$(diff -u "$out/want.stdout" "$out/got.stdout" | head -30)"
  elif [ -f "$out/want.stderr" ] && ! cmp -s "$out/want.stderr" "$out/got.stderr"; then
    fail "$name" "stderr differs:"$'\n'"$(diff -u "$out/want.stderr" "$out/got.stderr" | head -30)"
  else
    passed=$((passed + 1)); printf 'PASS %s/%s\n' "$suite" "$name"
  fi
done
printf 'wasi-testsuite %s: %d passed, %d failed\n' "$suite" "$passed" "$failed"
[ "$failed" -eq 0 ]
