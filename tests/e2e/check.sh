# Sourced by the e2e shell tests that run commands and count outcomes
# (run_link_test.sh, run_bundle_test.sh). Needs $w, a scratch directory.
#
# fail MESSAGE: counts a failure and prints "FAIL MESSAGE".
# check STATUS STDOUT_PART STDERR_PART -- COMMAND...: runs COMMAND (60 s at
# most); its exit status must be STATUS and each part (when not empty) must
# appear in its stream. Counts a pass or a failure.
passed=0 failed=0
fail() { failed=$((failed + 1)); printf 'FAIL %s\n' "$*"; }

check() {
  local want_status=$1 want_out=$2 want_err=$3
  shift 4
  local out err status
  out=$(timeout -k 5 60 "$@" 2> "$w/check.err"); status=$?
  err=$(cat "$w/check.err")
  local what="$* => $want_status"
  if [ "$status" -ne "$want_status" ]; then
    fail "$what: got status $status (stdout '$out', stderr '$err')"
  elif [ -n "$want_out" ] && [[ "$out" != *"$want_out"* ]]; then
    fail "$what: stdout '$out' lacks '$want_out'"
  elif [ -n "$want_err" ] && [[ "$err" != *"$want_err"* ]]; then
    fail "$what: stderr '$err' lacks '$want_err'"
  else
    passed=$((passed + 1))
  fi
}
