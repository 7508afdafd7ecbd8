/*
 * Unit tests for the validator (compiler/wasm/validate.c). Each test builds
 * a small module by hand: one function of a chosen type and body, one
 * memory, an immutable global 0 and a mutable global 1 (both i32), then
 * decodes and validates it and checks the status, the spec message prefix
 * and the offset of the offending instruction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "module.h"

typedef struct bb {
    uint8_t b[2048];
    size_t n;
} bb;

static void put(bb *x, const void *p, size_t n)
{
    assert_true(x->n + n <= sizeof x->b);
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void u8(bb *x, uint8_t v)
{
    put(x, &v, 1);
}
static void leb(bb *x, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7F);
        v >>= 7;
        u8(x, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}
static void section(bb *x, uint8_t id, const bb *content)
{
    u8(x, id);
    leb(x, content->n);
    put(x, content->b, content->n);
}
static void types(bb *x, const char *t)
{
    leb(x, strlen(t));
    for (; *t; t++)
        u8(x, *t == 'i' ? 0x7F : *t == 'I' ? 0x7E : *t == 'f' ? 0x7D : *t == 'F' ? 0x7C : 0x7B);
}

/* Extra module pieces a test may ask for. */
typedef struct extras {
    const char *type2_params, *type2_results; /* second type, for block types */
    bool start;                               /* start function = function 0 */
    bool duplicate_export;
    uint32_t memory_pages;
} extras;

static void build(bb *x, const char *params, const char *results, const char *locals,
                  const uint8_t *code, size_t code_size, const extras *ex)
{
    static const uint8_t h[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    bb s;
    x->n = 0;
    put(x, h, 8);
    s.n = 0;
    leb(&s, ex && ex->type2_params ? 2 : 1);
    u8(&s, 0x60), types(&s, params), types(&s, results);
    if (ex && ex->type2_params)
        u8(&s, 0x60), types(&s, ex->type2_params), types(&s, ex->type2_results);
    section(x, 1, &s);
    s.n = 0;
    leb(&s, 1), leb(&s, 0);
    section(x, 3, &s);
    s.n = 0;
    leb(&s, 1), u8(&s, 0), leb(&s, ex && ex->memory_pages ? ex->memory_pages : 1);
    section(x, 5, &s);
    s.n = 0;
    leb(&s, 2);
    u8(&s, 0x7F), u8(&s, 0), u8(&s, 0x41), leb(&s, 0), u8(&s, 0x0B);
    u8(&s, 0x7F), u8(&s, 1), u8(&s, 0x41), leb(&s, 0), u8(&s, 0x0B);
    section(x, 6, &s);
    if (ex && ex->duplicate_export) {
        s.n = 0;
        leb(&s, 2);
        leb(&s, 1), u8(&s, 'f'), u8(&s, 0), leb(&s, 0);
        leb(&s, 1), u8(&s, 'f'), u8(&s, 3), leb(&s, 0);
        section(x, 7, &s);
    }
    if (ex && ex->start) {
        s.n = 0;
        leb(&s, 0);
        section(x, 8, &s);
    }
    bb body;
    body.n = 0;
    size_t nl = strlen(locals);
    leb(&body, nl);
    for (size_t i = 0; i < nl; i++) {
        leb(&body, 1);
        char one[2] = {locals[i], 0};
        bb t;
        t.n = 0;
        types(&t, one);
        u8(&body, t.b[1]);
    }
    put(&body, code, code_size);
    s.n = 0;
    leb(&s, 1), leb(&s, body.n), put(&s, body.b, body.n);
    section(x, 10, &s);
}

/* Decodes and validates; returns the first failing status. */
static kiln_status check(const bb *x, kiln_error *err)
{
    wasm_module *m = NULL;
    memset(err, 0, sizeof *err);
    kiln_status st = dec_module(x->b, x->n, &m, err);
    if (st != KILN_OK)
        return st;
    st = val_module(m, err);
    if (st == KILN_OK) {
        wasm_body body;
        st = dec_function_body(m, 0, &body, err);
        if (st == KILN_OK) {
            st = val_function(m, &body, err);
            dec_body_free(&body);
        }
    }
    dec_module_free(m);
    return st;
}

#define BODY(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static void expect_ok(const char *params, const char *results, const char *locals,
                      const uint8_t *code, size_t size, const extras *ex)
{
    bb x;
    kiln_error err;
    build(&x, params, results, locals, code, size, ex);
    kiln_status st = check(&x, &err);
    if (st != KILN_OK)
        fail_msg("expected valid, got %d: %s", st, err.message);
}

