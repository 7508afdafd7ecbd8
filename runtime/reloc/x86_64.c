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
#include "helpers.h"
#include "reloc.h"
#include "trap.h"

const char *arch_host_triple(void)
{
    return "x86_64-unknown-linux-gnu";
}

/* The TRAP helper (helpers.h): the runtime's own frames continue compiled
 * code's frame chain on this architecture, so trap_raise walks from here. */
void hlp_trap(void *vmctx, uint32_t trap_code)
{
    (void)vmctx;
    trap_raise((kiln_trap_code)trap_code);
}

#endif /* __x86_64__ */
