#!/usr/bin/env bash
# Cross test: the runtime built for ARCH with Debian's cross compiler, the
# spec suite (core, as tests/spec runs it, and threads), the WASI C
# programs, the trap tests of tests/e2e and the native host-function test
# precompiled on this x86-64 host with kilnc --target, run under qemu-user. Prints "SUITE: N passed, N
# failed" per suite, and the wall time of each step; exits 1 when anything
# failed.
#
# usage: tests/cross/run.sh ARCH [WORKDIR]
#   ARCH     aarch64 | riscv64 | armv7
#   WORKDIR  default: $KILN_BUILD_DIR (or build)/cross-ARCH
# Environment:
#   KILN_BUILD_DIR  the host build with kilnc and tests/kiln-spec (default build)
#   KILN_CROSS_JOBS ninja -j for the cross build (default 2)
set -uo pipefail
arch=${1:-}
# Per architecture: kilnc's triple, Debian's cross-compiler prefix (also
# the sysroot's name under /usr) and qemu-user's name for it.
all_archs="aarch64 riscv64 armv7"
arch_facts() {  # $1 arch -> sets triple, gnu, qemu
  case "$1" in
    aarch64) triple=aarch64-linux-gnu gnu=aarch64-linux-gnu qemu=qemu-aarch64 ;;
    riscv64) triple=riscv64-linux-gnu gnu=riscv64-linux-gnu qemu=qemu-riscv64 ;;
    armv7) triple=armv7-linux-gnueabihf gnu=arm-linux-gnueabihf qemu=qemu-arm ;;
    *) return 1 ;;
  esac
}
arch_facts "$arch" || { echo "usage: $0 aarch64|riscv64|armv7 [WORKDIR]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
host_build=$(cd "${KILN_BUILD_DIR:-$root/build}" && pwd) || exit 2
work=${2:-$host_build/cross-$arch}
mkdir -p "$work"
work=$(cd "$work" && pwd)
sysroot=/usr/$gnu
kilnc=$host_build/kilnc
kiln_spec=$host_build/tests/kiln-spec
for tool in "$kilnc" "$kiln_spec" "$gnu-gcc" "$qemu" wat2wasm; do
  command -v "$tool" > /dev/null || { echo "cross: missing $tool" >&2; exit 2; }
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
status=0

# 1. The runtime for ARCH (libkiln, kiln, kiln-spec-rt).
t0=$(now)
build=$work/build
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$arch.cmake" > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
ninja -C "$build" -j "${KILN_CROSS_JOBS:-2}" > "$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; exit 1; }
text=$("$gnu-size" -A "$build/libkiln.a" 2>/dev/null | awk '$1 == ".text" { s += $2 } END { print s + 0 }')
echo "cross $arch: runtime built in $(elapsed "$t0") (libkiln .text $text bytes)"

# Programs for ARCH run through these wrappers (qemu-user, ARCH's libc).
for prog in kiln kiln-spec-rt native_host bundle_host; do
  bin=$build/$prog
  [ "$prog" != kiln ] && bin=$build/tests/$prog
  printf '#!/bin/sh\nexec %s -L %s %s "$@"\n' "$qemu" "$sysroot" "$bin" > "$work/$prog"
  chmod +x "$work/$prog"
done

# 2. A container for another architecture is refused, naming both.
printf '\0asm\1\0\0\0' > "$work/empty.wasm"
"$kilnc" "$work/empty.wasm" -o "$work/host.aot" &&
  "$kilnc" --target="$triple" "$work/empty.wasm" -o "$work/$arch.aot" || exit 1
check_refused() {  # $1 runner, $2 container, $3 container arch, $4 runtime arch
  local out
  out=$("$1" "$2" 2>&1)
  if [ $? -ne 0 ] && [[ "$out" == *"$3"* ]] && [[ "$out" == *"$4"* ]]; then
    echo "cross $arch: $3 container refused by the $4 runtime: ok"
  else
    echo "cross $arch: FAIL: $3 container on the $4 runtime: $out"; status=1
  fi
}
check_refused "$work/kiln" "$work/host.aot" x86_64 "$arch"
check_refused "$host_build/kiln" "$work/$arch.aot" "$arch" x86_64
# Every other cross architecture's container on this one (each ARCH's run
# covers its row, so the three runs cover every pair).
for other in $all_archs; do
  [ "$other" = "$arch" ] && continue
  other_triple=$(arch_facts "$other" && echo "$triple")
  "$kilnc" --target="$other_triple" "$work/empty.wasm" -o "$work/$other.aot" || exit 1
  check_refused "$work/kiln" "$work/$other.aot" "$other" "$arch"
done

# 3. The spec suite: kiln-spec --compile-to on the host, then kiln-spec-rt
# on ARCH, one process per file: qemu-user keeps page bookkeeping for every
# guard reservation a process ever made (about 60 MB per 8 GiB memory), so
# one process for the whole suite runs out of memory.
spec_suite() {  # $1 suite, [$2 file list]
  local t aot log counts flags=()
  t=$(now)
  aot=$work/aot-$1
  rm -rf "$aot"
  mkdir -p "$aot"
  log=$work/spec-$1
  KILN_SPEC_ARGS="--compile-to $aot --target=$triple" \
    "$root/tests/spec/run_spec.sh" "$kiln_spec" "$work/spec" "$1" ${2:+"$2"} > "$log.compile.log" 2>&1 ||
    { echo "cross $arch: spec $1: compiling failed:"; tail -20 "$log.compile.log"; status=1; }
  echo "cross $arch: spec $1: compiled for $triple in $(elapsed "$t")"
  t=$(now)
  [ "$1" = threads ] &&
    flags=("--expected-differences=$root/tests/spec/threads_expected_differences.txt")
  local jsons
  jsons=$(find "$work/spec/$1" -name '*.json' | wc -l)
  find "$work/spec/$1" -name '*.json' | sort |
    xargs -P "${KILN_CROSS_JOBS:-2}" -I{} "$work/kiln-spec-rt" "${flags[@]}" --aot-dir "$aot" {} \
    > "$log.log" 2>&1
  grep -E '^[^ ]+\.json: ' "$log.log" | grep -v ' 0 failed' | head -20
  counts=$(awk '/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3; n++ }
                END { if (n) printf "%d passed, %d failed (%d files)", p, f, n }' "$log.log")
  echo "cross $arch: spec $1: ${counts:-did not run} ($(elapsed "$t") under $qemu)"
  # Every file must report (a crashed process reports nothing) and pass.
  case "$counts" in *", 0 failed ($jsons files)") ;; *) status=1 ;; esac
}
spec_suite core "$root/tests/spec/core_passing.txt"
spec_suite threads