/* Expects KILN_ERR_INVALID with the message prefix; returns the offset of
 * the error relative to the first instruction of the body (or UINT64_MAX
 * when the error has no offset). */
static uint64_t expect_invalid(const char *params, const char *results, const char *locals,
                               const uint8_t *code, size_t size, const extras *ex,
                               const char *prefix)
{
    bb x;
    kiln_error err;
    build(&x, params, results, locals, code, size, ex);
    kiln_status st = check(&x, &err);
    if (st != KILN_ERR_INVALID || strncmp(err.message, prefix, strlen(prefix)) != 0)
        fail_msg("expected invalid \"%s\", got %d: %s", prefix, st, err.message);
    if (err.offset == KILN_NO_OFFSET)
        return UINT64_MAX;
    assert_true(err.offset < x.n);
    return err.offset - (x.n - size);
}

static void test_validate_add_ok(void **state)
{
    (void)state;
    expect_ok("ii", "i", "", BODY(0x20, 0, 0x20, 1, 0x6A, 0x0B), NULL);
}

static void test_validate_type_mismatch_rejected(void **state)
{
    (void)state;
    /* i64.const 1; i32.const 2; i32.add -> offset of i32.add is 4 */
    uint64_t off = expect_invalid("", "i", "", BODY(0x42, 1, 0x41, 2, 0x6A, 0x0B), NULL,
                                  "type mismatch");
    assert_int_equal(off, 4);
    /* result missing */
    expect_invalid("", "i", "", BODY(0x0B), NULL, "type mismatch");
    /* extra value at end */
    expect_invalid("", "", "", BODY(0x41, 1, 0x0B), NULL, "type mismatch");
}

static void test_validate_unknown_local_rejected(void **state)
{
    (void)state;
    uint64_t off = expect_invalid("i", "i", "I", BODY(0x20, 2, 0x0B), NULL, "unknown local");
    assert_int_equal(off, 0);
    expect_ok("i", "I", "I", BODY(0x20, 1, 0x0B), NULL);
}

static void test_validate_br_depth_rejected(void **state)
{
    (void)state;
    uint64_t off = expect_invalid("", "", "", BODY(0x02, 0x40, 0x0C, 2, 0x0B, 0x0B), NULL,
                                  "unknown label");
    assert_int_equal(off, 2);
    expect_ok("", "", "", BODY(0x02, 0x40, 0x0C, 1, 0x0B, 0x0B), NULL);
}

static void test_validate_immutable_global_set_rejected(void **state)
{
    (void)state;
    expect_invalid("", "", "", BODY(0x41, 0, 0x24, 0, 0x0B), NULL, "global is immutable");
    expect_ok("", "", "", BODY(0x41, 0, 0x24, 1, 0x0B), NULL);
    expect_invalid("", "", "", BODY(0x41, 0, 0x24, 7, 0x0B), NULL, "unknown global");
}

static void test_validate_unreachable_polymorphic_ok(void **state)
{
    (void)state;
    /* unreachable; i32.add; (result i32) */
    expect_ok("", "i", "", BODY(0x00, 0x6A, 0x0B), NULL);
    /* block (result i64) i64.const 0 br 0 i32.add drop end drop */
    expect_ok("", "", "", BODY(0x02, 0x7E, 0x42, 0, 0x0C, 0, 0x6A, 0x1A, 0x0B, 0x1A, 0x0B), NULL);
    /* unreachable; select on unknown operands */
    expect_ok("", "F", "", BODY(0x00, 0x1B, 0x0B), NULL);
    /* But known operands still have to match after unreachable. */
    expect_invalid("", "", "", BODY(0x00, 0x42, 0, 0x6A, 0x1A, 0x0B), NULL, "type mismatch");
}

static void test_validate_multi_value_block_ok(void **state)
{
    (void)state;
    extras ex = {.type2_params = "i", .type2_results = "iI"};
    /* i32.const 1; block (type 1) [i32] -> [i32 i64]: i64.const 2 end; drop; */
    expect_ok("", "i", "", BODY(0x41, 1, 0x02, 1, 0x42, 2, 0x0B, 0x1A, 0x0B), &ex);
    /* loop with params: branch to a loop takes its params */
    expect_ok("", "iI", "",
              BODY(0x41, 1, 0x03, 1, 0x41, 0, 0x0D, 0, 0x42, 3, 0x0B, 0x0B), &ex);
    expect_invalid("", "i", "", BODY(0x41, 1, 0x02, 1, 0x0B, 0x1A, 0x0B), &ex,
                   "type mismatch");
    expect_invalid("", "", "", BODY(0x02, 9, 0x0B, 0x0B), &ex, "unknown type");
}

