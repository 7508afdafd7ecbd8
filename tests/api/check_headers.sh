#!/usr/bin/env bash
# Every public header compiles alone in a translation unit (C11 and C++ when
# a C++ compiler exists) with -Wall -Wextra -Wpedantic -Werror, and the
# layering holds: kiln.h does not pull in the container format or code ABI,
# kiln_compiler.h does not pull in the runtime API.
# Usage: check_headers.sh <include dir> <C compiler> [C++ compiler]
set -u
inc=$1 cc=$2 cxx=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
headers=$(cd "$inc" && find . -name '*.h' | sed 's|^\./||' | sort)
for h in $headers; do
    printf '#include "%s"\n#include "%s"\nint kiln_header_check;\n' "$h" "$h" >"$work/t.c"
    if ! "$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I "$inc" "$work/t.c" \
        2>"$work/err"; then
        echo "FAIL: $h does not compile alone (C11):"; cat "$work/err"; fail=1
    fi
    if [ -n "$cxx" ] && command -v "$cxx" >/dev/null; then
        cp "$work/t.c" "$work/t.cpp"
        if ! "$cxx" -std=c++11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I "$inc" \
            "$work/t.cpp" 2>"$work/err"; then
            echo "FAIL: $h does not compile alone (C++11):"; cat "$work/err"; fail=1
        fi
    fi
done
# Layering: what each entry header must not bring in.
check_absent() { # header macro why
    printf '#include "%s"\n#ifdef %s\n#error "%s"\n#endif\nint kiln_header_check;\n' \
        "$1" "$2" "$3" >"$work/l.c"
    if ! "$cc" -std=c11 -fsyntax-only -I "$inc" "$work/l.c" 2>"$work/err"; then
        echo "FAIL: $(grep -o '#error.*' "$work/err" | head -1)"; fail=1
    fi
}
check_absent kiln.h KILN_AOT_FORMAT_H "kiln.h includes the container format (kiln/aot_format.h)"
check_absent kiln_compiler.h KILN_H "kiln_compiler.h includes the runtime API (kiln.h)"
check_absent kiln_compiler.h KILN_AOT_FORMAT_H "kiln_compiler.h includes kiln/aot_format.h"
check_absent kiln/status.h KILN_H "kiln/status.h includes the runtime API"
[ $fail = 0 ] && echo "public headers: $(echo $headers | wc -w) checked, all compile alone"
exit $fail
