/*
 * CPU features at load time: the name -> probe tables of every
 * architecture (plain data, checked here on any host), the host's answers
 * (on x86-64 they must agree with the kernel's /proc/cpuinfo flags for
 * every feature both name), and the loader and kiln_module_check refusing a
 * container that lists a feature this host lacks, "help", or a name no
 * table holds, each named in the message.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "module.h"

#include <cmocka.h>

#include "check.h"
#include "container_builder.h"
#include "kiln_cpu.h"
#include "platform/platform.h"

static const kiln_cpu_feature *find(kiln_arch arch, const char *name)
{
    return kiln_cpu_feature_find(arch, name, strlen(name));
}

static void expect_probe(kiln_arch arch, const char *name, kiln_probe_source source,
                         uint32_t leaf, uint32_t subleaf, int reg, unsigned bit, int state)
{
    const kiln_cpu_feature *f = find(arch, name);
    if (f == NULL)
        fail_msg("%s has no feature %s", kiln_arch_name(arch), name);
    assert_int_equal(f->kind, KILN_FEATURE_PROBED);
    assert_int_equal(f->probe.source, source);
    assert_int_equal(f->probe.leaf, leaf);
    assert_int_equal(f->probe.subleaf, subleaf);
    assert_int_equal(f->probe.reg, reg);
    assert_int_equal(f->probe.bit, bit);
    assert_int_equal(f->probe.os_state, state);
}

static void test_cpu_x86_64_probes(void **state)
{
    (void)state;
    const kiln_arch a = KILN_ARCH_X86_64;
    expect_probe(a, "sse2", KILN_PROBE_CPUID, 1, 0, KILN_CPUID_EDX, 26, KILN_XSTATE_NONE);
    expect_probe(a, "sse4.2", KILN_PROBE_CPUID, 1, 0, KILN_CPUID_ECX, 20, KILN_XSTATE_NONE);
    expect_probe(a, "avx", KILN_PROBE_CPUID, 1, 0, KILN_CPUID_ECX, 28, KILN_XSTATE_YMM);
    expect_probe(a, "avx2", KILN_PROBE_CPUID, 7, 0, KILN_CPUID_EBX, 5, KILN_XSTATE_YMM);
    expect_probe(a, "avx512f", KILN_PROBE_CPUID, 7, 0, KILN_CPUID_EBX, 16, KILN_XSTATE_ZMM);
    expect_probe(a, "avx512fp16", KILN_PROBE_CPUID, 7, 0, KILN_CPUID_EDX, 23, KILN_XSTATE_ZMM);
    expect_probe(a, "avx512bf16", KILN_PROBE_CPUID, 7, 1, KILN_CPUID_EAX, 5, KILN_XSTATE_ZMM);
    expect_probe(a, "amx-tile", KILN_PROBE_CPUID, 7, 0, KILN_CPUID_EDX, 24, KILN_XSTATE_AMX);
    expect_probe(a, "egpr", KILN_PROBE_CPUID, 7, 1, KILN_CPUID_EDX, 21, KILN_XSTATE_APX);
    expect_probe(a, "lzcnt", KILN_PROBE_CPUID, 0x80000001u, 0, KILN_CPUID_ECX, 5,
                 KILN_XSTATE_NONE);
    expect_probe(a, "xsavec", KILN_PROBE_CPUID, 0xD, 1, KILN_CPUID_EAX, 1, KILN_XSTATE_XSAVE);
    assert_int_equal(find(a, "slow-3ops-lea")->kind, KILN_FEATURE_TUNING);
    assert_int_equal(find(a, "nopl")->kind, KILN_FEATURE_BASELINE);
    assert_int_equal(find(a, "retpoline")->kind, KILN_FEATURE_CODEGEN);
    assert_int_equal(kiln_xstate_xcr0_mask(KILN_XSTATE_ZMM), 0xE6u);
    assert_int_equal(kiln_xstate_xcr0_mask(KILN_XSTATE_AMX), 0x60000u);
    /* Names are exact and counted, not prefixes. */
    assert_null(find(a, "help"));
    assert_null(find(a, "AVX2"));
    assert_null(find(a, "avx512"));
    assert_non_null(kiln_cpu_feature_find(a, "avx512f,+avx2", 7));
    assert_null(kiln_cpu_feature_find(a, "avx\0", 4));
}