static void test_validate_alignment_too_large_rejected(void **state)
{
    (void)state;
    /* i32.load align=3 (8 bytes) */
    uint64_t off = expect_invalid("", "i", "", BODY(0x41, 0, 0x28, 3, 0, 0x0B), NULL,
                                  "alignment must not be larger than natural");
    assert_int_equal(off, 2);
    expect_ok("", "i", "", BODY(0x41, 0, 0x28, 2, 0, 0x0B), NULL);
    expect_invalid("", "", "", BODY(0x41, 0, 0x41, 0, 0x3A, 1, 0, 0x0B), NULL,
                   "alignment must not be larger than natural");
}

static void test_validate_if_else_ok(void **state)
{
    (void)state;
    expect_ok("i", "i", "",
              BODY(0x20, 0, 0x04, 0x7F, 0x41, 1, 0x05, 0x41, 2, 0x0B, 0x0B), NULL);
    /* if with a result needs an else */
    expect_invalid("i", "i", "", BODY(0x20, 0, 0x04, 0x7F, 0x41, 1, 0x0B, 0x0B), NULL,
                   "type mismatch");
}

static void test_validate_br_table_ok(void **state)
{
    (void)state;
    expect_ok("i", "i", "",
              BODY(0x02, 0x7F, 0x41, 7, 0x20, 0, 0x0E, 1, 0, 1, 0x0B, 0x0B), NULL);
    /* inconsistent arity between targets */
    expect_invalid("i", "i", "",
                   BODY(0x02, 0x40, 0x41, 7, 0x20, 0, 0x0E, 1, 0, 1, 0x0B, 0x41, 0, 0x0B),
                   NULL, "type mismatch");
}

static void test_validate_simd_lane_rejected(void **state)
{
    (void)state;
    static const uint8_t ok[] = {0xFD, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0xFD, 27, 3, 0x0B};
    expect_ok("", "i", "", ok, sizeof ok, NULL);
    static const uint8_t bad[] = {0xFD, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0xFD, 27, 4, 0x0B};
    expect_invalid("", "i", "", bad, sizeof bad, NULL, "invalid lane index");
}

static void test_validate_module_rules_rejected(void **state)
{
    (void)state;
    extras start = {.start = true};
    expect_invalid("i", "", "", BODY(0x0B), &start, "start function");
    expect_ok("", "", "", BODY(0x0B), &start);
    extras dup = {.duplicate_export = true};
    expect_invalid("", "", "", BODY(0x0B), &dup, "duplicate export name");
    extras big = {.memory_pages = 65537};
    expect_invalid("", "", "", BODY(0x0B), &big,
                   "memory size must be at most 65536 pages (4GiB)");
}

static void test_validate_call_and_ref_func(void **state)
{
    (void)state;
    expect_invalid("", "", "", BODY(0x10, 5, 0x0B), NULL, "unknown function");
    /* ref.func 0 is not declared anywhere (no elem/export/global) */
    expect_invalid("", "", "", BODY(0xD2, 0, 0x1A, 0x0B), NULL,
                   "undeclared function reference");
    /* memory.init without data segments: unknown data segment */
    expect_invalid("", "", "", BODY(0x41, 0, 0x41, 0, 0x41, 0, 0xFC, 8, 0, 0, 0x0B), NULL,
                   "unknown data segment");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_add_ok),
        cmocka_unit_test(test_validate_type_mismatch_rejected),
        cmocka_unit_test(test_validate_unknown_local_rejected),
        cmocka_unit_test(test_validate_br_depth_rejected),
        cmocka_unit_test(test_validate_immutable_global_set_rejected),
        cmocka_unit_test(test_validate_unreachable_polymorphic_ok),
        cmocka_unit_test(test_validate_multi_value_block_ok),
        cmocka_unit_test(test_validate_alignment_too_large_rejected),
        cmocka_unit_test(test_validate_if_else_ok),
        cmocka_unit_test(test_validate_br_table_ok),
        cmocka_unit_test(test_validate_simd_lane_rejected),
        cmocka_unit_test(test_validate_module_rules_rejected),
        cmocka_unit_test(test_validate_call_and_ref_func),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
