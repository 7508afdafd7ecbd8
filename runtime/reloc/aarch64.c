/*
 * aarch64 Linux: host description (see reloc.h). Relocations are applied by
 * apply.c: the compiler resolved aarch64's own kinds at build time. CPU
 * features are common/kiln_cpu_aarch64.c's table, probed through HWCAP by
 * the platform layer (platform/posix_cpu.c).
 */
#if defined(__aarch64__)

#include "helpers.h"
#include "reloc.h"
#include "trap.h"

const char *arch_host_triple(void)
{
    return "aarch64-unknown-linux-gnu";
}

/* The TRAP helper (helpers.h): the runtime's own frames continue compiled
 * code's frame chain on this architecture, so trap_raise walks from here. */
void hlp_trap(void *vmctx, uint32_t trap_code)
{
    (void)vmctx;
    trap_raise((kiln_trap_code)trap_code);
}

#endif /* __aarch64__ */
