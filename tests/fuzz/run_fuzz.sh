#!/usr/bin/env bash
# The continuous attack, bounded in time (.ci/run runs it briefly; a longer
# campaign is the same command with more seconds):
#   1. fuzz_loader   libFuzzer (ASan+UBSan) on the container loader, seeded
#                    with containers kilnc makes from spec and repo modules
#   2. fuzz_decoder  libFuzzer on decode + validate + codegen (kilnc_compile
#                    at -O0) + load of what it wrote, seeded with spec
#                    modules (wast2json of ../shared/spec-testsuite, or
#                    $KILN_SPEC_TESTSUITE; the repo's .wat files without it)
#   3. mutate_kilnc  flips, truncations and splices of the same modules,
#                    each compiled by the kilnc command under a CPU and
#                    memory limit
# Each stage runs SECONDS (default 60). First, every reproducer kept in
# tests/fuzz/regressions/ (.wat, one per crash found and fixed) is replayed
# through fuzz_decoder. The corruption test of containers (ctest
# fuzz.corruption) runs in every scripts/test.sh.
#
# usage: tests/fuzz/run_fuzz.sh [SECONDS]
# Environment:
#   KILN_FUZZ_CRASH_DIR  where reproducers are saved (default build-fuzz/crashes)
#   KILN_FUZZ_SEEDS      how many valid spec modules seed fuzz_decoder (default 300,
#                        picked at random each run; the corpus grows in
#                        build-fuzz/corpus-* and is kept between runs)
# Exit status: 0 when nothing crashed; 1 when a stage found a crash (its
# reproducer is in the crash folder, printed), a timeout or an out-of-memory.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-60}
build=$root/build-fuzz
plain=${KILN_BUILD_DIR:-$root/build}
crashes=${KILN_FUZZ_CRASH_DIR:-$build/crashes}
seed_count=${KILN_FUZZ_SEEDS:-300}
spec=${KILN_SPEC_TESTSUITE:-$root/../shared/spec-testsuite}
set -e
"$root/scripts/deps.sh"
# The plain build: kilnc for seeds and for the mutation driver (which limits
# its address space: no ASan there), and mutate_kilnc itself.
"$root/scripts/build.sh" > /dev/null
CC=clang-19 cmake -S "$root" -B "$build" -G Ninja -DKILN_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
ninja -C "$build" fuzz_loader fuzz_decoder > /dev/null
set +e
mkdir -p "$crashes" "$build/logs"
kilnc=$plain/kilnc