# 4. The WASI programs (the host's native build is the reference).
t0=$(now)
KILNC_FLAGS="--target=$triple" "$root/tests/wasi/run_wasi_test.sh" "$kilnc" "$work/kiln" \
  "$work/wasi" > "$work/wasi.log" 2>&1 || status=1
grep FAIL "$work/wasi.log"
echo "cross $arch: $(grep -E '^wasi: ' "$work/wasi.log" || echo 'wasi: did not finish') ($(elapsed "$t0"))"

# 5. Traps and backtraces: end-to-end tests (tests/e2e, each at -O0, -O2,
# -O3) run with kiln for ARCH. Out-of-bounds accesses, stack exhaustion,
# integer division and overflow, unreachable and invalid conversions must
# each end as "kiln: trap: <message>" with exit status 1 (a death by signal
# fails), and backtraces name the wasm frames.
t0=$(now)
printf '#!/bin/sh\nexec %s --target=%s "$@"\n' "$kilnc" "$triple" > "$work/kilnc"
chmod +x "$work/kilnc"
e2e_passed=0 e2e_failed=0
for t in int_arith memory calls_stack control conversions backtrace; do
  "$root/tests/e2e/run_e2e.sh" "$root/tests/e2e/$t.test" "$work/kilnc" "$work/kiln" \
    "$(command -v wat2wasm)" "$work/e2e" > "$work/e2e-$t.log" 2>&1 || status=1
  grep '^FAIL' "$work/e2e-$t.log" | head -5
  counts=$(tail -1 "$work/e2e-$t.log")
  case "$counts" in
    "$t: "*" passed, "*" failed")
      counts=${counts#"$t: "}
      e2e_passed=$((e2e_passed + ${counts%% *}))
      counts=${counts#* passed, }
      e2e_failed=$((e2e_failed + ${counts%% *})) ;;
    *) echo "cross $arch: e2e $t did not finish"; status=1 ;;
  esac
done
echo "cross $arch: traps and backtraces (e2e): $e2e_passed passed, $e2e_failed failed ($(elapsed "$t0"))"

# 5b. Pre-linked bundles (tests/e2e/run_bundle_test.sh): modules compiled
# into one container for ARCH, run by kiln and bundle_host for ARCH.
t0=$(now)
"$root/tests/e2e/run_bundle_test.sh" "$work/kilnc" "$work/kiln" "$(command -v wat2wasm)" \
  "$work/bundle_host" "$work/bundle" > "$work/bundle.log" 2>&1 || status=1
grep '^FAIL' "$work/bundle.log" | head -5
echo "cross $arch: $(grep -E '^bundle: ' "$work/bundle.log" || echo 'bundle: did not finish') ($(elapsed "$t0"))"

# 6. Native host functions (tests/native): fill.c built for wasm32-wasi,
# precompiled for ARCH, run by native_host built for ARCH: checked pointers,
# and many mixed i32/i64/f32/f64 parameters placed as ARCH's C calling
# convention places them (RISC-V's NaN-boxed f32, Arm's VFP back-filling).
t0=$(now)
"$root/tests/native/run_native_test.sh" "$work/kilnc" "$work/native_host" "$work/native" \
  > "$work/native.log" 2>&1
native_status=$?
grep '^FAIL' "$work/native.log"
native_counts="$(grep -c '^ok' "$work/native.log") passed, $(grep -c '^FAIL' "$work/native.log") failed"
case "$native_status" in
  0) ;;
  77) native_counts="skipped ($(tail -1 "$work/native.log"))" ;;
  *) status=1; tail -3 "$work/native.log" ;;
esac
echo "cross $arch: native host functions: $native_counts ($(elapsed "$t0"))"
exit "$status"
