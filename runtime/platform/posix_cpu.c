/*
 * CPU feature detection for the host (os_cpu_): the host's architecture and
 * whether it has what a kiln_feature_probe (common/kiln_cpu.h) describes.
 *
 * One section per architecture, chosen here and nowhere else: CPUID and
 * XCR0 on x86-64; Linux's AT_HWCAP / AT_HWCAP2 (and AT_HWCAP3) on aarch64
 * and 32-bit Arm, plus AT_PLATFORM's architecture version on 32-bit Arm;
 * AT_HWCAP letters, the riscv_hwprobe system call and the vlenb CSR on
 * riscv64. A probe of another architecture's kind answers false.
 *
 * Invariants: never prints, never faults (CPUID leaves above the maximum
 * are not read; xgetbv only runs when the OS set OSXSAVE; vlenb is only
 * read when the kernel reports V). Probing AMX asks Linux for the
 * process's tile permission, without which AMX instructions fault.
 */
#define _GNU_SOURCE

#include "platform.h"

#if defined(__x86_64__)

#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

extern const kiln_cpu_feature kiln_cpu_x86_64_features[];
extern const size_t kiln_cpu_x86_64_feature_count;

kiln_arch os_cpu_arch(void)
{
    return KILN_ARCH_X86_64;
}

const kiln_cpu_feature *os_cpu_features(size_t *count)
{
    *count = kiln_cpu_x86_64_feature_count;
    return kiln_cpu_x86_64_features;
}

static bool os_xsave_enabled(void)
{
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 27)) != 0;
}

static uint64_t read_xcr0(void)
{
    if (!os_xsave_enabled())
        return 0; /* the OS saves no extended state */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

/* Linux (5.16+) enables AMX tile data per process: until the process asks
 * (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA), the first tile
 * instruction raises SIGILL although XCR0 has the bits. Asking is
 * idempotent and only enlarges this process's signal frames. */
static bool amx_permitted(void)
{
#if defined(__linux__)
    enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };
    return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
#else
    return true;
#endif
}

bool os_cpu_probe(const kiln_feature_probe *p)
{
    if (p->source != KILN_PROBE_CPUID)
        return false;
    unsigned regs[4] = {0, 0, 0, 0};
    unsigned max_leaf = __get_cpuid_max(p->leaf & 0x80000000u, NULL);
    if (max_leaf < p->leaf)
        return false;
    if (p->leaf == 7 && p->subleaf > 0) {
        /* Leaf 7 reports its highest subleaf in EAX of subleaf 0. */
        __cpuid_count(7, 0, regs[0], regs[1], regs[2], regs[3]);
        if (regs[0] < p->subleaf)
            return false;
    }
    __cpuid_count(p->leaf, p->subleaf, regs[KILN_CPUID_EAX], regs[KILN_CPUID_EBX],
                  regs[KILN_CPUID_ECX], regs[KILN_CPUID_EDX]);
    if (p->bit >= 32 || (regs[p->reg & 3u] & (1u << p->bit)) == 0)
        return false;
    if (p->os_state == KILN_XSTATE_NONE)
        return true;
    if (p->os_state == KILN_XSTATE_XSAVE)
        return os_xsave_enabled();
    uint64_t need = kiln_xstate_xcr0_mask((kiln_xstate)p->os_state);
    if ((read_xcr0() & need) != need)
        return false;
    return p->os_state != KILN_XSTATE_AMX || amx_permitted();
}

#elif defined(__linux__) && (defined(__aarch64__) || defined(__arm__) || \
                             (defined(__riscv) && __riscv_xlen == 64))

#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_HWCAP2
#define AT_HWCAP2 26
#endif
#ifndef AT_HWCAP3
#define AT_HWCAP3 29
#endif

