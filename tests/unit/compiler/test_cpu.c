/*
 * CPU and CPU feature knowledge of the compiler (emit/cpu.h) and of both
 * libraries (common/kiln_cpu.h):
 * - the runtime's per-architecture tables name exactly the features of
 *   LLVM's own tables (compiler/emit/cpu_llvm19.c), sorted;
 * - a named CPU's set, and +/- features, give what LLVM gives, cross-checked
 *   for a sample of CPUs against clang-19's predefined macros (clang's
 *   driver has its own CPU tables: an independent source);
 * - every name a user types is checked before LLVM sees it: "help", typos,
 *   entries without a sign, CPUs that cannot run the target's code are
 *   KILN_ERR_ARGUMENT with the valid names, never an LLVM fatal error;
 * - the container records the complete set (--cpu=sapphirerapids).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit/cpu.h"
#include "kiln/aot_format.h"
#include "kiln_common.h"
#include "kiln_compiler.h"
#include "kiln_cpu.h"

static void expect_in(const char *message, const char *fragment)
{
    if (strstr(message, fragment) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", message, fragment);
}

static void test_cpu_tables_match_llvm(void **state)
{
    (void)state;
    for (int a = 0; a < KILN_ARCH_COUNT; a++) {
        const emit_llvm_arch *llvm = &emit_llvm_arches[a];
        size_t count;
        const kiln_cpu_feature *kiln = kiln_cpu_feature_table((kiln_arch)a, &count);
        assert_non_null(kiln);
        for (size_t i = 0; i < count || i < llvm->feature_count; i++) {
            const char *k = i < count ? kiln[i].name : "(end of kiln's table)";
            const char *l = i < llvm->feature_count ? llvm->features[i].name
                                                     : "(end of LLVM's table)";
            if (strcmp(k, l) != 0)
                fail_msg("%s entry %zu: kiln has %s, LLVM 19 has %s",
                         kiln_arch_name((kiln_arch)a), i, k, l);
            if (i > 0)
                assert_true(strcmp(kiln[i - 1].name, kiln[i].name) < 0);
        }
        for (size_t i = 1; i < llvm->cpu_count; i++)
            assert_true(strcmp(llvm->cpus[i - 1].name, llvm->cpus[i].name) < 0);
        assert_true(llvm->feature_count <= EMIT_FEATURE_WORDS * 64);
    }
}

/* A probe fits its architecture, and only PROBED features have one. */
static void test_cpu_probes_well_formed(void **state)
{
    (void)state;
    for (int a = 0; a < KILN_ARCH_COUNT; a++) {
        size_t count;
        const kiln_cpu_feature *t = kiln_cpu_feature_table((kiln_arch)a, &count);
        for (size_t i = 0; i < count; i++) {
            const kiln_feature_probe *p = &t[i].probe;
            if (t[i].kind != KILN_FEATURE_PROBED) {
                assert_int_equal(p->source, KILN_PROBE_NONE);
                continue;
            }
            switch ((kiln_probe_source)p->source) {
            case KILN_PROBE_CPUID:
                assert_int_equal(a, KILN_ARCH_X86_64);
                assert_true(p->bit < 32 && p->reg <= KILN_CPUID_EDX);
                break;
            case KILN_PROBE_HWCAP:
            case KILN_PROBE_HWCAP2:
                assert_true(a != KILN_ARCH_X86_64);
                assert_true(p->bit < (a == KILN_ARCH_ARM ? 32 : 64));
                break;
            case KILN_PROBE_HWCAP3:
                assert_int_equal(a, KILN_ARCH_AARCH64);
                break;
            case KILN_PROBE_PLATFORM:
                assert_int_equal(a, KILN_ARCH_ARM);
                break;
            case KILN_PROBE_HWPROBE:
            case KILN_PROBE_VLEN:
                assert_int_equal(a, KILN_ARCH_RISCV64);
                break;
            case KILN_PROBE_NONE:
                break;
            }
        }
    }
}

