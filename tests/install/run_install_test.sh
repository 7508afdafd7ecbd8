#!/usr/bin/env bash
# Installs kiln into a temporary prefix and builds the out-of-tree example
# project examples/embed against it twice: with CMake (find_package(kiln),
# kiln_precompile) and with make through pkg-config. Both precompile fib.wasm
# at build time, embed it and run it, link it statically (kilnc
# --format=object, run through kiln_module_load_linked) and compile it at
# run time with libkilnc.
#
# usage: run_install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR [EXTRA_CFLAGS]
# EXTRA_CFLAGS (e.g. -fsanitize=address,undefined in a sanitized build, whose
# libraries need the sanitizer runtimes) go to both example builds.
set -u
build=$1 src=$2 work=$3 extra=${4:-}
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"
failed=0
fail() { echo "FAIL: $*"; failed=1; }
expect() { # what expected command...
    local what=$1 want=$2; shift 2
    local got
    got=$("$@" 2>&1)
    if [ "$got" = "$want" ]; then echo "ok: $what"; else fail "$what: expected '$want', got '$got'"; fi
}

if ! cmake --install "$build" --prefix "$prefix" > "$work/install.log" 2>&1; then
    cat "$work/install.log"; echo "FAIL: cmake --install"; exit 1
fi
for f in bin/kilnc bin/kiln bin/kiln-objdump lib/libkiln.a lib/libkiln.so lib/libkilnc.a \
         include/kiln.h include/kiln_compiler.h include/kiln/status.h include/kiln_wasi.h \
         lib/pkgconfig/kiln.pc lib/pkgconfig/kilnc.pc lib/cmake/kiln/kilnConfig.cmake \
         lib/cmake/kiln/KilnPrecompile.cmake; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done

# 0. The installed libraries export their API only: libkiln kiln_*, libkilnc
# kilnc_* (and the two kiln/status.h functions, weak).
check_symbols() { # library nm-options allowed-regex
    local lib=$1 opts=$2 allowed=$3 all bad
    all=$(nm $opts --defined-only "$prefix/lib/$lib" 2>/dev/null |
          awk '$2 ~ /^[TDBRVWGSiu]$/ {print $3}' | sort -u)
    bad=$(printf '%s\n' "$all" | grep -vE "$allowed" | grep -v '^$')
    if [ -n "$bad" ]; then
        fail "$lib exports symbols outside its API: $(echo $bad | head -c 400)"
    else
        echo "ok: $lib exports $(printf '%s\n' "$all" | grep -c .) symbols, all of its API"
    fi
}
check_symbols libkiln.a -g '^kiln_'
check_symbols libkiln.so -D '^kiln_'
check_symbols libkilnc.a -g '^(kilnc_|kiln_status_name$|kiln_trap_message$)'

# 1. CMake: find_package(kiln) + kiln_precompile.
if cmake -S "$src/examples/embed" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" > "$work/cmake.log" 2>&1 && cmake --build "$work/cmake" >> "$work/cmake.log" 2>&1; then
    expect "cmake: embedded container" 12586269025 "$work/cmake/embed_fib" 50
    expect "cmake: compiled at run time (kiln::compiler)" 12586269025 \
        "$work/cmake/compile_run" "$work/cmake/fib.wasm" 50
    expect "cmake: linked statically (FORMAT object, kiln_module_load_linked)" 12586269025 \
        "$work/cmake/embed_fib_object" 50
    # Linked, not mapped: the program's own text holds the code, and the
    # object exports only the record (its functions are local).
    if nm "$work/cmake/embed_fib_object" | grep -q ' [DdRr] fib_linked_code$' &&
        ! nm -g "$work/cmake/embed_fib_object" | grep -q ' kiln_f0$'; then
        echo "ok: cmake: the object defines fib_linked_code, kiln_f0 stays local"
    else
        fail "cmake: FORMAT object symbols"
    fi
else
    cat "$work/cmake.log"; fail "cmake build of examples/embed"
fi

# 2. make + pkg-config (shared and static libkiln, and libkilnc).
mkdir -p "$work/make"
if PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make -C "$src/examples/embed" O="$work/make" \
        CFLAGS="-O2 -Wall -Wextra $extra" > "$work/make.log" 2>&1; then
    expect "make: shared libkiln" 12586269025 "$work/make/embed_fib" 50
    expect "make: static libkiln (pkg-config --static)" 12586269025 "$work/make/embed_fib_static" 50
    expect "make: linked statically (kilnc --format=object, kiln_module_load_linked)" \
        12586269025 "$work/make/embed_fib_object" 50
    expect "make: libkilnc" 12586269025 "$work/make/compile_run" "$work/make/fib.wasm" 50
    if ldd "$work/make/embed_fib" | grep -q "$prefix.*libkiln.so"; then
        echo "ok: make: embed_fib uses the installed libkiln.so"
    else
        fail "make: embed_fib does not use $prefix/lib/libkiln.so"
    fi
else
    cat "$work/make.log"; fail "make build of examples/embed"
fi
[ $failed = 0 ] && echo "install test passed"
exit $failed
