#!/usr/bin/env bash
# Runs the programs in bench/programs under native clang -O2 (and -O2
# -march=native), kiln, wasm2c, node and, when WAMR_DIR holds wamrc and
# iwasm, WAMR's AOT; checks every runner prints the native checksum; times
# all runners of one program in the same invocation, alternating (user+sys
# CPU seconds, median of REPS rounds); prints ratios to native -O2 and the
# geometric mean per runner, then kilnc's (and wamrc's) compile wall time
# and peak memory, container sizes, load+instantiate time, the runtime's
# .text. Not a test.
#
# usage: bench/compare.sh [BUILD_DIR]
# environment: REPS (default 3), PROGRAMS ("gemm sort ..." default all),
#   RUNNERS (default "native native-march kiln wasm2c node" + wamr),
#   WAMR_DIR (directory with wamrc and iwasm, as bench/build_wamr.sh
#   WAMR_SOURCE_DIR WAMR_DIR builds them from WAMR 2.4.5's sources),
#   KILNC_FLAGS (extra flags).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
work=$build/bench/compare
mkdir -p "$work"
reps=${REPS:-3}
programs=${PROGRAMS:-$(cd "$root/bench/programs" && ls *.c | sed 's/\.c$//' | tr '\n' ' ')}
runners=${RUNNERS:-"native native-march kiln wasm2c node"}
if [ -n "${WAMR_DIR:-}" ] && [ -z "${RUNNERS:-}" ]; then runners="$runners wamr"; fi
cc=clang-19
w2c_rt=/usr/src/wasm2c   # wasm-rt-impl.c, wasm-rt-impl.h (package wabt)

ninja -C "$build" kilnc-cli kiln-cli kiln-load-bench >/dev/null

# compile table rows: program tool seconds peak_kib
: > "$work/compile.txt"
timed() {  # timed PROGRAM TOOL cmd... : wall time and peak RSS of one command
  local prog=$1 tool=$2; shift 2
  /usr/bin/time -f "%e %M" -o "$work/time.tmp" "$@"
  echo "$prog $tool $(cat "$work/time.tmp")" >> "$work/compile.txt"
}

for p in $programs; do
  src=$root/bench/programs/$p.c
  d=$work/$p
  mkdir -p "$d"
  # -ffp-contract=off: wasm has no fused multiply-add, and the checksums
  # must match bit for bit.
  $cc -O2 -ffp-contract=off -o "$d/native" "$src" -lm
  $cc -O2 -march=native -ffp-contract=off -Wno-invalid-feature-combination \
    -o "$d/native-march" "$src" -lm
  $cc --target=wasm32-wasi --sysroot=/usr -O2 -o "$d/$p.wasm" "$src"
  timed "$p" kilnc "$build/kilnc" ${KILNC_FLAGS:-} "$d/$p.wasm" -o "$d/$p.aot"
  case " $runners " in *" wasm2c "*)
    wasm2c -n prog "$d/$p.wasm" -o "$d/prog.c"
    $cc -O2 -I "$d" -I "$w2c_rt" -o "$d/wasm2c" "$d/prog.c" \
      "$root/bench/runners/wasm2c_main.c" "$w2c_rt/wasm-rt-impl.c" -lm ;;
  esac
  case " $runners " in *" wamr "*)
    timed "$p" wamrc "$WAMR_DIR/wamrc" -o "$d/$p.wamr.aot" "$d/$p.wasm" >/dev/null ;;
  esac
done

python3 "$root/bench/compare_time.py" --work "$work" --reps "$reps" \
  --build "$build" --root "$root" --wamr "${WAMR_DIR:-}" \
  --programs $programs --runners $runners