/* A triple of each architecture, for the tests that need one. */
static const char *triple_of(kiln_arch arch)
{
    return emit_llvm_arches[arch].triple;
}

/* Every named CPU's container can load somewhere: its set holds no feature
 * that no Linux host reports (probed without a probe), except these CPUs. */
static void test_cpu_named_cpus_loadable(void **state)
{
    (void)state;
    static const char *const unloadable[] = {
        "riscv64 sifive-p450",  /* unaligned-vector-mem */
        "riscv64 sifive-p670",  /* unaligned-vector-mem */
        "riscv64 veyron-v1",    /* xventanacondops (vendor) */
        "arm cortex-m52", "arm cortex-m55", "arm cortex-m85", /* MVE, LOB */
    };
    for (int a = 0; a < KILN_ARCH_COUNT; a++) {
        const emit_llvm_arch *llvm = &emit_llvm_arches[a];
        for (size_t c = 0; c < llvm->cpu_count; c++) {
            char which[80];
            snprintf(which, sizeof which, "%s %s", kiln_arch_name((kiln_arch)a),
                     llvm->cpus[c].name);
            bool expected = false;
            for (size_t i = 0; i < sizeof unloadable / sizeof unloadable[0]; i++)
                expected |= strcmp(unloadable[i], which) == 0;
            const char *p = llvm->cpus[c].features;
            const char *blocker = NULL;
            while (*p != '\0' && blocker == NULL) {
                size_t n = strcspn(p, ",");
                const kiln_cpu_feature *f = kiln_cpu_feature_find((kiln_arch)a, p, n);
                assert_non_null(f);
                if (f->kind == KILN_FEATURE_PROBED && f->probe.source == KILN_PROBE_NONE)
                    blocker = f->name;
                p += n + (p[n] == ',');
            }
            if ((blocker != NULL) != expected)
                fail_msg("%s: %s", which,
                         blocker != NULL ? blocker : "loadable, but listed as not");
        }
    }
}

static emit_cpu_choice resolve_ok(kiln_arch arch, const char *cpu, const char *features)
{
    emit_cpu_choice c = {0};
    kiln_error err;
    kiln_status st = emit_cpu_resolve(arch, triple_of(arch), cpu, features, &c, &err);
    if (st != KILN_OK)
        fail_msg("%s %s '%s': %s", kiln_arch_name(arch), cpu, features, err.message);
    return c;
}

static bool has(kiln_arch arch, const emit_cpu_choice *c, const char *name)
{
    return emit_feature_set_has(arch, &c->set, name);
}

static void test_cpu_named_sets(void **state)
{
    (void)state;
    emit_cpu_choice c = resolve_ok(KILN_ARCH_X86_64, "sapphirerapids", "");
    assert_true(has(KILN_ARCH_X86_64, &c, "avx512fp16"));
    assert_true(has(KILN_ARCH_X86_64, &c, "amx-tile"));
    assert_true(has(KILN_ARCH_X86_64, &c, "evex512"));
    assert_false(has(KILN_ARCH_X86_64, &c, "xop"));
    expect_in(c.recorded, "+avx512fp16");
    expect_in(c.recorded, "+amx-tile");
    assert_null(strstr(c.recorded, "slow-")); /* tuning is not recorded */
    emit_cpu_choice_free(&c);

    c = resolve_ok(KILN_ARCH_X86_64, "x86-64", "");
    assert_string_equal(c.recorded, "+64bit,+cmov,+cx8,+fxsr,+mmx,+nopl,+sse,+sse2,+x87");
    emit_cpu_choice_free(&c);

    c = resolve_ok(KILN_ARCH_AARCH64, "cortex-a53", "");
    assert_string_equal(c.recorded, "+aes,+crc,+fp-armv8,+neon,+sha2");
    emit_cpu_choice_free(&c);

    c = resolve_ok(KILN_ARCH_RISCV64, "generic-rv64", "+m,+a,+f,+d,+c");
    assert_string_equal(c.recorded, "+a,+c,+d,+f,+i,+m,+zicsr,+zmmul");
    emit_cpu_choice_free(&c);

    c = resolve_ok(KILN_ARCH_ARM, "generic", "+neon");
    assert_true(has(KILN_ARCH_ARM, &c, "neon"));
    assert_true(has(KILN_ARCH_ARM, &c, "vfp3"));
    expect_in(c.recorded, "+d32");
    expect_in(c.recorded, "+thumb2");
    emit_cpu_choice_free(&c);
}

