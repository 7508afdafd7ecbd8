# Bare-metal build of the kiln runtime for Cortex-M4F (thumbv7em-none-eabihf)
# with Debian's gcc-arm-none-eabi + libnewlib-arm-none-eabi (scripts/deps.sh):
#   cmake -S . -B build-mcu -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/thumbv7em.cmake
#   cmake --build build-mcu
# builds libkiln.a with the bare-metal platform layer (KILN_PLATFORM
# baremetal: no OS, no WASI, no signing) at -Os and the firmware runner
# build-mcu/firmware/kiln-mcu.elf for qemu-system-arm -M mps2-an386
# (firmware/README.md; tests/baremetal/run.sh). Containers come from the
# host's kilnc --target=thumbv7em-none-eabihf --xip.
# KILN_MCU_CPU_FLAGS picks another core, e.g. for a Cortex-M7 with a
# double-precision FPU: -mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# gcc-ar/gcc-ranlib: archives of LTO objects need the plugin's symbol index.
set(CMAKE_AR arm-none-eabi-gcc-ar)
set(CMAKE_RANLIB arm-none-eabi-gcc-ranlib)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy)
set(CMAKE_SIZE arm-none-eabi-size)
# No OS to run a test program on: try_compile links static libraries only.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(KILN_MCU_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
    CACHE STRING "the core the runtime and firmware are built for")
# -flto: link-time optimisation across libkiln and the firmware (inlining
# and dead-code removal across files): the runtime core is about 4 KB
# smaller than with --gc-sections alone (scripts/footprint.sh).
set(CMAKE_C_FLAGS_INIT "${KILN_MCU_CPU_FLAGS} -ffunction-sections -fdata-sections -flto")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${KILN_MCU_CPU_FLAGS} -Wl,--gc-sections -flto")
# -Os: flash is the scarce resource (scripts/footprint.sh measures this build).
set(CMAKE_BUILD_TYPE MinSizeRel CACHE STRING "bare-metal builds optimise for size")
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
