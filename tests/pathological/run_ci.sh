#!/bin/sh
# ctest -L pathological: pathological but valid modules (tests/pathological/
# gen.py) compile at -O0 and -O2 and compute the right answer, and modules
# past an implementation limit are refused with the limit's name. The sizes
# are the ones that finish in seconds; measure.sh times the full set.
#
# usage: run_ci.sh KILNC KILN WORKDIR
set -u
kilnc=$1
kiln=$2
work=$3
here=$(dirname "$0")
rm -rf "$work"
mkdir -p "$work"
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# case=N, then the export "run" called with ARG must print WANT ("-": only
# compile; "refuse:TEXT": kilnc must fail naming TEXT).
check() {
    spec=$1 arg=$2 want=$3
    python3 "$here/gen.py" "$work" "$spec" || { fail "gen.py $spec"; return; }
    case_name=$(echo "$spec" | sed 's/=/_/')
    wasm="$work/$case_name.wasm"
    for level in 0 2; do
        aot="$work/$case_name.O$level.aot"
        "$kilnc" --opt-level=$level "$wasm" -o "$aot" >"$work/out" 2>&1
        rc=$?
        case $want in
        refuse:*)
            text=${want#refuse:}
            if [ $rc -eq 0 ] || ! grep -q "$text" "$work/out"; then
                fail "$spec -O$level: wanted a refusal naming $text, got exit $rc:"
                cat "$work/out"
            fi
            continue ;;
        esac
        if [ $rc -ne 0 ]; then
            fail "$spec -O$level: kilnc exit $rc"
            cat "$work/out"
            continue
        fi
        if [ "$want" != - ]; then
            got=$("$kiln" --invoke run "$aot" $arg 2>&1)
            [ "$got" = "$want" ] || fail "$spec -O$level: run $arg printed '$got', wanted '$want'"
        fi
        rm -f "$aot"
    done
    echo "ok $spec"
}

check nested_blocks=100000 "" 7
check locals=20000 5 20003
check locals_over=50001 "" "refuse:too many locals"
check params_results=1000 "" 999
check functions=1000 "" 1
check types=1000000 "" -
check types_over=1000001 "" "refuse:WASM_MAX_TYPES"
check br_table=65520 13 5
check br_table_wide=65520 4000 4000
check br_table_full=16380 16000 16000
check br_table_over=1000000 "" "refuse:WASM_MAX_BR_TABLE_TARGETS"
check imports=100000 "" -
check imports_over=1000000 "" "refuse:WASM_MAX_IMPORTS"

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all pathological cases ok"