/* "+f" adds what f implies, "-f" removes what implies f, in order. */
static void test_cpu_feature_arithmetic(void **state)
{
    (void)state;
    const kiln_arch x86 = KILN_ARCH_X86_64;
    emit_cpu_choice c = resolve_ok(x86, "x86-64", "+avx512f");
    assert_true(has(x86, &c, "avx2") && has(x86, &c, "fma") && has(x86, &c, "f16c"));
    /* LLVM's X86 subtarget adds evex512 for the default CPUs. */
    assert_true(has(x86, &c, "evex512"));
    expect_in(c.llvm_features, "+avx512f,");
    expect_in(c.llvm_features, ",-xop");
    emit_cpu_choice_free(&c);

    c = resolve_ok(x86, "x86-64", "+avx512f,-evex512");
    assert_false(has(x86, &c, "evex512"));
    emit_cpu_choice_free(&c);

    c = resolve_ok(x86, "haswell", "-sse4.1");
    assert_false(has(x86, &c, "avx") || has(x86, &c, "avx2") || has(x86, &c, "sse4.2"));
    assert_true(has(x86, &c, "ssse3") && has(x86, &c, "bmi2"));
    emit_cpu_choice_free(&c);

    c = resolve_ok(x86, "x86-64", "+avx2,-avx,,+popcnt");
    assert_false(has(x86, &c, "avx2"));
    assert_true(has(x86, &c, "sse4.2") && has(x86, &c, "popcnt"));
    emit_cpu_choice_free(&c);
}

static void expect_refused(kiln_arch arch, const char *cpu, const char *features,
                           const char *fragment1, const char *fragment2)
{
    emit_cpu_choice c = {0};
    kiln_error err;
    assert_int_equal(emit_cpu_resolve(arch, triple_of(arch), cpu, features, &c, &err),
                     KILN_ERR_ARGUMENT);
    assert_int_equal(err.status, KILN_ERR_ARGUMENT);
    expect_in(err.message, fragment1);
    expect_in(err.message, fragment2);
    assert_null(c.llvm_features);
}

static void test_cpu_refusals(void **state)
{
    (void)state;
    expect_refused(KILN_ARCH_X86_64, "help", "", "unknown CPU 'help' for x86_64",
                   "valid CPUs are alderlake, amdfam10");
    expect_refused(KILN_ARCH_X86_64, "cortex-a53", "", "unknown CPU 'cortex-a53'", "more");
    expect_refused(KILN_ARCH_X86_64, "x86-64", "+help", "unknown CPU feature 'help' for x86_64",
                   "valid features are 16bit-mode");
    expect_refused(KILN_ARCH_X86_64, "x86-64", "+cpuhelp", "'cpuhelp'", "valid features");
    expect_refused(KILN_ARCH_X86_64, "x86-64", "+sse2,+avx512fp17", "'avx512fp17'", "avx");
    expect_refused(KILN_ARCH_X86_64, "x86-64", "avx2", "no '+' or '-' before CPU feature 'avx2'",
                   "valid");
    expect_refused(KILN_ARCH_X86_64, "x86-64", "help", "'help'", "valid");
    expect_refused(KILN_ARCH_X86_64, "i386", "", "CPU 'i386'", "cannot run x86_64 code");
    expect_refused(KILN_ARCH_X86_64, "x86-64", "-64bit", "CPU 'x86-64'", "no 64-bit");
    expect_refused(KILN_ARCH_X86_64, "x86-64", "+32bit-mode", "execution mode", "triple");
    expect_refused(KILN_ARCH_RISCV64, "generic-rv32", "", "not an RV64 CPU", "riscv64");
    expect_refused(KILN_ARCH_RISCV64, "generic-rv64", "+32bit", "not an RV64 CPU", "riscv64");
    expect_refused(KILN_ARCH_AARCH64, "cortex-a53", "+avx2", "'avx2' for aarch64", "valid");
    expect_refused(KILN_ARCH_ARM, "help", "", "'help' for arm", "cortex-a7");
}

