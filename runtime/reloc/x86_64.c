/*
 * x86-64: relocation kinds and host description (see reloc.h).
 *
 * External calls need no veneers: the compiler routes them through stubs in
 * the image that jump via GOT slots (ABS64 relocations), so nothing here
 * depends on where the runtime's own code lies.
 *
 * CPU features are read with cpuid; the AVX families also need the OS to
 * save the wider registers (XCR0), checked with xgetbv.
 */
#if defined(__x86_64__)

#include <cpuid.h>
#include <stdatomic.h>
#include <string.h>

#include "kiln_common.h"
#include "reloc.h"

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case KILN_RELOC_ABS64: return "ABS64";
    case KILN_RELOC_ABS32: return "ABS32";
    case KILN_RELOC_REL32: return "REL32";
    default: return "unknown";
    }
}

uint32_t rel_field_size(uint8_t kind)
{
    switch (kind) {
    case KILN_RELOC_ABS64: return 8;
    case KILN_RELOC_ABS32:
    case KILN_RELOC_REL32: return 4;
    default: return 0;
    }
}

static bool fits_i32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

kiln_status rel_apply(uint8_t *image, uint32_t offset, uint8_t kind, uint64_t symbol_address,
                      int64_t addend, const char *symbol, size_t symbol_len, kiln_error *err)
{
    if (symbol == NULL) {
        symbol = "the image";
        symbol_len = strlen(symbol);
    }
    int name_len = (int)(symbol_len > 60 ? 60 : symbol_len);
    uint8_t *field = image + offset;
    uint64_t place = (uint64_t)(uintptr_t)field;
    uint64_t value = symbol_address + (uint64_t)addend;
    switch (kind) {
    case KILN_RELOC_ABS64:
        kiln_write_u64le(field, value);
        return KILN_OK;
    case KILN_RELOC_ABS32:
        if (value > UINT32_MAX)
            return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                  "relocation ABS32 at image offset 0x%x to %.*s: value "
                                  "0x%llx does not fit in 32 bits",
                                  offset, name_len, symbol, (unsigned long long)value);
        kiln_write_u32le(field, (uint32_t)value);
        return KILN_OK;
    case KILN_RELOC_REL32: {
        int64_t distance = (int64_t)(value - place);
        if (fits_i32(distance)) {
            kiln_write_u32le(field, (uint32_t)(int32_t)distance);
            return KILN_OK;
        }
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "relocation %s at image offset 0x%x to %.*s is out of range: "
                              "distance %lld does not fit in a signed 32-bit field",
                              kind_name(kind), offset, name_len, symbol, (long long)distance);
    }
    default:
        break;
    }
    return kiln_error_set(err, KILN_ERR_CORRUPT, KILN_NO_OFFSET,
                          "relocation at image offset 0x%x has unknown kind %u", offset,
                          (unsigned)kind);
}

const char *arch_host_triple(void)
{
    return "x86_64-unknown-linux-gnu";
}

/* ---- CPU features -------------------------------------------------------- */

enum { REG_EAX, REG_EBX, REG_ECX, REG_EDX };
enum { NEEDS_NONE, NEEDS_YMM, NEEDS_ZMM };

typedef struct cpu_feature {
    const char *name;
    unsigned leaf;
    unsigned subleaf;
    int reg;
    unsigned bit;
    int os_state;
} cpu_feature;

