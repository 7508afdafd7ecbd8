#!/usr/bin/env bash
# Runs one end-to-end test script: .wat -> wat2wasm -> kilnc -> kiln.
#
# usage: run_e2e.sh TEST KILNC KILN WAT2WASM WORKDIR
#
# A test script is a list of lines ('#' starts a comment):
#   module FILE.wat            the module under test (relative to tests/wat/)
#   opt-levels 0 3             compile and check at each level (default: 0 2 3)
#   kilnc-args ARGS...         extra kilnc options
#   wat2wasm-args ARGS...      extra wat2wasm options (e.g. --debug-names)
#   setenv NAME=VALUE          put NAME in the environment kiln and kilnc run in
#   invoke NAME ARGS... => RESULTS...       results printed one per line
#   invoke NAME ARGS... => trap MESSAGE     kiln must exit 1 with "kiln: trap: MESSAGE"
#   run ARGS... => exit N [stdout TEXT]     run the module's _start/main
#   kiln ARGS... => exit N [stderr TEXT]    any kiln command line ({} = the .aot)
#   kilnc ARGS... => exit N [stderr TEXT]   any kilnc command line ({} = the .wasm)
#   ir-has REGEX / ir-lacks REGEX            the module's optimised LLVM IR (kilnc
#                              --format=llvm-ir, same level and kilnc-args) has a
#                              line matching the extended REGEX / has none
# Each check is counted; the script prints "N passed, N failed" and exits 1 on
# any failure. A death by signal is always a failure.
set -u
test_file=$1 kilnc=$2 kiln=$3 wat2wasm=$4 work=$5
here=$(cd "$(dirname "$0")" && pwd)
wat_dir="$here/../wat"
name=$(basename "$test_file" .test)
mkdir -p "$work"
passed=0 failed=0

fail() { failed=$((failed + 1)); printf 'FAIL %s: %s\n' "$name" "$*"; }
pass() { passed=$((passed + 1)); }

module="" opt_levels="0 2 3" kilnc_args="" wat2wasm_args=""
while IFS= read -r line; do
  case "$line" in
    module\ *) module=${line#module } ;;
    opt-levels\ *) opt_levels=${line#opt-levels } ;;
    kilnc-args\ *) kilnc_args=${line#kilnc-args } ;;
    wat2wasm-args\ *) wat2wasm_args=${line#wat2wasm-args } ;;
    setenv\ *=*) export "${line#setenv }" ;;
  esac
done < "$test_file"

wasm=""
if [ -n "$module" ]; then
  wasm="$work/$name.wasm"
  # shellcheck disable=SC2086 # wat2wasm_args is a word list
  if ! "$wat2wasm" $wat2wasm_args "$wat_dir/$module" -o "$wasm" 2> "$work/$name.wat2wasm.err"; then
    fail "wat2wasm $module: $(cat "$work/$name.wat2wasm.err")"
    printf '%s: %d passed, %d failed\n' "$name" "$passed" "$failed"
    exit 1
  fi
fi

# check_status WHAT STATUS: a status above 128 means a signal killed it.
died_by_signal() { [ "$1" -ge 128 ]; }