static void test_cpu_other_arch_probes(void **state)
{
    (void)state;
    const kiln_arch a64 = KILN_ARCH_AARCH64, rv = KILN_ARCH_RISCV64, arm = KILN_ARCH_ARM;
    expect_probe(a64, "neon", KILN_PROBE_HWCAP, 0, 0, 0, 1, 0);
    expect_probe(a64, "lse", KILN_PROBE_HWCAP, 0, 0, 0, 8, 0);
    expect_probe(a64, "crc", KILN_PROBE_HWCAP, 0, 0, 0, 7, 0);
    expect_probe(a64, "sve", KILN_PROBE_HWCAP, 0, 0, 0, 22, 0);
    expect_probe(a64, "sve2", KILN_PROBE_HWCAP2, 0, 0, 0, 1, 0);
    expect_probe(a64, "mops", KILN_PROBE_HWCAP2, 0, 0, 0, 43, 0);
    expect_probe(a64, "ls64", KILN_PROBE_HWCAP3, 0, 0, 0, 3, 0);
    assert_int_equal(find(a64, "v8.2a")->kind, KILN_FEATURE_GROUP);
    assert_int_equal(find(a64, "el3")->kind, KILN_FEATURE_SYSTEM);
    assert_int_equal(find(a64, "a53")->kind, KILN_FEATURE_TUNING);

    expect_probe(rv, "m", KILN_PROBE_HWCAP, 0, 0, 0, 'm' - 'a', 0);
    expect_probe(rv, "v", KILN_PROBE_HWCAP, 0, 0, 0, 'v' - 'a', 0);
    expect_probe(rv, "zba", KILN_PROBE_HWPROBE, 4, 0, 0, 3, 0);
    expect_probe(rv, "zicond", KILN_PROBE_HWPROBE, 4, 0, 0, 35, 0);
    expect_probe(rv, "zvl256b", KILN_PROBE_VLEN, 256, 0, 0, 0, 0);
    assert_int_equal(find(rv, "zicsr")->kind, KILN_FEATURE_BASELINE);
    assert_int_equal(find(rv, "xtheadba")->probe.source, KILN_PROBE_NONE);

    expect_probe(arm, "vfp3", KILN_PROBE_HWCAP, 0, 0, 0, 13, 0);
    expect_probe(arm, "vfp3d16", KILN_PROBE_HWCAP, 0, 0, 0, 13, 0);
    expect_probe(arm, "d32", KILN_PROBE_HWCAP, 0, 0, 0, 19, 0);
    expect_probe(arm, "neon", KILN_PROBE_HWCAP, 0, 0, 0, 12, 0);
    expect_probe(arm, "vfp4", KILN_PROBE_HWCAP, 0, 0, 0, 16, 0);
    expect_probe(arm, "hwdiv-arm", KILN_PROBE_HWCAP, 0, 0, 0, 17, 0);
    expect_probe(arm, "crc", KILN_PROBE_HWCAP2, 0, 0, 0, 4, 0);
    expect_probe(arm, "acquire-release", KILN_PROBE_PLATFORM, 8, 0, 0, 0, 0);
    expect_probe(arm, "fp-armv8d16", KILN_PROBE_PLATFORM, 8, 0, 0, 0, 0);
    assert_int_equal(find(arm, "mp")->kind, KILN_FEATURE_BASELINE);
    assert_int_equal(find(arm, "thumb-mode")->kind, KILN_FEATURE_CODEGEN);

    kiln_arch out;
    assert_true(kiln_arch_from_triple("x86_64-unknown-linux-gnu", 24, &out) &&
                out == KILN_ARCH_X86_64);
    assert_true(kiln_arch_from_triple("arm64-apple-macos", 17, &out) && out == KILN_ARCH_AARCH64);
    assert_true(kiln_arch_from_triple("thumbv7-linux-gnueabihf", 23, &out) &&
                out == KILN_ARCH_ARM);
    assert_true(kiln_arch_from_triple("armv7-linux-gnueabihf", 21, &out) && out == KILN_ARCH_ARM);
    assert_false(kiln_arch_from_triple("armebv7-linux", 13, &out));
    assert_false(kiln_arch_from_triple("riscv32-linux", 13, &out));
    assert_false(kiln_arch_from_triple("help", 4, &out));
}

