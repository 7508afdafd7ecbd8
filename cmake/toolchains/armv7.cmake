# Cross build of the kiln runtime for 32-bit Arm Linux (armv7-a, hard float)
# with Debian's gcc-arm-linux-gnueabihf (scripts/deps.sh installs it):
#   cmake -S . -B build-armv7 -G Ninja \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armv7.cmake
# Only the runtime is built (KILN_RUNTIME_ONLY): libkiln, kiln and
# kiln-spec-rt; containers come from the host's
# kilnc --target=armv7-linux-gnueabihf (Thumb-2, VFPv3-D16 baseline).
# The programs run under qemu-arm -L /usr/arm-linux-gnueabihf (tests/cross/run.sh).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/arm-linux-gnueabihf)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm;-L;/usr/arm-linux-gnueabihf)
set(KILN_RUNTIME_ONLY ON CACHE BOOL "cross builds hold the runtime only")
