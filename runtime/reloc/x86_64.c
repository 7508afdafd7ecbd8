/*
 * x86-64: host description (see reloc.h). The relocations themselves are
 * architecture-independent since format 2 (apply.c).
 *
 * CPU features are checked in check.c with common/kiln_cpu_x86_64.c's
 * table and the platform layer's CPUID probe (platform/posix_cpu.c).
 */
#if defined(__x86_64__)

#include <string.h>

#include "kiln_common.h"
#include "reloc.h"

const char *arch_host_triple(void)
{
    return "x86_64-unknown-linux-gnu";
}

#endif /* __x86_64__ */
