/*
 * aarch64 Linux: host description (see reloc.h). Relocations are applied by
 * apply.c: the compiler resolved aarch64's own kinds at build time. CPU
 * features are common/kiln_cpu_aarch64.c's table, probed through HWCAP by
 * the platform layer (platform/posix_cpu.c).
 */
#if defined(__aarch64__)

#include "reloc.h"

const char *arch_host_triple(void)
{
    return "aarch64-unknown-linux-gnu";
}

#endif /* __aarch64__ */
