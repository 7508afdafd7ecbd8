#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs what is missing,
# builds kiln, precompiles examples/fib.wat to an .aot container and runs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
"$root/scripts/build.sh"
build=${KILN_BUILD_DIR:-$root/build}
out="$build/examples"
mkdir -p "$out"
wat2wasm "$root/examples/fib.wat" -o "$out/fib.wasm"
"$build/kilnc" "$out/fib.wasm" -o "$out/fib.aot"
echo "\$ kiln --invoke fib $out/fib.aot 40"
"$build/kiln" --invoke fib "$out/fib.aot" 40
