/*
 * kiln_detect and kiln_module_check: sniffing .wasm / loadable container /
 * unloadable container / neither, and listing EVERY header-level reason a
 * container cannot be loaded, each with its status and a message naming
 * both sides. Version mismatches name the kilnc that produced the file.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "container_builder.h"
#include "check.h"
#include "reloc/reloc.h"

#define MAX_PROBLEMS 16

typedef struct problems {
    unsigned count;
    kiln_status status[MAX_PROBLEMS];
    char message[MAX_PROBLEMS][KILN_ERROR_MESSAGE_SIZE];
} problems;

static void collect(void *user, const kiln_error *problem)
{
    problems *p = user;
    assert_true(p->count < MAX_PROBLEMS);
    p->status[p->count] = problem->status;
    snprintf(p->message[p->count], KILN_ERROR_MESSAGE_SIZE, "%s", problem->message);
    p->count++;
}

/* The message of the problem with this status; fails when there is none. */
static const char *find(const problems *p, kiln_status status)
{
    for (unsigned i = 0; i < p->count; i++)
        if (p->status[i] == status)
            return p->message[i];
    fail_msg("no problem with status %d (%s) among %u", status, kiln_status_name(status),
             p->count);
    return "";
}

static void expect_in(const char *message, const char *fragment)
{
    if (strstr(message, fragment) == NULL)
        fail_msg("\"%s\" lacks \"%s\"", message, fragment);
}

typedef void (*tweak_fn)(tb_container *c);

static void build(tweak_fn tweak, uint8_t **bytes, size_t *size)
{
    tb_container c;
    tb_sample(&c, NULL);
    if (tweak != NULL)
        tweak(&c);
    tb_finish(&c, bytes, size);
    tb_free(&c);
}

static void test_detect_kinds(void **state)
{
    (void)state;
    static const uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    static const uint8_t elf[] = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0};
    static const uint8_t short_kiln[] = {0x7F, 'K', 'L', 'N', 1, 0};
    kiln_error why;
    assert_int_equal(kiln_detect(wasm, sizeof wasm, &why), KILN_DETECT_WASM);
    assert_int_equal(kiln_detect(elf, sizeof elf, &why), KILN_DETECT_NEITHER);
    assert_int_equal(kiln_detect(wasm, 3, &why), KILN_DETECT_NEITHER);
    assert_int_equal(kiln_detect(NULL, 0, NULL), KILN_DETECT_NEITHER);
    assert_int_equal(kiln_detect(short_kiln, sizeof short_kiln, &why), KILN_DETECT_UNLOADABLE);
    assert_int_equal(why.status, KILN_ERR_TRUNCATED);

    uint8_t *bytes;
    size_t size;
    build(NULL, &bytes, &size);
    /* Any alignment. */
    uint8_t *shifted = malloc(size + 8);
    for (size_t shift = 0; shift < 8; shift++) {
        memcpy(shifted + shift, bytes, size);
        assert_int_equal(kiln_detect(shifted + shift, size, NULL), KILN_DETECT_LOADABLE);
    }
    free(shifted);
    bytes[size / 2] ^= 0x40;
    assert_int_equal(kiln_detect(bytes, size, &why), KILN_DETECT_UNLOADABLE);
    assert_int_equal(why.status, KILN_ERR_CHECKSUM);
    expect_in(why.message, "checksum mismatch");
    free(bytes);
}

static void aarch64(tb_container *c) { c->triple = "aarch64-unknown-linux-gnu"; }

static void test_detect_other_target(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    build(aarch64, &bytes, &size);
    kiln_error why;
    assert_int_equal(kiln_detect(bytes, size, &why), KILN_DETECT_UNLOADABLE);
    assert_int_equal(why.status, KILN_ERR_TARGET);
    expect_in(why.message, "module compiled for aarch64-unknown-linux-gnu, this runtime is "
                           "x86_64-unknown-linux-gnu");
    free(bytes);
}

static void test_check_clean_container(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    build(NULL, &bytes, &size);
    problems p = {0};
    kiln_error err;
    assert_int_equal(kiln_module_check(bytes, size, collect, &p, &err), KILN_OK);
    assert_int_equal(p.count, 0);
    assert_int_equal(kiln_module_check(bytes, size, NULL, NULL, NULL), KILN_OK);
    free(bytes);
}

static const char *const all_features[] = {
    "sse2", "ssse3", "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "bmi", "bmi2", "fma",
    "avx512f", "avx512bw", "avx512vl", "avx512vbmi2", "avx512vnni", "avx512bitalg",
    "avx512vpopcntdq", "gfni", "vaes", "sha"};
static char feature_list[600];

static bool host_has(const char *name)
{
    return ld_cpu_feature(name, strlen(name)) == LD_FEATURE_PRESENT;
}

/* Everything wrong at once that a header can say. */
static void everything_wrong(tb_container *c)
{
    c->version = 9;
    c->compiler = "kilnc 9.9.9 (LLVM 23.0.0)";
    /* The host's architecture, another OS: the features are still judged
     * (for another architecture they would say nothing more). */
    c->triple = "x86_64-apple-darwin23.1.0";
    c->pointer_width = 4;
    c->endianness = 1;
    c->bounds = 7;
    c->cpu_features = feature_list;
    c->helpers_used |= (uint64_t)1 << 40 | (uint64_t)1 << 41;
}