/* ---- the host agrees with the kernel ------------------------------------------ */

/* LLVM feature -> /proc/cpuinfo flag, where the kernel reports one. */
static const struct {
    const char *feature, *flag;
} cpuinfo_names[] = {
    {"x87", "fpu"},         {"cx8", "cx8"},           {"cmov", "cmov"},
    {"mmx", "mmx"},         {"fxsr", "fxsr"},         {"sse", "sse"},
    {"sse2", "sse2"},       {"sse3", "pni"},          {"pclmul", "pclmulqdq"},
    {"ssse3", "ssse3"},     {"fma", "fma"},           {"cx16", "cx16"},
    {"sse4.1", "sse4_1"},   {"sse4.2", "sse4_2"},     {"movbe", "movbe"},
    {"popcnt", "popcnt"},   {"aes", "aes"},           {"xsave", "xsave"},
    {"avx", "avx"},         {"f16c", "f16c"},         {"rdrnd", "rdrand"},
    {"64bit", "lm"},        {"sahf", "lahf_lm"},      {"lzcnt", "abm"},
    {"sse4a", "sse4a"},     {"prfchw", "3dnowprefetch"}, {"xop", "xop"},
    {"fma4", "fma4"},       {"tbm", "tbm"},           {"fsgsbase", "fsgsbase"},
    {"bmi", "bmi1"},        {"avx2", "avx2"},         {"bmi2", "bmi2"},
    {"rtm", "rtm"},         {"avx512f", "avx512f"},   {"avx512dq", "avx512dq"},
    {"rdseed", "rdseed"},   {"adx", "adx"},           {"avx512ifma", "avx512ifma"},
    {"clflushopt", "clflushopt"}, {"clwb", "clwb"},   {"avx512cd", "avx512cd"},
    {"sha", "sha_ni"},      {"avx512bw", "avx512bw"}, {"avx512vl", "avx512vl"},
    {"avx512vbmi", "avx512vbmi"}, {"pku", "ospke"},   {"waitpkg", "waitpkg"},
    {"avx512vbmi2", "avx512_vbmi2"}, {"gfni", "gfni"}, {"vaes", "vaes"},
    {"vpclmulqdq", "vpclmulqdq"}, {"avx512vnni", "avx512_vnni"},
    {"avx512bitalg", "avx512_bitalg"}, {"avx512vpopcntdq", "avx512_vpopcntdq"},
    {"rdpid", "rdpid"},     {"cldemote", "cldemote"}, {"movdiri", "movdiri"},
    {"movdir64b", "movdir64b"}, {"serialize", "serialize"}, {"tsxldtrk", "tsxldtrk"},
    {"amx-bf16", "amx_bf16"}, {"avx512fp16", "avx512_fp16"}, {"amx-tile", "amx_tile"},
    {"amx-int8", "amx_int8"}, {"avxvnni", "avx_vnni"}, {"avx512bf16", "avx512_bf16"},
    {"xsaveopt", "xsaveopt"}, {"xsavec", "xsavec"},   {"xsaves", "xsaves"},
    {"clzero", "clzero"},   {"wbnoinvd", "wbnoinvd"}, {"avx512vp2intersect", "avx512_vp2intersect"},
};

