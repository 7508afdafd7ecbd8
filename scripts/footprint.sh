#!/usr/bin/env bash
# Footprint of the runtime on a microcontroller: what libkiln puts into the
# firmware kiln-mcu.elf for thumbv7em-none-eabihf (Cortex-M4F) at -Os, built
# with cmake/toolchains/thumbv7em.cmake (no WASI, no signing): loader,
# linker, instances, calls, traps, host functions, the bare-metal platform
# layer and the arena. Counted from the firmware's link map after
# --gc-sections and link-time optimisation, so only what a program using
# the API links is counted; the
# C library (newlib) and the firmware's own code are not. .text is machine
# code, .rodata constants (the CPU feature table, messages), .data and .bss
# RAM. Then the RAM one example module (examples/fib.wat) uses on the board:
# the arena's peak (module state, instance, memories, tables), the stack's
# peak and the runtime's static data.
#
# usage: scripts/footprint.sh [BUILD_DIR]   (default build-mcu; configured
#        and built when missing). KILN_BUILD_DIR: the host build with kilnc.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-mcu}
host_build=${KILN_BUILD_DIR:-$root/build}
if [ ! -f "$build/firmware/kiln-mcu.elf" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/thumbv7em.cmake" \
        > /dev/null || exit 1
fi
cmake --build "$build" -j 2 --target kiln-mcu kiln-footprint > /dev/null || { echo "footprint: build failed" >&2; exit 1; }
build=$(cd "$build" && pwd)
map=$build/firmware/kiln-footprint.map
[ -f "$map" ] || { echo "footprint: no link map $map" >&2; exit 1; }

# Input sections of libkiln.a objects in the link map, summed per object
# and kind. An input section's name and its address/size line may be one
# line or two. The toolchain file builds with -flto: then libkiln's code
# reaches the link as the objects LTO emits (*.ltrans.o), counted whole as
# one row; footprint.c and vectors.c are built without LTO
# (firmware/CMakeLists.txt), so those objects hold libkiln's code alone, and
# newlib is not LTO code. A build without -flto is counted per object.
awk '
  /^Linker script and memory map/ { on = 1; next }
  !on { next }
  function hex(s,   v, i, c) {
    v = 0; s = tolower(s); sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
    return v
  }
  function account(section, size, file,   kind, obj) {
    if (file ~ /\.ltrans\.o$/) obj = "libkiln(LTO)"
    else if (file ~ /libkiln\.a\(/) {
      obj = file; sub(/.*libkiln\.a\(/, "", obj); sub(/\.c\.obj\)$/, "", obj); sub(/\)$/, "", obj)
    } else return
    if (section ~ /^\.text/) kind = "text"
    else if (section ~ /^\.rodata/) kind = "rodata"
    else if (section ~ /^\.data/) kind = "data"
    else if (section ~ /^\.bss/ || section ~ /^COMMON/) kind = "bss"
    else return
    bytes[obj, kind] += hex(size); total[kind] += hex(size); objs[obj] = 1
  }
  /^ [.A-Z]/ {
    section = $1
    if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) { account(section, $3, $4); section = "" }
    next
  }
  /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / && section != "" { account(section, $2, $3); section = ""; next }
  END {
    printf "%-16s %8s %8s %6s %6s\n", "object", ".text", ".rodata", ".data", ".bss"
    for (o in objs)
      printf "%-16s %8d %8d %6d %6d\n", o, bytes[o, "text"], bytes[o, "rodata"], bytes[o, "data"], bytes[o, "bss"] | "sort"
    close("sort")
    printf "%-16s %8d %8d %6d %6d\n", "total", total["text"], total["rodata"], total["data"], total["bss"]
    printf "runtime core (thumbv7em, -Os): .text %d bytes (%.1f KiB; target <= 24 KiB: %s), .rodata %d, .data %d, .bss %d\n",
      total["text"], total["text"] / 1024, total["text"] <= 24576 ? "met" : "NOT met",
      total["rodata"], total["data"], total["bss"]
  }' "$map"

# RAM for one example module on the board (qemu-system-arm, mps2-an386).
kilnc=$host_build/kilnc
if [ -x "$kilnc" ] && command -v wat2wasm > /dev/null && command -v qemu-system-arm > /dev/null; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  wat2wasm "$root/examples/fib.wat" -o "$work/fib.wasm" &&
    "$kilnc" --target=thumbv7em-none-eabihf --xip "$work/fib.wasm" -o "$work/fib.aot" || exit 1
  report=$(cd "$work" && timeout 60 qemu-system-arm -M mps2-an386 -nographic -monitor none \
    -semihosting-config enable=on,target=native,arg=kiln,arg=--xip-report,arg=--invoke,arg=fib,arg=fib.aot,arg=30 \
    -kernel "$build/firmware/kiln-mcu.elf" 2>&1 >/dev/null | grep '^kiln-mcu: xip:')
  echo "example examples/fib.wat (fib 30, $(stat -c %s "$work/fib.aot")-byte container in flash): ${report#kiln-mcu: xip: }"
else
  echo "example: skipped (needs $kilnc, wat2wasm and qemu-system-arm)"
fi