static void test_check_lists_every_reason(void **state)
{
    (void)state;
    feature_list[0] = '\0';
    unsigned missing = 0;
    for (size_t i = 0; i < sizeof all_features / sizeof all_features[0]; i++) {
        strcat(feature_list, i ? ",+" : "+");
        strcat(feature_list, all_features[i]);
        missing += !host_has(all_features[i]);
    }
    uint8_t *bytes;
    size_t size;
    build(everything_wrong, &bytes, &size);
    bytes[size - 1] ^= 1; /* and damaged */
    problems p = {0};
    kiln_error err;
    assert_int_equal(kiln_module_check(bytes, size, collect, &p, &err), KILN_ERR_VERSION);
    assert_int_equal(err.status, KILN_ERR_VERSION);
    assert_int_equal(p.count, 7u + (missing != 0));

    expect_in(find(&p, KILN_ERR_VERSION),
              "container format version 9, this runtime loads versions 3..3 (the module was "
              "compiled by kilnc 9.9.9 (LLVM 23.0.0), newer than this runtime)");
    expect_in(find(&p, KILN_ERR_CHECKSUM), "checksum mismatch: the header says 0x");
    expect_in(find(&p, KILN_ERR_TARGET), "module compiled for x86_64-apple-darwin23.1.0, "
                                         "this runtime is x86_64-unknown-linux-gnu");
    expect_in(find(&p, KILN_ERR_POINTER_WIDTH),
              "module compiled for 4-byte pointers, this runtime uses 8-byte pointers");
    expect_in(find(&p, KILN_ERR_ENDIANNESS),
              "module is big-endian (byte order 1), this runtime is little-endian");
    expect_in(find(&p, KILN_ERR_BOUNDS_MODE), "bounds-check mode 7, this runtime honours");
    const char *helpers = find(&p, KILN_ERR_HELPERS);
    expect_in(helpers, "helper 40 (unknown to this runtime, which knows 0..14)");
    expect_in(helpers, "helper 41");
    if (missing != 0) {
        const char *features = find(&p, KILN_ERR_CPU_FEATURES);
        expect_in(features, "module needs CPU feature");
        for (size_t i = 0; i < sizeof all_features / sizeof all_features[0]; i++) {
            char needle[40];
            snprintf(needle, sizeof needle, " %s", all_features[i]);
            bool has = host_has(all_features[i]);
            if (has)
                assert_null(strstr(features, needle));
            else
                expect_in(features, needle);
        }
    }
    free(bytes);
}

static void older(tb_container *c)
{
    c->version = 0;
    c->compiler = "kilnc 0.0.1 (LLVM 18.1.0)";
}

static void test_version_message_names_producer(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    build(older, &bytes, &size);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_ERR_VERSION);
    assert_null(m);
    expect_in(err.message, "container format version 0, this runtime loads versions 3..3 (the "
                           "module was compiled by kilnc 0.0.1 (LLVM 18.1.0), recompile it "
                           "with this kilnc)");
    /* A producer string that is not text is not printed. */
    kiln_write_u32le(bytes + KILN_AOT_OFF_COMPILER_VERSION + 4, 0x7FFFFFFFu);
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_ERR_VERSION);
    expect_in(err.message, "compiled by an unknown kilnc");
    free(bytes);
}

static void test_check_single_fatal_problems(void **state)
{
    (void)state;
    static const uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    problems p = {0};
    kiln_error err;
    assert_int_equal(kiln_module_check(wasm, sizeof wasm, collect, &p, &err), KILN_ERR_IS_WASM);
    assert_int_equal(p.count, 1);
    expect_in(err.message, "compile it with kilnc first");
    uint8_t *bytes;
    size_t size;
    build(NULL, &bytes, &size);
    for (size_t len = 0; len < size; len++) {
        memset(&p, 0, sizeof p);
        kiln_status st = kiln_module_check(bytes, len, collect, &p, &err);
        assert_int_not_equal(st, KILN_OK);
        assert_true(p.count >= 1);
        if (len >= 4)
            assert_int_equal(st, KILN_ERR_TRUNCATED);
    }
    /* A section table entry outside the file. */
    uint32_t table = kiln_read_u32le(bytes + KILN_AOT_OFF_SECTION_TABLE);
    kiln_write_u32le(bytes + table + 4, (uint32_t)size);
    tb_reseal(bytes, size);
    memset(&p, 0, sizeof p);
    assert_int_equal(kiln_module_check(bytes, size, collect, &p, &err), KILN_ERR_CORRUPT);
    expect_in(err.message, "outside the payload area");
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_kinds),
        cmocka_unit_test(test_detect_other_target),
        cmocka_unit_test(test_check_clean_container),
        cmocka_unit_test(test_check_lists_every_reason),
        cmocka_unit_test(test_version_message_names_producer),
        cmocka_unit_test(test_check_single_fatal_problems),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