check_ir() {  # $1 = opt level, $2 = the ir-has/ir-lacks line
  local opt=$1 verb=${2%% *} regex=${2#* } ll="$work/$name.O$1.ll"
  if [ ! -s "$ll" ]; then
    # shellcheck disable=SC2086
    if ! "$kilnc" --opt-level="$opt" $kilnc_args --format=llvm-ir "$wasm" -o "$ll" \
        2> "$work/$name.kilnc-ir.err"; then
      fail "O$opt: kilnc --format=llvm-ir failed: $(cat "$work/$name.kilnc-ir.err")"; return
    fi
  fi
  if grep -qE -- "$regex" "$ll"; then
    [ "$verb" = ir-has ] && pass || fail "O$opt: IR has a line matching '$regex'"
  else
    [ "$verb" = ir-lacks ] && pass || fail "O$opt: IR has no line matching '$regex'"
  fi
}

run_checks() {  # $1 = .aot file, $2 = opt level
  local aot=$1 opt=$2 line lhs rhs out err status
  while IFS= read -r line; do
    case "$line" in
      invoke\ *|run\ *|run|kiln\ *|kilnc\ *) ;;
      ir-has\ *|ir-lacks\ *) check_ir "$opt" "$line"; continue ;;
      *) continue ;;
    esac
    lhs=${line%% => *} rhs=${line#* => }
    local verb=${lhs%% *} args=""
    [ "$lhs" != "$verb" ] && args=${lhs#* }
    local -a argv
    read -r -a argv <<< "$args"
    local i
    for i in "${!argv[@]}"; do
      case "${argv[$i]}" in
        "{}") argv[$i]=$aot ;;
        "{wasm}") argv[$i]=$wasm ;;
        "{truncated}") argv[$i]=$work/$name.truncated.wasm ;;
        "{damaged}") argv[$i]=$work/$name.damaged.aot ;;
      esac
    done
    local -a cmd
    case "$verb" in
      invoke) cmd=("$kiln" --invoke "${argv[0]}" "$aot" "${argv[@]:1}") ;;
      run) cmd=("$kiln" "$aot" "${argv[@]}") ;;
      kiln) cmd=("$kiln" "${argv[@]}") ;;
      kilnc) cmd=("$kilnc" "${argv[@]}") ;;
    esac
    # A hang is a failure too, not a stuck test run.
    out=$(timeout -k 5 60 "${cmd[@]}" 2> "$work/$name.stderr"); status=$?
    if [ "$status" -eq 124 ]; then
      fail "O$opt: $lhs: timed out after 60 s"; continue
    fi
    err=$(cat "$work/$name.stderr")
    local where="O$opt: $lhs"
    if died_by_signal "$status"; then
      fail "$where: killed by signal (status $status) $err"; continue
    fi
    case "$rhs" in
      trap\ *)
        local msg=${rhs#trap }
        # The first stderr line is the trap; a backtrace may follow.
        if [ "$status" -eq 1 ] && [ "${err%%$'\n'*}" = "kiln: trap: $msg" ]; then
          pass
        else
          fail "$where: expected trap '$msg', got status $status stderr '$err' stdout '$out'"
        fi ;;
      exit\ *)
        local rest=${rhs#exit } want_status want_text=""
        want_status=${rest%% *}
        [ "$rest" != "$want_status" ] && want_text=${rest#* }
        if [ "$status" -ne "$want_status" ]; then
          fail "$where: expected exit $want_status, got $status (stderr '$err')"; continue
        fi
        case "$want_text" in
          "") pass ;;
          stdout\ *) if [[ "$out" == *"${want_text#stdout }"* ]]; then pass; else fail "$where: stdout '$out' lacks '${want_text#stdout }'"; fi ;;
          stderr\ *) if [[ "$err" == *"${want_text#stderr }"* ]]; then pass; else fail "$where: stderr '$err' lacks '${want_text#stderr }'"; fi ;;
        esac ;;
      *)
        local want got
        want=$(printf '%s\n' $rhs)
        got=$out
        if [ "$status" -ne 0 ] || [ "$got" != "$want" ]; then
          fail "$where: expected '$(echo $want)', got '$(echo $got)' (status $status, stderr '$err')"
        else pass; fi ;;
    esac
  done < "$test_file"
}

if [ -z "$module" ]; then
  run_checks "" none
else
  for opt in $opt_levels; do
    aot="$work/$name.O$opt.aot"
    rm -f "$work/$name.O$opt.ll"
    # shellcheck disable=SC2086
    if ! "$kilnc" --opt-level="$opt" $kilnc_args "$wasm" -o "$aot" 2> "$work/$name.kilnc.err"; then
      fail "O$opt: kilnc failed: $(cat "$work/$name.kilnc.err")"; continue
    fi
    # Damaged inputs for the error-path checks: a .wasm cut short inside its
    # first section, and the container with one byte of its code flipped.
    head -c 12 "$wasm" > "$work/$name.truncated.wasm"
    cp "$aot" "$work/$name.damaged.aot"
    size=$(stat -c %s "$aot")
    pos=$((size / 2))
    byte=$(od -An -tu1 -j "$pos" -N1 "$aot" | tr -d ' ')
    printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
      dd of="$work/$name.damaged.aot" bs=1 seek="$pos" conv=notrunc status=none
    run_checks "$aot" "$opt"
  done
fi
printf '%s: %d passed, %d failed\n' "$name" "$passed" "$failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
