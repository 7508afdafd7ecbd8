/*
 * Every architecture's CPU feature table, by kiln_arch. The compiler uses
 * them all; the runtime only its host's (os_cpu_features), so this file,
 * the one that references all four, stays out of a runtime-only link.
 */
#include "kiln_cpu.h"

extern const kiln_cpu_feature kiln_cpu_x86_64_features[];
extern const size_t kiln_cpu_x86_64_feature_count;
extern const kiln_cpu_feature kiln_cpu_aarch64_features[];
extern const size_t kiln_cpu_aarch64_feature_count;
extern const kiln_cpu_feature kiln_cpu_riscv64_features[];
extern const size_t kiln_cpu_riscv64_feature_count;
extern const kiln_cpu_feature kiln_cpu_arm_features[];
extern const size_t kiln_cpu_arm_feature_count;

const kiln_cpu_feature *kiln_cpu_feature_table(kiln_arch arch, size_t *count)
{
    switch (arch) {
    case KILN_ARCH_X86_64:
        *count = kiln_cpu_x86_64_feature_count;
        return kiln_cpu_x86_64_features;
    case KILN_ARCH_AARCH64:
        *count = kiln_cpu_aarch64_feature_count;
        return kiln_cpu_aarch64_features;
    case KILN_ARCH_RISCV64:
        *count = kiln_cpu_riscv64_feature_count;
        return kiln_cpu_riscv64_features;
    case KILN_ARCH_ARM:
        *count = kiln_cpu_arm_feature_count;
        return kiln_cpu_arm_features;
    case KILN_ARCH_COUNT:
        break;
    }
    *count = 0;
    return NULL;
}

const kiln_cpu_feature *kiln_cpu_feature_find(kiln_arch arch, const char *name, size_t len)
{
    size_t count;
    const kiln_cpu_feature *table = kiln_cpu_feature_table(arch, &count);
    return kiln_cpu_feature_search(table, count, name, len);
}
