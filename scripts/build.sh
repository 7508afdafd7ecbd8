#!/usr/bin/env bash
# Configures and builds kiln into ${KILN_BUILD_DIR:-build}. Extra arguments go
# to cmake's configure step (e.g. -DKILN_SANITIZE=ON).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
ninja -C "$build"