/* For 32-bit Arm's "generic" CPU the triple says the architecture. */
static void test_cpu_arm_generic_follows_triple(void **state)
{
    (void)state;
    const kiln_arch arm = KILN_ARCH_ARM;
    emit_cpu_choice c = {0};
    kiln_error err;
    assert_int_equal(emit_cpu_resolve(arm, "thumbv7em-none-eabihf", "generic", "", &c, &err),
                     KILN_OK);
    assert_true(has(arm, &c, "hwdiv") && has(arm, &c, "thumb2"));
    assert_false(has(arm, &c, "vfp3") || has(arm, &c, "d32") || has(arm, &c, "neon"));
    emit_cpu_choice_free(&c);
    assert_int_equal(emit_cpu_resolve(arm, "thumbv7-unknown-linux-gnueabihf", "generic",
                                      "+neon,-d32", &c, &err),
                     KILN_OK);
    assert_true(has(arm, &c, "vfp3d16") && has(arm, &c, "thumb2"));
    assert_false(has(arm, &c, "d32") || has(arm, &c, "neon")); /* neon needs d32 */
    emit_cpu_choice_free(&c);
    assert_int_equal(emit_cpu_resolve(arm, "thumbv7em-none-eabihf", "cortex-m4", "", &c, &err),
                     KILN_OK);
    assert_true(has(arm, &c, "vfp4d16sp"));
    assert_false(has(arm, &c, "fp64"));
    emit_cpu_choice_free(&c);
    assert_int_equal(emit_cpu_resolve(arm, "armv3-linux-gnueabi", "generic", "", &c, &err),
                     KILN_ERR_ARGUMENT);
    expect_in(err.message, "no generic CPU for the Arm sub-architecture 'armv3'");
    expect_in(err.message, "thumbv7em");
}

static const uint8_t empty_module[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};

static kiln_status compile_with(const char *triple, const char *cpu, const char *features,
                                uint8_t **out, size_t *size, kiln_error *err)
{
    kilnc_options o;
    kilnc_options_init(&o);
    o.target_triple = triple;
    o.cpu = cpu;
    o.cpu_features = features;
    *out = NULL;
    return kilnc_compile(empty_module, sizeof empty_module, &o, out, size, err);
}

/* The library refuses before LLVM sees a name (LLVM would print its own
 * list for "help" and stop the process on i386). */
