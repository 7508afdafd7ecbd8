/*
 * Searching a CPU feature table, architecture names and descriptions. Plain
 * data and string work only: no probing here, and no reference to the
 * tables themselves (kiln_cpu_tables.c has those), so a runtime that only
 * looks at its host's table links only that one.
 */
#include <stdio.h>
#include <string.h>

#include "kiln_cpu.h"

/* strcmp order between a NUL-terminated and a counted string. */
static int compare_name(const char *entry, const char *name, size_t len)
{
    int c = strncmp(entry, name, len);
    if (c != 0)
        return c;
    return entry[len] == '\0' ? 0 : 1;
}

const kiln_cpu_feature *kiln_cpu_feature_search(const kiln_cpu_feature *table, size_t count,
                                                const char *name, size_t len)
{
    if (table == NULL || memchr(name, '\0', len) != NULL)
        return NULL;
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare_name(table[mid].name, name, len);
        if (c == 0)
            return &table[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool kiln_arch_from_triple(const char *triple, size_t len, kiln_arch *out)
{
    size_t n = 0;
    while (n < len && triple[n] != '-' && triple[n] != '\0')
        n++;
#define IS(s) (n == sizeof(s) - 1 && memcmp(triple, s, n) == 0)
#define STARTS(s) (n >= sizeof(s) - 1 && memcmp(triple, s, sizeof(s) - 1) == 0)
    if (IS("x86_64") || IS("amd64"))
        *out = KILN_ARCH_X86_64;
    else if (IS("aarch64") || IS("arm64"))
        *out = KILN_ARCH_AARCH64;
    else if (IS("riscv64"))
        *out = KILN_ARCH_RISCV64;
    else if ((STARTS("arm") && !STARTS("arm64") && !STARTS("armeb")) ||
             (STARTS("thumb") && !STARTS("thumbeb")))
        *out = KILN_ARCH_ARM;
    else
        return false;
#undef IS
#undef STARTS
    return true;
}

const char *kiln_arch_name(kiln_arch arch)
{
    static const char *const names[KILN_ARCH_COUNT] = {"x86_64", "aarch64", "riscv64", "arm"};
    return (unsigned)arch < KILN_ARCH_COUNT ? names[arch] : "unknown";
}

const char *kiln_feature_kind_name(kiln_feature_kind kind)
{
    switch (kind) {
    case KILN_FEATURE_PROBED: return "probed";
    case KILN_FEATURE_BASELINE: return "baseline";
    case KILN_FEATURE_TUNING: return "tuning";
    case KILN_FEATURE_CODEGEN: return "codegen";
    case KILN_FEATURE_GROUP: return "group";
    case KILN_FEATURE_SYSTEM: return "system";
    }
    return "unknown";
}

uint64_t kiln_xstate_xcr0_mask(kiln_xstate state)
{
    switch (state) {
    case KILN_XSTATE_NONE:
    case KILN_XSTATE_XSAVE: return 0;
    case KILN_XSTATE_YMM: return 0x6u;
    case KILN_XSTATE_ZMM: return 0xE6u;
    case KILN_XSTATE_AMX: return 0x60000u;
    case KILN_XSTATE_APX: return 0x80000u;
    }
    return 0;
}

void kiln_feature_probe_describe(const kiln_cpu_feature *feature, char *buf, size_t size)
{
    static const char *const regs[4] = {"eax", "ebx", "ecx", "edx"};
    static const char *const states[] = {"", ", os xsave", ", xcr0 sse+avx",
                                         ", xcr0 sse+avx+avx512", ", xcr0 amx tiles",
                                         ", xcr0 apx"};
    const kiln_feature_probe *p = &feature->probe;
    if (feature->kind != KILN_FEATURE_PROBED) {
        snprintf(buf, size, "%s (no check)", kiln_feature_kind_name(feature->kind));
        return;
    }
    switch ((kiln_probe_source)p->source) {
    case KILN_PROBE_CPUID:
        snprintf(buf, size, "cpuid 0x%x.%u %s[%u]%s", p->leaf, p->subleaf, regs[p->reg & 3u],
                 p->bit, p->os_state < sizeof states / sizeof states[0] ? states[p->os_state] : "");
        return;
    case KILN_PROBE_HWCAP:
        snprintf(buf, size, "hwcap bit %u", p->bit);
        return;
    case KILN_PROBE_HWCAP2:
        snprintf(buf, size, "hwcap2 bit %u", p->bit);
        return;
    case KILN_PROBE_HWCAP3:
        snprintf(buf, size, "hwcap3 bit %u", p->bit);
        return;
    case KILN_PROBE_PLATFORM:
        snprintf(buf, size, "at_platform v%u or later", p->leaf);
        return;
    case KILN_PROBE_HWPROBE:
        snprintf(buf, size, "riscv_hwprobe key %u bit %u", p->leaf, p->bit);
        return;
    case KILN_PROBE_VLEN:
        snprintf(buf, size, "vlenb >= %u bits", p->leaf);
        return;
    case KILN_PROBE_NONE:
        break;
    }
    snprintf(buf, size, "not detectable (refused)");
}
