#!/usr/bin/env bash
# Installs what kiln needs on Debian 12 (bookworm), only the packages that
# are missing, with apt-get. Safe to run again.
set -euo pipefail

packages=(
  cmake ninja-build pkg-config gcc make   # build
  llvm-19-dev                             # the compiler's back end (LLVM-C API)
  libcmocka-dev                           # unit tests
  wabt                                    # wat2wasm for test modules
  libcjson-dev                            # JSON for the spec-test runner
  libsodium-dev                           # Ed25519 container signatures (KILN_SIGNING)
  libmimalloc-dev                         # kilnc's allocator (KILN_MIMALLOC): a third less CPU time
  clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32  # C -> wasm32-wasi tests; clang++-19
                                          # and clang-19 -dM for the CPU tables (scripts/gen_cpu_tables.sh)
  jq                                      # wasi-testsuite: reads each test's JSON
  libfuzzer-19-dev libclang-rt-19-dev     # libFuzzer + ASan runtimes of clang-19 (tests/fuzz)
  gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-arm-linux-gnueabihf qemu-user  # cross tests (tests/cross)
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm  # bare-metal firmware (tests/baremetal)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm fetches the Ruby package of the ruby.eval test (tests/ruby). A machine
# with its own Node.js and npm keeps them; otherwise Debian's npm.
command -v npm >/dev/null 2>&1 || missing+=(npm)
# /usr/bin/time -v records kilnc's time and peak memory on Ruby.
[ -x /usr/bin/time ] || missing+=(time)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "kiln: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "kiln: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