static void test_cpu_compile_validates(void **state)
{
    (void)state;
    uint8_t *out;
    size_t size;
    kiln_error err;
    static const struct {
        const char *triple, *cpu, *features, *fragment;
    } bad[] = {
        {"x86_64-linux-gnu", "help", NULL, "unknown CPU 'help'"},
        {"x86_64-linux-gnu", "x86-64", "+help", "unknown CPU feature 'help'"},
        {"x86_64-linux-gnu", "x86-64", "help", "no '+' or '-'"},
        {"x86_64-linux-gnu", "i386", NULL, "cannot run x86_64 code"},
        {"help", NULL, NULL, "unknown target 'help'"},
        {"mips-linux-gnu", NULL, NULL, "valid targets are x86_64-linux-gnu"},
        {"aarch64-linux-gnu", "host", NULL, "--cpu=host describes this machine"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(compile_with(bad[i].triple, bad[i].cpu, bad[i].features, &out, &size,
                                      &err),
                         KILN_ERR_ARGUMENT);
        expect_in(err.message, bad[i].fragment);
        assert_null(out);
    }
}

static void test_cpu_container_records_complete_set(void **state)
{
    (void)state;
    uint8_t *out;
    size_t size;
    kiln_error err;
    assert_int_equal(compile_with("x86_64-linux-gnu", "sapphirerapids", "-amx-tile", &out,
                                  &size, &err),
                     KILN_OK);
    uint32_t off = kiln_read_u32le(out + KILN_AOT_OFF_CPU_FEATURES);
    uint32_t len = kiln_read_u32le(out + KILN_AOT_OFF_CPU_FEATURES + 4);
    assert_true((uint64_t)off + len <= size);
    char *features = strndup((const char *)out + off, len);
    expect_in(features, "+avx512fp16,");
    expect_in(features, "+avx512bf16,");
    expect_in(features, "+64bit,");
    assert_null(strstr(features, "amx")); /* -amx-tile takes amx-int8, amx-bf16 */
    assert_null(strstr(features, "-"));
    free(features);
    kilnc_buffer_free(out);
}

/* ---- the cross-check with clang-19 ------------------------------------------ */

/* clang's predefined macro for a feature, per architecture. */
typedef struct macro_map {
    const char *feature;
    const char *macro;
} macro_map;

static const macro_map x86_macros[] = {
    {"sse3", "__SSE3__"},         {"ssse3", "__SSSE3__"},       {"sse4.1", "__SSE4_1__"},
    {"sse4.2", "__SSE4_2__"},     {"sse4a", "__SSE4A__"},       {"avx", "__AVX__"},
    {"avx2", "__AVX2__"},         {"fma", "__FMA__"},           {"fma4", "__FMA4__"},
    {"xop", "__XOP__"},           {"f16c", "__F16C__"},         {"bmi", "__BMI__"},
    {"bmi2", "__BMI2__"},         {"lzcnt", "__LZCNT__"},       {"popcnt", "__POPCNT__"},
    {"aes", "__AES__"},           {"pclmul", "__PCLMUL__"},     {"sha", "__SHA__"},
    {"adx", "__ADX__"},           {"rdseed", "__RDSEED__"},     {"movbe", "__MOVBE__"},
    {"avx512f", "__AVX512F__"},   {"avx512bw", "__AVX512BW__"}, {"avx512dq", "__AVX512DQ__"},
    {"avx512vl", "__AVX512VL__"}, {"avx512cd", "__AVX512CD__"}, {"avx512fp16", "__AVX512FP16__"},
    {"avx512bf16", "__AVX512BF16__"}, {"avx512vnni", "__AVX512VNNI__"},
    {"avx512vbmi2", "__AVX512VBMI2__"}, {"avx512ifma", "__AVX512IFMA__"},
    {"avxvnni", "__AVXVNNI__"},   {"amx-tile", "__AMX_TILE__"}, {"amx-int8", "__AMX_INT8__"},
    {"gfni", "__GFNI__"},         {"vaes", "__VAES__"},         {"clflushopt", "__CLFLUSHOPT__"},
    {"xsave", "__XSAVE__"},       {"rdrnd", "__RDRND__"},       {"prfchw", "__PRFCHW__"},
};
static const char *const x86_cpus[] = {"x86-64",  "x86-64-v3", "nehalem", "haswell",
                                       "skylake-avx512", "sapphirerapids", "btver2",
                                       "bdver2",  "znver3",    "znver4"};

static const macro_map aarch64_macros[] = {
    {"neon", "__ARM_NEON"},
    {"crc", "__ARM_FEATURE_CRC32"},
    {"aes", "__ARM_FEATURE_AES"},
    {"sha2", "__ARM_FEATURE_SHA2"},
    {"lse", "__ARM_FEATURE_ATOMICS"},
    {"rdm", "__ARM_FEATURE_QRDMX"},
    {"dotprod", "__ARM_FEATURE_DOTPROD"},
    {"fullfp16", "__ARM_FEATURE_FP16_SCALAR_ARITHMETIC"},
    {"rcpc", "__ARM_FEATURE_RCPC"},
    {"sve", "__ARM_FEATURE_SVE"},
    {"sve2", "__ARM_FEATURE_SVE2"},
    {"i8mm", "__ARM_FEATURE_MATMUL_INT8"},
    {"bf16", "__ARM_FEATURE_BF16"},
    {"jsconv", "__ARM_FEATURE_JCVT"},
    {"complxnum", "__ARM_FEATURE_COMPLEX"},
};
static const char *const aarch64_cpus[] = {"cortex-a53", "cortex-a72", "neoverse-n1",
                                           "neoverse-v1", "cortex-a710"};

static const macro_map riscv_macros[] = {
    {"m", "__riscv_m"},     {"a", "__riscv_a"},     {"f", "__riscv_f"},
    {"d", "__riscv_d"},     {"c", "__riscv_c"},     {"v", "__riscv_v"},
    {"zba", "__riscv_zba"}, {"zbb", "__riscv_zbb"}, {"zbs", "__riscv_zbs"},
    {"zfh", "__riscv_zfh"}, {"zicsr", "__riscv_zicsr"},
};
static const char *const riscv_cpus[] = {"sifive-u74", "sifive-x280", "sifive-p670",
                                         "spacemit-x60", "syntacore-scr3-rv64"};

/* Not the FPU: clang's driver adds a 32-bit Arm CPU's default FPU
 * (cortex-a7: neon-vfpv4) where LLVM's CPU definition, which kilnc and llc
 * use, has none (kilnc --cpu=cortex-a7 needs +neon for NEON, as llc does). */
static const macro_map arm_macros[] = {
    {"crc", "__ARM_FEATURE_CRC32"},
    {"dotprod", "__ARM_FEATURE_DOTPROD"},
    {"hwdiv-arm", "__ARM_FEATURE_IDIV"},
};
static const char *const arm_cpus[] = {"cortex-a7", "cortex-a9", "cortex-a15", "cortex-a53",
                                       "cortex-a55"};

/* Whether clang-19 for triple and CPU flag defines each macro; false when
 * clang could not run. */
static bool clang_macros(const char *triple, const char *flag, const char *cpu,
                         const macro_map *map, size_t n, bool *defined)
{
    char command[300];
    snprintf(command, sizeof command,
             "clang-19 --target=%s %s=%s -dM -E -x c /dev/null 2>/dev/null", triple, flag, cpu);
    FILE *p = popen(command, "r");
    if (p == NULL)
        return false;
    memset(defined, 0, n * sizeof *defined);
    char line[512];
    unsigned lines = 0;
    while (fgets(line, sizeof line, p) != NULL) {
        lines++;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(map[i].macro);
            if (strncmp(line, "#define ", 8) == 0 && strncmp(line + 8, map[i].macro, len) == 0 &&
                line[8 + len] == ' ')
                defined[i] = true;
        }
    }
    return pclose(p) == 0 && lines > 0;
}

