/*
 * CPU features on bare metal (os_cpu_, see platform.h): there is no kernel
 * to ask, and a microcontroller's core does not change under its firmware,
 * so the answers are those of the firmware's own build (-mcpu, -mfpu),
 * read from the compiler's ACLE macros and expressed as the Linux HWCAP
 * bits the 32-bit Arm table (common/kiln_cpu_arm.c) probes. A container
 * compiled for a richer core than the firmware's (say Cortex-M7 code on a
 * Cortex-M4 board) is refused by name, as on Linux.
 */
#include "platform.h"

#if !defined(__arm__)
#error "kiln: the bare-metal platform layer supports 32-bit Arm (Cortex-M) only"
#endif

extern const kiln_cpu_feature kiln_cpu_arm_features[];
extern const size_t kiln_cpu_arm_feature_count;

kiln_arch os_cpu_arch(void)
{
    return KILN_ARCH_ARM;
}

const kiln_cpu_feature *os_cpu_features(size_t *count)
{
    *count = kiln_cpu_arm_feature_count;
    return kiln_cpu_arm_features;
}

/* Linux's arm HWCAP bits (asm/hwcap.h) for what the firmware's core has. */
static uint64_t build_hwcap(void)
{
    uint64_t bits = 0;
#if defined(__ARM_FP)
    bits |= 1u << 6; /* VFP */
#endif
#if defined(__ARM_FEATURE_FMA)
    bits |= (1u << 13) | (1u << 16); /* VFPv3, VFPv4 (FPv4-SP and later have fused MAC) */
#endif
#if defined(__ARM_NEON)
    bits |= 1u << 12;
#endif
#if defined(__ARM_FEATURE_IDIV)
    bits |= 1u << 18; /* IDIVT: sdiv/udiv in Thumb */
#endif
#if defined(__ARM_FEATURE_FP16_SCALAR_ARITHMETIC)
    bits |= 1u << 22;
#endif
    return bits;
}

/* Whether the core runs ARMv(version) instructions. The ARMv8 floating
 * point instructions (fp-armv8*: vrint, vsel, vmaxnm) also exist on the
 * ARMv7E-M core with a double-precision FPU (FPv5, Cortex-M7). */
static bool architecture_at_least(uint32_t version)
{
#if defined(__ARM_ARCH)
    if ((uint32_t)__ARM_ARCH >= version)
        return true;
#endif
#if defined(__ARM_FP) && (__ARM_FP & 8) && defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
    return version == 8u;
#else
    return false;
#endif
}

bool os_cpu_probe(const kiln_feature_probe *p)
{
    switch ((kiln_probe_source)p->source) {
    case KILN_PROBE_HWCAP:
        return p->bit < 64 && ((build_hwcap() >> p->bit) & 1u) != 0;
    case KILN_PROBE_PLATFORM:
        return architecture_at_least(p->leaf);
    case KILN_PROBE_HWCAP2: /* crypto, crc, sb: A-profile only */
    case KILN_PROBE_HWCAP3:
    case KILN_PROBE_HWPROBE:
    case KILN_PROBE_VLEN:
    case KILN_PROBE_NONE:
    case KILN_PROBE_CPUID:
        break;
    }
    return false;
}
