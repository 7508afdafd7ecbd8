/*
 * CPU features, shared by libkilnc and libkiln (compiled into both): for
 * each architecture kiln targets, every feature name LLVM 19 knows, what it
 * asks of the machine that runs the code, and how a host detects it.
 *
 * The compiler uses the tables to refuse feature names LLVM does not know
 * (before LLVM sees them) and to list them; the runtime uses them to check
 * a container's feature list against the host. One table per architecture
 * (kiln_cpu_<arch>.c), sorted by name; the compiler's unit tests check that
 * each holds exactly the features of LLVM's own tables
 * (compiler/emit/cpu_llvm19.c), and the runtime's that the x86-64 probes
 * agree with /proc/cpuinfo.
 *
 * The names and probe descriptions are plain data: every table is compiled
 * on every host. Reading CPUID, HWCAP or riscv_hwprobe happens only in the
 * runtime's platform layer (runtime/platform/posix_cpu.c), for the host's
 * own architecture.
 */
#ifndef KILN_CPU_H
#define KILN_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum kiln_arch {
    KILN_ARCH_X86_64 = 0,
    KILN_ARCH_AARCH64,
    KILN_ARCH_RISCV64,
    KILN_ARCH_ARM, /* 32-bit Arm (armv7 with hard float, Thumb-2) */
    KILN_ARCH_COUNT
} kiln_arch;

/* What a feature asks of the machine that runs the code. */
typedef enum kiln_feature_kind {
    /* Instructions or register state the host must have: probe says how a
     * host detects it. */
    KILN_FEATURE_PROBED = 0,
    /* Instructions every host of the architecture has (x86-64: nopl). */
    KILN_FEATURE_BASELINE,
    /* Changes only which instructions LLVM prefers or how it schedules
     * them (fast-*, slow-*, fusion, a CPU's tuning name): no requirement. */
    KILN_FEATURE_TUNING,
    /* A code generation mode (execution mode, ABI, reserved registers,
     * hardening): a property of the code, not of the host CPU. */
    KILN_FEATURE_CODEGEN,
    /* An architecture level (aarch64 v8.2a, riscv rva22u64): stands for the
     * features it implies, which the compiler records and the runtime
     * checks one by one. */
    KILN_FEATURE_GROUP,
    /* System or privileged instructions (exception levels, MMU, debug and
     * trace): never in code kiln generates for a wasm module. */
    KILN_FEATURE_SYSTEM
} kiln_feature_kind;

typedef enum kiln_probe_source {
    KILN_PROBE_NONE = 0,
    KILN_PROBE_CPUID,   /* x86: leaf, subleaf, reg, bit, plus os_state */
    KILN_PROBE_HWCAP,   /* Linux getauxval(AT_HWCAP) bit */
    KILN_PROBE_HWCAP2,  /* Linux getauxval(AT_HWCAP2) bit */
    KILN_PROBE_HWCAP3,  /* Linux getauxval(AT_HWCAP3) bit (aarch64, Linux 6.16) */
    KILN_PROBE_PLATFORM, /* 32-bit Arm: AT_PLATFORM "v<N>l"/"v<N>b", N >= leaf */
    KILN_PROBE_HWPROBE, /* riscv: riscv_hwprobe key `leaf`, value bit */
    KILN_PROBE_VLEN     /* riscv: V present and vlenb * 8 >= `leaf` bits */
} kiln_probe_source;

enum { KILN_CPUID_EAX, KILN_CPUID_EBX, KILN_CPUID_ECX, KILN_CPUID_EDX };

/* Register state the x86 OS must save (XCR0, read with xgetbv) before the
 * instructions are usable. */
typedef enum kiln_xstate {
    KILN_XSTATE_NONE = 0,
    KILN_XSTATE_XSAVE, /* CPUID.1:ECX.OSXSAVE: the OS enabled XSAVE */
    KILN_XSTATE_YMM,   /* XCR0 bits 1-2: SSE and AVX state */
    KILN_XSTATE_ZMM,   /* XCR0 bits 1-2 and 5-7: AVX-512 opmask and ZMM */
    KILN_XSTATE_AMX,   /* XCR0 bits 17-18: AMX tile config and data */
    KILN_XSTATE_APX    /* XCR0 bit 19: APX extended GPRs */
} kiln_xstate;

/* The XCR0 bits each kiln_xstate needs (0 for NONE and XSAVE). */
uint64_t kiln_xstate_xcr0_mask(kiln_xstate state);

typedef struct kiln_feature_probe {
    uint8_t source;   /* kiln_probe_source */
    uint8_t reg;      /* CPUID: KILN_CPUID_EAX..EDX */
    uint8_t bit;      /* 0..63 */
    uint8_t os_state; /* CPUID: kiln_xstate */
    uint32_t leaf;    /* CPUID leaf; HWPROBE key */
    uint32_t subleaf; /* CPUID subleaf */
} kiln_feature_probe;

typedef struct kiln_cpu_feature {
    const char *name; /* LLVM's feature name */
    uint8_t kind;     /* kiln_feature_kind */
    /* Only for PROBED. A PROBED feature with source NONE has no way to be
     * detected on Linux: no host is known to have it, so it is refused. */
    kiln_feature_probe probe;
} kiln_cpu_feature;

/* The architecture's table, sorted by name (strcmp); *count entries. */
const kiln_cpu_feature *kiln_cpu_feature_table(kiln_arch arch, size_t *count);

/* The feature called name (len bytes, no NUL needed), or NULL when LLVM 19
 * has no such feature for arch. */
const kiln_cpu_feature *kiln_cpu_feature_find(kiln_arch arch, const char *name, size_t len);

/* The same search in one table (count entries sorted by name; NULL table:
 * not found). kiln_cpu_feature_table and _find (kiln_cpu_tables.c) link
 * every architecture's table; the runtime searches its host's only. */
const kiln_cpu_feature *kiln_cpu_feature_search(const kiln_cpu_feature *table, size_t count,
                                                const char *name, size_t len);

/* The architecture of a triple's first component (x86_64/amd64, aarch64/
 * arm64, riscv64, arm* and thumb*); false for any other. */
bool kiln_arch_from_triple(const char *triple, size_t len, kiln_arch *out);

/* "x86_64", "aarch64", "riscv64", "arm". */
const char *kiln_arch_name(kiln_arch arch);

/* "probed", "baseline", "tuning", "codegen", "group", "system". */
const char *kiln_feature_kind_name(kiln_feature_kind kind);

/* A one-line description of how a host detects the feature, e.g.
 * "cpuid 7.0 ebx[16], xcr0 ymm+zmm" or "hwcap2 bit 1", into buf. */
void kiln_feature_probe_describe(const kiln_cpu_feature *feature, char *buf, size_t size);

#endif /* KILN_CPU_H */