static const cpu_feature cpu_features[] = {
    {"sse", 1, 0, REG_EDX, 25, NEEDS_NONE},
    {"sse2", 1, 0, REG_EDX, 26, NEEDS_NONE},
    {"cmov", 1, 0, REG_EDX, 15, NEEDS_NONE},
    {"cx8", 1, 0, REG_EDX, 8, NEEDS_NONE},
    {"mmx", 1, 0, REG_EDX, 23, NEEDS_NONE},
    {"fxsr", 1, 0, REG_EDX, 24, NEEDS_NONE},
    {"sse3", 1, 0, REG_ECX, 0, NEEDS_NONE},
    {"pclmul", 1, 0, REG_ECX, 1, NEEDS_NONE},
    {"ssse3", 1, 0, REG_ECX, 9, NEEDS_NONE},
    {"fma", 1, 0, REG_ECX, 12, NEEDS_YMM},
    {"cx16", 1, 0, REG_ECX, 13, NEEDS_NONE},
    {"sse4.1", 1, 0, REG_ECX, 19, NEEDS_NONE},
    {"sse4.2", 1, 0, REG_ECX, 20, NEEDS_NONE},
    {"movbe", 1, 0, REG_ECX, 22, NEEDS_NONE},
    {"popcnt", 1, 0, REG_ECX, 23, NEEDS_NONE},
    {"aes", 1, 0, REG_ECX, 25, NEEDS_NONE},
    {"xsave", 1, 0, REG_ECX, 26, NEEDS_NONE},
    {"avx", 1, 0, REG_ECX, 28, NEEDS_YMM},
    {"f16c", 1, 0, REG_ECX, 29, NEEDS_YMM},
    {"rdrnd", 1, 0, REG_ECX, 30, NEEDS_NONE},
    {"fsgsbase", 7, 0, REG_EBX, 0, NEEDS_NONE},
    {"bmi", 7, 0, REG_EBX, 3, NEEDS_NONE},
    {"avx2", 7, 0, REG_EBX, 5, NEEDS_YMM},
    {"bmi2", 7, 0, REG_EBX, 8, NEEDS_NONE},
    {"avx512f", 7, 0, REG_EBX, 16, NEEDS_ZMM},
    {"avx512dq", 7, 0, REG_EBX, 17, NEEDS_ZMM},
    {"rdseed", 7, 0, REG_EBX, 18, NEEDS_NONE},
    {"adx", 7, 0, REG_EBX, 19, NEEDS_NONE},
    {"avx512ifma", 7, 0, REG_EBX, 21, NEEDS_ZMM},
    {"avx512cd", 7, 0, REG_EBX, 28, NEEDS_ZMM},
    {"sha", 7, 0, REG_EBX, 29, NEEDS_NONE},
    {"avx512bw", 7, 0, REG_EBX, 30, NEEDS_ZMM},
    {"avx512vl", 7, 0, REG_EBX, 31, NEEDS_ZMM},
    {"avx512vbmi", 7, 0, REG_ECX, 1, NEEDS_ZMM},
    {"avx512vbmi2", 7, 0, REG_ECX, 6, NEEDS_ZMM},
    {"gfni", 7, 0, REG_ECX, 8, NEEDS_NONE},
    {"vaes", 7, 0, REG_ECX, 9, NEEDS_YMM},
    {"vpclmulqdq", 7, 0, REG_ECX, 10, NEEDS_YMM},
    {"avx512vnni", 7, 0, REG_ECX, 11, NEEDS_ZMM},
    {"avx512bitalg", 7, 0, REG_ECX, 12, NEEDS_ZMM},
    {"avx512vpopcntdq", 7, 0, REG_ECX, 14, NEEDS_ZMM},
    {"lzcnt", 0x80000001u, 0, REG_ECX, 5, NEEDS_NONE},
    {"sahf", 0x80000001u, 0, REG_ECX, 0, NEEDS_NONE},
    {"prfchw", 0x80000001u, 0, REG_ECX, 8, NEEDS_NONE},
};

static unsigned long long read_xcr0(void)
{
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || (ecx & (1u << 27)) == 0)
        return 0; /* no OSXSAVE: the OS saves no extended state */
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

static bool cpu_bit(const cpu_feature *f)
{
    unsigned regs[4] = {0, 0, 0, 0};
    unsigned max_leaf = __get_cpuid_max(f->leaf & 0x80000000u, NULL);
    if (max_leaf < f->leaf)
        return false;
    __cpuid_count(f->leaf, f->subleaf, regs[REG_EAX], regs[REG_EBX], regs[REG_ECX],
                  regs[REG_EDX]);
    if ((regs[f->reg] & (1u << f->bit)) == 0)
        return false;
    unsigned long long xcr0;
    switch (f->os_state) {
    case NEEDS_YMM:
        xcr0 = read_xcr0();
        return (xcr0 & 0x6u) == 0x6u;
    case NEEDS_ZMM:
        xcr0 = read_xcr0();
        return (xcr0 & 0xE6u) == 0xE6u;
    default:
        return true;
    }
}

/* CPUID traps to the hypervisor in a VM (tens of microseconds), and every
 * load asks about every feature a container names, so each answer is
 * computed once: 0 unknown, 1 absent, 2 present. Racing threads compute the
 * same value, so relaxed atomics suffice. */
static _Atomic unsigned char cpu_feature_known[sizeof cpu_features / sizeof cpu_features[0]];

bool arch_cpu_has_feature(const char *name, size_t size)
{
    for (size_t i = 0; i < sizeof cpu_features / sizeof cpu_features[0]; i++) {
        const cpu_feature *f = &cpu_features[i];
        if (strlen(f->name) == size && memcmp(f->name, name, size) == 0) {
            unsigned char known =
                atomic_load_explicit(&cpu_feature_known[i], memory_order_relaxed);
            if (known == 0) {
                known = cpu_bit(f) ? 2 : 1;
                atomic_store_explicit(&cpu_feature_known[i], known, memory_order_relaxed);
            }
            return known == 2;
        }
    }
    /* 64-bit mode itself and names we cannot check: assume present. */
    return true;
}

#endif /* __x86_64__ */
