/*
 * riscv64 Linux: host description (see reloc.h). Relocations are applied by
 * apply.c: the compiler resolved riscv64's own kinds (HI20/LO12 pairs,
 * calls, relaxation marks) at build time. CPU features are
 * common/kiln_cpu_riscv64.c's table, probed by the platform layer
 * (platform/posix_cpu.c).
 */
#if defined(__riscv) && __riscv_xlen == 64

#include "helpers.h"
#include "reloc.h"
#include "trap.h"

const char *arch_host_triple(void)
{
    return "riscv64-unknown-linux-gnu";
}

/* The TRAP helper (helpers.h): the runtime's own frames continue compiled
 * code's frame chain on this architecture, so trap_raise walks from here. */
void hlp_trap(void *vmctx, uint32_t trap_code)
{
    (void)vmctx;
    trap_raise((kiln_trap_code)trap_code);
}

#endif /* riscv64 */
