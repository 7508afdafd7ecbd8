#!/usr/bin/env bash
# Ruby 3.3 on kiln: fetches the npm package @ruby/3.3-wasm-wasi (pinned
# below; kept in WORKDIR, never in the repository), precompiles
# dist/ruby+stdlib.wasm with kilnc (once per kilnc build, timed with
# /usr/bin/time -v when present: WORKDIR/kilnc-time.log), then drives it
# with ruby_host (tests/ruby/ruby_host.c) and checks its output.
#
# usage: run_ruby_test.sh KILNC RUBY_HOST WORKDIR [OPT_LEVEL]   (default 0)
# Needs npm to fetch the package; without it the test says so and fails.
set -u
kilnc=$1 host=$2 work=$3 opt=${4:-0}
package="@ruby/3.3-wasm-wasi@2.10.1"
mkdir -p "$work"
failed=0 passed=0
fail() { failed=$((failed + 1)); printf 'FAIL ruby: %s\n' "$*"; }
pass() { passed=$((passed + 1)); }

wasm="$work/package/dist/ruby+stdlib.wasm"
if [ ! -f "$wasm" ]; then
  if ! command -v npm > /dev/null 2>&1; then
    echo "FAIL ruby: npm is not installed; it is needed to fetch $package (apt-get install npm)"
    exit 1
  fi
  echo "fetching $package with npm pack"
  if ! tarball=$(cd "$work" && npm pack --silent "$package" 2> "$work/npm.err"); then
    echo "FAIL ruby: npm pack $package failed: $(cat "$work/npm.err")"
    exit 1
  fi
  if ! tar -xzf "$work/$tarball" -C "$work" package/dist/ruby+stdlib.wasm; then
    echo "FAIL ruby: $tarball has no package/dist/ruby+stdlib.wasm"
    exit 1
  fi
  rm -f "$work/$tarball"
fi

aot="$work/ruby-O$opt.aot"
if [ ! -f "$aot" ] || [ "$kilnc" -nt "$aot" ] || [ "$wasm" -nt "$aot" ]; then
  echo "compiling ruby+stdlib.wasm ($(stat -c %s "$wasm") bytes) with kilnc --opt-level=$opt"
  timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o "$work/kilnc-time.log")
  if ! "${timer[@]}" "$kilnc" --opt-level="$opt" "$wasm" -o "$aot.tmp" 2> "$work/kilnc.err"; then
    echo "FAIL ruby: kilnc failed on ruby+stdlib.wasm: $(tail -5 "$work/kilnc.err")"
    rm -f "$aot.tmp"
    exit 1
  fi
  mv "$aot.tmp" "$aot"
  if [ -f "$work/kilnc-time.log" ]; then
    grep -E 'Elapsed|Maximum resident' "$work/kilnc-time.log" | sed 's/^[[:space:]]*/kilnc: /'
  fi
  echo "container: $(stat -c %s "$aot") bytes"
fi

dir="$work/tmpdir"
rm -rf "$dir" && mkdir -p "$dir"
printf 'hello from the preopened dir\n' > "$dir/hello.txt"

out=$(timeout -k 5 300 "$host" "$aot" "$dir" \
        'puts [1,2,3].sum' \
        'puts File.read("/tmp/hello.txt")' \
        'raise "deliberate"' \
        'puts :after_exception' 2> "$work/host.err")
status=$?
err=$(cat "$work/host.err")
if [ "$status" -ne 0 ]; then
  fail "ruby_host exited with $status: $err"
else
  pass
fi
expected=$'6\nhello from the preopened dir\nafter_exception'
if [ "$out" == "$expected" ]; then pass; else fail "stdout '$out', expected '$expected'"; fi
mapfile -t statuses < <(grep -E '^status ' "$work/host.err" | awk '{print $2}')
if [ "${#statuses[@]}" -eq 4 ] && [ "${statuses[0]}" = 0 ] && [ "${statuses[1]}" = 0 ] &&
   [ "${statuses[2]}" != 0 ] && [ "${statuses[3]}" = 0 ]; then
  pass
else
  fail "statuses '${statuses[*]}', expected 0, 0, non-zero (the exception), 0 (stderr '$err')"
fi
printf 'ruby: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