static void cross_check(kiln_arch arch, const char *triple, const char *flag,
                        const char *const *cpus, size_t cpu_count, const macro_map *map,
                        size_t n)
{
    bool defined[64];
    assert_true(n <= 64);
    for (size_t c = 0; c < cpu_count; c++) {
        if (!clang_macros(triple, flag, cpus[c], map, n, defined))
            fail_msg("clang-19 --target=%s %s=%s did not run (clang-19 is a build "
                     "dependency: scripts/deps.sh)",
                     triple, flag, cpus[c]);
        emit_cpu_choice choice = resolve_ok(arch, cpus[c], "");
        for (size_t i = 0; i < n; i++) {
            bool ours = has(arch, &choice, map[i].feature);
            if (ours != defined[i])
                fail_msg("%s %s: kiln's table says %s is %s, clang-19 %s %s", triple, cpus[c],
                         map[i].feature, ours ? "on" : "off",
                         defined[i] ? "defines" : "does not define", map[i].macro);
        }
        emit_cpu_choice_free(&choice);
    }
}

static void test_cpu_sets_agree_with_clang(void **state)
{
    (void)state;
    cross_check(KILN_ARCH_X86_64, "x86_64-linux-gnu", "-march", x86_cpus,
                sizeof x86_cpus / sizeof x86_cpus[0], x86_macros,
                sizeof x86_macros / sizeof x86_macros[0]);
    cross_check(KILN_ARCH_AARCH64, "aarch64-linux-gnu", "-mcpu", aarch64_cpus,
                sizeof aarch64_cpus / sizeof aarch64_cpus[0], aarch64_macros,
                sizeof aarch64_macros / sizeof aarch64_macros[0]);
    cross_check(KILN_ARCH_RISCV64, "riscv64-linux-gnu", "-mcpu", riscv_cpus,
                sizeof riscv_cpus / sizeof riscv_cpus[0], riscv_macros,
                sizeof riscv_macros / sizeof riscv_macros[0]);
    cross_check(KILN_ARCH_ARM, "armv7-linux-gnueabihf", "-mcpu", arm_cpus,
                sizeof arm_cpus / sizeof arm_cpus[0], arm_macros,
                sizeof arm_macros / sizeof arm_macros[0]);
}

