/*
 * 32-bit Arm (armv7-a Linux, hard float): host description (see reloc.h).
 *
 * The compiler resolves every PC-relative reference inside the image and
 * routes calls to external symbols through stubs that load PC from GOT
 * slots, so the loader applies only data relocations (apply.c, the same
 * for every architecture): ABS32 (GOT slots, address words in read-only
 * data) and REL32. ABS64 cannot occur in a container for 4-byte pointers;
 * it is written all the same (a 64-bit field holding a 32-bit address) so
 * that no kind means something else here than on a 64-bit host.
 *
 * Containers for Cortex-M (thumbv7em-none-eabihf, compiled with --xip)
 * have no relocations at all: they run in place (see the loader).
 *
 * Code addresses of Thumb functions (libcalls included) have bit 0 set;
 * the image's stubs load them into PC, which switches to Thumb state, so
 * nothing here needs to know.
 */
#if defined(__arm__)

#include "helpers.h"
#include "reloc.h"
#include "trap.h"

/* Thumb-2 code for armv7 (the compiler's thumbv7 triple) runs on any armv7
 * core: check.c takes armv7 and thumbv7 as one architecture. */
const char *arch_host_triple(void)
{
#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
    /* Cortex-M (bare metal): the compiler's one M-profile target; ARMv8-M
     * Mainline cores (Cortex-M33) run its ARMv7E-M code. */
#if defined(__ARM_PCS_VFP)
    return "thumbv7em-none-eabihf";
#else
    return "thumbv7em-none-eabi";
#endif
#elif defined(__ARM_PCS_VFP)
    return "armv7-unknown-linux-gnueabihf";
#else
    return "armv7-unknown-linux-gnueabi";
#endif
}

/* The TRAP helper (helpers.h). gcc's Thumb-2 frames keep r7 at the bottom of
 * the frame, not in a chain with compiled code's records (platform.h), so
 * walking from the runtime would lose the wasm frames. This stub runs before
 * any runtime frame exists: it hands the trap code, the return address into
 * the wasm caller (lr) and the caller's frame pointer (r7, whose record LLVM
 * keeps) to trap_raise_at. Naked: no prologue touches r7 or lr first. */
__attribute__((naked)) void hlp_trap(void *vmctx __attribute__((unused)),
                                     uint32_t trap_code __attribute__((unused)))
{
    __asm__("mov r0, r1\n\t"
            "mov r1, lr\n\t"
            "mov r2, r7\n\t"
            "b trap_raise_at\n\t");
}

#endif /* __arm__ */