/* Whether the first "flags" line of /proc/cpuinfo holds flag. */
static bool cpuinfo_has(const char *flags, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = strstr(flags, flag); p != NULL; p = strstr(p + 1, flag))
        if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static void test_cpu_x86_64_host_agrees_with_cpuinfo(void **state)
{
    (void)state;
    if (os_cpu_arch() != KILN_ARCH_X86_64)
        skip();
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        skip();
    static char line[8192];
    bool found = false;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "flags", 5) == 0) {
            found = true;
            break;
        }
    fclose(f);
    assert_true(found);
    unsigned checked = 0;
    for (size_t i = 0; i < sizeof cpuinfo_names / sizeof cpuinfo_names[0]; i++) {
        const char *name = cpuinfo_names[i].feature;
        ld_feature_answer a = ld_cpu_feature(name, strlen(name));
        assert_true(a == LD_FEATURE_PRESENT || a == LD_FEATURE_ABSENT);
        bool kernel = cpuinfo_has(line, cpuinfo_names[i].flag);
        if ((a == LD_FEATURE_PRESENT) != kernel)
            fail_msg("%s: kiln's probe says %s, /proc/cpuinfo %s '%s'", name,
                     a == LD_FEATURE_PRESENT ? "present" : "absent",
                     kernel ? "lists" : "does not list", cpuinfo_names[i].flag);
        checked++;
    }
    assert_true(checked > 60);
}

/* ---- refusals ------------------------------------------------------------------ */

/* A probed feature of the host's table that this host lacks, or NULL. */
static const char *absent_feature(void)
{
    size_t count;
    kiln_arch arch = os_cpu_arch();
    const kiln_cpu_feature *t = kiln_cpu_feature_table(arch, &count);
    for (size_t i = 0; t != NULL && i < count; i++)
        if (t[i].kind == KILN_FEATURE_PROBED && t[i].probe.source != KILN_PROBE_NONE &&
            ld_cpu_feature(t[i].name, strlen(t[i].name)) == LD_FEATURE_ABSENT)
            return t[i].name;
    return NULL;
}

static const char *feature_list;
static void set_features(tb_container *c) { c->cpu_features = feature_list; }

/* Loads and checks the sample with features; both must refuse, naming
 * fragment. */
static void expect_refused(const char *features, const char *fragment)
{
    feature_list = features;
    tb_container c;
    tb_sample(&c, NULL);
    set_features(&c);
    uint8_t *bytes;
    size_t size;
    tb_finish(&c, &bytes, &size);
    tb_free(&c);
    kiln_module *m = NULL;
    kiln_error err;
    kiln_status st = kiln_module_load(bytes, size, &m, &err);
    if (st != KILN_ERR_CPU_FEATURES || strstr(err.message, fragment) == NULL)
        fail_msg("load with '%s': status %s \"%s\", wanted KILN_ERR_CPU_FEATURES with \"%s\"",
                 features, kiln_status_name(st), err.message, fragment);
    assert_null(m);
    kiln_error first;
    assert_int_equal(kiln_module_check(bytes, size, NULL, NULL, &first), KILN_ERR_CPU_FEATURES);
    assert_non_null(strstr(first.message, fragment));
    free(bytes);
}

