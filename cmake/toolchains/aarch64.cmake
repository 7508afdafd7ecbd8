# Cross build of the kiln runtime for aarch64 Linux with Debian's
# gcc-aarch64-linux-gnu (scripts/deps.sh installs it):
#   cmake -S . -B build-aarch64 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64.cmake
# Only the runtime is built (KILN_RUNTIME_ONLY): libkiln, kiln and
# kiln-spec-rt; containers come from the host's kilnc --target=aarch64-linux-gnu.
# The programs run under qemu-aarch64 -L /usr/aarch64-linux-gnu (tests/cross/run.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
set(KILN_RUNTIME_ONLY ON CACHE BOOL "cross builds hold the runtime only")