/* ---- the listings ------------------------------------------------------------ */

typedef struct collected {
    unsigned count;
    bool saw;
    const char *wanted;
    char description[400];
} collected;

static void collect(void *user, const char *name, const char *description)
{
    collected *c = user;
    c->count++;
    if (strcmp(name, c->wanted) == 0) {
        c->saw = true;
        snprintf(c->description, sizeof c->description, "%s",
                 description != NULL ? description : "");
    }
}

static void test_cpu_listings(void **state)
{
    (void)state;
    kiln_error err;
    collected c = {0, false, "aarch64-linux-gnu", ""};
    kilnc_list_targets(collect, &c);
    assert_true(c.saw && c.count >= 4);

    c = (collected){0, false, "sapphirerapids", ""};
    assert_int_equal(kilnc_list_cpus("x86_64-linux-gnu", collect, &c, &err), KILN_OK);
    assert_true(c.saw);
    assert_int_equal(c.count, emit_llvm_arches[KILN_ARCH_X86_64].cpu_count);

    c = (collected){0, false, "avx512f", ""};
    assert_int_equal(kilnc_list_cpu_features(NULL, collect, &c, &err), KILN_OK);
    assert_true(c.saw);
    expect_in(c.description, "cpuid 0x7.0 ebx[16], xcr0 sse+avx+avx512");

    c = (collected){0, false, "lse", ""};
    assert_int_equal(kilnc_list_cpu_features("aarch64-linux-gnu", collect, &c, &err), KILN_OK);
    expect_in(c.description, "hwcap bit 8");

    c = (collected){0, false, "x", ""};
    assert_int_equal(kilnc_list_cpus("help", collect, &c, &err), KILN_ERR_ARGUMENT);
    assert_int_equal(c.count, 0);
    expect_in(err.message, "valid targets are");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_tables_match_llvm),
        cmocka_unit_test(test_cpu_probes_well_formed),
        cmocka_unit_test(test_cpu_named_cpus_loadable),
        cmocka_unit_test(test_cpu_named_sets),
        cmocka_unit_test(test_cpu_feature_arithmetic),
        cmocka_unit_test(test_cpu_refusals),
        cmocka_unit_test(test_cpu_arm_generic_follows_triple),
        cmocka_unit_test(test_cpu_compile_validates),
        cmocka_unit_test(test_cpu_container_records_complete_set),
        cmocka_unit_test(test_cpu_sets_agree_with_clang),
        cmocka_unit_test(test_cpu_listings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
