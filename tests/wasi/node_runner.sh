#!/usr/bin/env bash
# A reference WASI runner with kiln's command-line interface, on Node's
# node:wasi (uvwasi): node_runner.sh [--dir HOST::GUEST]... [--env K=V]...
# MODULE.wasm ARGS... It lets run_wasi_test.sh check the test programs
# themselves while kiln cannot run them yet:
#   KILN_WASI_RUNNER=tests/wasi/node_runner.sh tests/wasi/run_wasi_test.sh - - /tmp/w
# uvwasi is not a sandbox (Node's own documentation says so), so the sandbox
# test is expected to fail under it.
here=$(cd "$(dirname "$0")" && pwd)
exec node --no-warnings "$here/node_runner.mjs" "$@"