static void test_cpu_container_refusals(void **state)
{
    (void)state;
    if (os_cpu_arch() != KILN_ARCH_X86_64)
        skip(); /* the sample's code is x86-64 */
    /* Absent on this machine (an Intel Xeon without AMD's XOP); any host
     * lacks XOP or AVX512-FP16. */
    if (ld_cpu_feature("xop", 3) == LD_FEATURE_ABSENT)
        expect_refused("+sse2,+xop", "module needs CPU feature this host lacks: xop");
    expect_refused("+xop,+avx512fp16", "module needs CPU feature");
    const char *absent = absent_feature();
    assert_non_null(absent);
    char list[200], fragment[200];
    snprintf(list, sizeof list, "+sse2,+%s,+cx16", absent);
    snprintf(fragment, sizeof fragment, "this host lacks: %s", absent);
    expect_refused(list, fragment);

    expect_refused("+sse2,+help", "module names CPU feature this runtime does not know for "
                                  "x86_64: help");
    expect_refused("+sse2,+avx512fp17,-no-such", "does not know for x86_64: avx512fp17, no-such");
    expect_refused("help", "help (no '+' or '-')");
    expect_refused("+cortex-a53", "does not know for x86_64: cortex-a53");
    /* Known names ask nothing of the host when disabled, tuning or codegen. */
    feature_list = "+sse2,-avx512fp16,-xop,+slow-3ops-lea,+retpoline,,+nopl";
    tb_container c;
    tb_sample(&c, NULL);
    set_features(&c);
    uint8_t *bytes;
    size_t size;
    tb_finish(&c, &bytes, &size);
    tb_free(&c);
    kiln_error err;
    assert_int_equal(kiln_module_check(bytes, size, NULL, NULL, &err), KILN_OK);
    free(bytes);
}

/* Each problem is listed apart by kiln_module_check (kiln --check). */
typedef struct problems {
    unsigned count;
    char text[4][KILN_ERROR_MESSAGE_SIZE];
} problems;

static void collect(void *user, const kiln_error *problem)
{
    problems *p = user;
    if (p->count < 4)
        snprintf(p->text[p->count], KILN_ERROR_MESSAGE_SIZE, "%s", problem->message);
    p->count++;
}

static void test_cpu_check_lists_missing_and_unknown(void **state)
{
    (void)state;
    if (os_cpu_arch() != KILN_ARCH_X86_64)
        skip();
    const char *absent = absent_feature();
    assert_non_null(absent);
    char list[200];
    snprintf(list, sizeof list, "+%s,+help", absent);
    feature_list = list;
    tb_container c;
    tb_sample(&c, NULL);
    set_features(&c);
    uint8_t *bytes;
    size_t size;
    tb_finish(&c, &bytes, &size);
    tb_free(&c);
    problems p = {0};
    kiln_error err;
    assert_int_equal(kiln_module_check(bytes, size, collect, &p, &err), KILN_ERR_CPU_FEATURES);
    assert_int_equal(p.count, 2);
    assert_non_null(strstr(p.text[0], absent));
    assert_non_null(strstr(p.text[1], "does not know for x86_64: help"));
    free(bytes);
}

/* A container of another architecture is refused for its target; its
 * feature names (another table's) add no problem of their own. */
static void foreign(tb_container *c)
{
    c->triple = "aarch64-unknown-linux-gnu";
    c->cpu_features = "+neon,+crc,+help";
}

static void test_cpu_foreign_features_not_judged(void **state)
{
    (void)state;
    if (os_cpu_arch() != KILN_ARCH_X86_64)
        skip();
    tb_container c;
    tb_sample(&c, NULL);
    foreign(&c);
    uint8_t *bytes;
    size_t size;
    tb_finish(&c, &bytes, &size);
    tb_free(&c);
    problems p = {0};
    kiln_error err;
    assert_int_equal(kiln_module_check(bytes, size, collect, &p, &err), KILN_ERR_TARGET);
    assert_int_equal(p.count, 1);
    assert_non_null(strstr(p.text[0], "module compiled for aarch64-unknown-linux-gnu"));
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_x86_64_probes),
        cmocka_unit_test(test_cpu_other_arch_probes),
        cmocka_unit_test(test_cpu_x86_64_host_agrees_with_cpuinfo),
        cmocka_unit_test(test_cpu_container_refusals),
        cmocka_unit_test(test_cpu_check_lists_missing_and_unknown),
        cmocka_unit_test(test_cpu_foreign_features_not_judged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