#if defined(__aarch64__)
#define OS_CPU_ARCH KILN_ARCH_AARCH64
#define OS_CPU_TABLE kiln_cpu_aarch64_features
#define OS_CPU_COUNT kiln_cpu_aarch64_feature_count
#elif defined(__arm__)
#define OS_CPU_ARCH KILN_ARCH_ARM
#define OS_CPU_TABLE kiln_cpu_arm_features
#define OS_CPU_COUNT kiln_cpu_arm_feature_count
#else
#define OS_CPU_ARCH KILN_ARCH_RISCV64
#define OS_CPU_TABLE kiln_cpu_riscv64_features
#define OS_CPU_COUNT kiln_cpu_riscv64_feature_count
#endif

extern const kiln_cpu_feature OS_CPU_TABLE[];
extern const size_t OS_CPU_COUNT;

kiln_arch os_cpu_arch(void)
{
    return OS_CPU_ARCH;
}

const kiln_cpu_feature *os_cpu_features(size_t *count)
{
    *count = OS_CPU_COUNT;
    return OS_CPU_TABLE;
}

static bool hwcap_bit(unsigned long type, unsigned bit)
{
    if (bit >= sizeof(unsigned long) * 8)
        return false;
    return (getauxval(type) >> bit) & 1u;
}

/* AT_PLATFORM is "v7l", "v8l" (or "...b" big-endian) on 32-bit Arm. */
static bool platform_at_least(uint32_t version)
{
    const char *p = (const char *)getauxval(AT_PLATFORM);
    if (p == NULL || p[0] != 'v' || p[1] < '0' || p[1] > '9')
        return false;
    unsigned v = 0;
    for (p++; *p >= '0' && *p <= '9' && v < 1000; p++)
        v = v * 10u + (unsigned)(*p - '0');
    return v >= version;
}

#if defined(__riscv)
/* struct riscv_hwprobe of <asm/hwprobe.h> (Linux 6.4), which older kernel
 * headers lack; the system call number is 258 on riscv64. */
struct os_riscv_hwprobe {
    int64_t key;
    uint64_t value;
};

static bool riscv_hwprobe_bit(uint32_t key, unsigned bit)
{
    struct os_riscv_hwprobe pair = {(int64_t)key, 0};
    if (syscall(258, &pair, 1, 0, NULL, 0) != 0 || pair.key < 0)
        return false; /* older kernel: nothing is reported */
    return bit < 64 && ((pair.value >> bit) & 1u);
}

static bool riscv_vlen_at_least(uint32_t bits)
{
    if (!hwcap_bit(AT_HWCAP, 'v' - 'a'))
        return false;
    unsigned long vlenb;
    __asm__ volatile("csrr %0, 0xc22" : "=r"(vlenb)); /* vlenb */
    return (uint64_t)vlenb * 8u >= bits;
}
#endif

bool os_cpu_probe(const kiln_feature_probe *p)
{
    switch ((kiln_probe_source)p->source) {
    case KILN_PROBE_HWCAP:
        return hwcap_bit(AT_HWCAP, p->bit);
    case KILN_PROBE_HWCAP2:
        return hwcap_bit(AT_HWCAP2, p->bit);
    case KILN_PROBE_HWCAP3:
        return hwcap_bit(AT_HWCAP3, p->bit);
    case KILN_PROBE_PLATFORM:
        return platform_at_least(p->leaf);
#if defined(__riscv)
    case KILN_PROBE_HWPROBE:
        return riscv_hwprobe_bit(p->leaf, p->bit);
    case KILN_PROBE_VLEN:
        return riscv_vlen_at_least(p->leaf);
#else
    case KILN_PROBE_HWPROBE:
    case KILN_PROBE_VLEN:
#endif
    case KILN_PROBE_NONE:
    case KILN_PROBE_CPUID:
        break;
    }
    return false;
}

#else

/* A host kiln has no feature tables for: every probed feature is absent. */
kiln_arch os_cpu_arch(void)
{
    return KILN_ARCH_COUNT;
}

const kiln_cpu_feature *os_cpu_features(size_t *count)
{
    *count = 0;
    return NULL;
}

bool os_cpu_probe(const kiln_feature_probe *p)
{
    (void)p;
    return false;
}

#endif