# Seeds: the spec suite's modules when present, else the repo's own.
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds/wasm-all" "$seeds/wasm-valid" "$seeds/wasm" "$seeds/aot"
if compgen -G "$spec/core/*.wast" > /dev/null; then
  echo "fuzz: seeds from the spec suite in $spec"
  json=$build/spec-json
  for wast in "$spec"/core/*.wast; do
    name=$(basename "$wast" .wast)
    if [ ! -f "$json/$name/$name.json" ] || [ "$wast" -nt "$json/$name/$name.json" ]; then
      mkdir -p "$json/$name"
      wast2json "$wast" -o "$json/$name/$name.json" 2> /dev/null || true
    fi
  done
  # Every binary module (text ones of assert_malformed are .wat), and apart
  # the valid ones (the JSON's "module" commands): most spec modules are
  # assert_invalid / assert_malformed cases, which stop before codegen.
  for f in "$json"/*/*.wasm; do
    ln -s "$f" "$seeds/wasm-all/$(basename "$f")"
  done
  jq -r '.commands[] | select(.type == "module") | .filename' "$json"/*/*.json |
    while read -r f; do
      [ -f "$seeds/wasm-all/$f" ] && ln -s "$(readlink "$seeds/wasm-all/$f")" "$seeds/wasm-valid/$f"
    done
else
  echo "fuzz: no spec suite at $spec: seeds from the repo's .wat files only"
fi
for wat in "$root"/tests/wat/*.wat "$root"/examples/*.wat; do
  wat2wasm "$wat" -o "$seeds/wasm-valid/repo-$(basename "$wat" .wat).wasm"
  cp "$seeds/wasm-valid/repo-$(basename "$wat" .wat).wasm" "$seeds/wasm-all/"
done
# libFuzzer's seeds: a fresh random sample each run, mostly valid modules.
{ ls "$seeds/wasm-valid" | shuf -n "$seed_count" | sed "s|^|$seeds/wasm-valid/|"
  ls "$seeds/wasm-all" | shuf -n $((seed_count / 6)) | sed "s|^|$seeds/wasm-all/|"
} | while read -r f; do
  ln -sf "$(readlink -f "$f")" "$seeds/wasm/$(basename "$f")"
done
# Containers for the loader: a sample of valid modules at -O0 and -O2.
i=0
ls "$seeds/wasm-valid" | shuf -n 80 | while read -r f; do
  i=$((i + 1))
  "$kilnc" --opt-level=$((i % 2 * 2)) -j 1 "$seeds/wasm-valid/$f" -o "$seeds/aot/${f%.wasm}.aot" \
    2> /dev/null || true
done
# And a pre-linked bundle (its BUNDLE section and member containers).
for m in lib util main; do
  wat2wasm "$root/tests/wat/bundle/$m.wat" -o "$seeds/bundle-$m.wasm"
done
"$kilnc" --opt-level=2 "lib=$seeds/bundle-lib.wasm" "util=$seeds/bundle-util.wasm" \
  "$seeds/bundle-main.wasm" -o "$seeds/aot/bundle.aot" 2> /dev/null || true
echo "fuzz: $(ls "$seeds/wasm-all" | wc -l) modules ($(ls "$seeds/wasm-valid" | wc -l) valid)," \
     "$(ls "$seeds/wasm" | wc -l) libFuzzer seeds, $(ls "$seeds/aot" | wc -l) containers;" \
     "${seconds} s per stage; reproducers go to $crashes"

# Sanitizer reports stop the run (UBSan would otherwise only print).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
summary=()

# Known reproducers first: each must now pass.
mkdir -p "$build/regressions"
for wat in "$root"/tests/fuzz/regressions/*.wat; do
  wat2wasm "$wat" -o "$build/regressions/$(basename "$wat" .wat).wasm"
done
if "$build/fuzz_decoder" "$build"/regressions/*.wasm > "$build/logs/regressions.log" 2>&1; then
  summary+=("regressions: $(ls "$build"/regressions/*.wasm | wc -l) reproducers replayed, no crash")
else
  status=1
  grep -E 'ERROR|runtime error|Running' "$build/logs/regressions.log" | tail -6
  summary+=("regressions: FAILED (see $build/logs/regressions.log)")
fi

run_libfuzzer() {  # $1 = harness, $2 = seed folder
  local name=$1 corpus=$build/corpus-${1#fuzz_} log=$build/logs/$1.log
  mkdir -p "$corpus"
  "$build/$name" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -max_len=65536 \
    -artifact_prefix="$crashes/$name-" -print_final_stats=1 "$corpus" "$2" > "$log" 2>&1
  local rc=$?
  local runs
  runs=$(grep -oE 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz: $name FAILED (exit $rc); last lines of $log:"
    grep -E 'ERROR|SUMMARY|Test unit written|artifact' "$log" | tail -8
    summary+=("$name: FAILED, reproducer in $crashes ($(grep -c . "$log") log lines: $log)")
  else
    summary+=("$name: ${runs:-no stats} ($(ls "$corpus" | wc -l) in corpus), no crash")
  fi
}
run_libfuzzer fuzz_loader "$seeds/aot"
run_libfuzzer fuzz_decoder "$seeds/wasm"

"$plain/tests/mutate_kilnc" --seconds="$seconds" --timeout=20 --memory-mb=4096 \
  --work="$build/mutate-work" --crash-dir="$crashes" "$kilnc" "$seeds/wasm-valid" \
  > "$build/logs/mutate_kilnc.log" 2>&1
rc=$?
grep -E '^(CRASH|  saved|  reproduce)' "$build/logs/mutate_kilnc.log" | head -30
last=$(tail -1 "$build/logs/mutate_kilnc.log")
if [ $rc -ne 0 ]; then
  status=1
  summary+=("mutate_kilnc: FAILED: ${last#mutate_kilnc: }")
else
  summary+=("mutate_kilnc: ${last#mutate_kilnc: }")
fi

echo "fuzz summary (${seconds} s per stage):"
for line in "${summary[@]}"; do echo "  $line"; done
if [ $status -ne 0 ]; then
  echo "fuzz: crashes found; reproducers in $crashes:"
  ls -l "$crashes" | grep -v '^total' | grep -v ' limits$'
fi
exit $status
