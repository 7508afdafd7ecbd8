/*
 * Implementation limits (compiler/wasm/limits.h): a module exactly at a
 * limit decodes, one past it is refused with KILN_ERR_UNSUPPORTED naming
 * the limit, the value and the byte offset of the count that broke it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "limits.h"
#include "module.h"

/* ---- a growable byte builder ------------------------------------------------ */

typedef struct gb {
    uint8_t *b;
    size_t n, cap;
} gb;

static void put(gb *x, const void *p, size_t n)
{
    if (x->n + n > x->cap) {
        size_t cap = x->cap ? x->cap : 256;
        while (cap < x->n + n)
            cap *= 2;
        x->b = realloc(x->b, cap);
        assert_non_null(x->b);
        x->cap = cap;
    }
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void u8(gb *x, uint8_t v)
{
    put(x, &v, 1);
}
static void leb(gb *x, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7F);
        v >>= 7;
        u8(x, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}
static void header(gb *x)
{
    static const uint8_t h[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    put(x, h, 8);
}
/* Appends section id with content; returns the file offset of the
 * content's first byte. */
static size_t section(gb *x, uint8_t id, const gb *content)
{
    u8(x, id);
    leb(x, content->n);
    size_t at = x->n;
    put(x, content->b, content->n);
    return at;
}
static void release(gb *x)
{
    free(x->b);
    memset(x, 0, sizeof *x);
}

/* Decodes the module and every body; returns the first failure. */
static kiln_status decode_all(const gb *x, kiln_error *err)
{
    wasm_module *m = NULL;
    memset(err, 0, sizeof *err);
    kiln_status st = dec_module(x->b, x->n, &m, err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = m->func_import_count; i < m->func_count && st == KILN_OK; i++) {
        wasm_body body;
        st = dec_function_body(m, i, &body, err);
        if (st == KILN_OK)
            dec_body_free(&body);
    }
    dec_module_free(m);
    return st;
}

static void expect_limit(const gb *x, const char *limit_name, const char *value_what,
                         size_t offset)
{
    kiln_error err;
    kiln_status st = decode_all(x, &err);
    if (st != KILN_ERR_UNSUPPORTED || strstr(err.message, limit_name) == NULL ||
        strstr(err.message, value_what) == NULL ||
        strncmp(err.message, "implementation limit exceeded: ", 31) != 0)
        fail_msg("got %d \"%s\", wanted the %s limit with \"%s\"", st, err.message, limit_name,
                 value_what);
    assert_int_equal(err.offset, offset);
}

static void expect_ok(const gb *x)
{
    kiln_error err;
    kiln_status st = decode_all(x, &err);
    if (st != KILN_OK)
        fail_msg("got %d \"%s\"", st, err.message);
}

/* ---- modules at and past each limit ----------------------------------------- */

/* n types () -> (); returns the offset of the count. */
static size_t types_module(gb *x, uint32_t n)
{
    gb s = {0};
    header(x);
    leb(&s, n);
    for (uint32_t i = 0; i < n; i++)
        u8(&s, 0x60), u8(&s, 0), u8(&s, 0);
    size_t at = section(x, 1, &s);
    release(&s);
    return at;
}

static void test_limits_types(void **state)
{
    (void)state;
    gb x = {0};
    types_module(&x, WASM_MAX_TYPES);
    expect_ok(&x);
    release(&x);
    size_t at = types_module(&x, WASM_MAX_TYPES + 1);
    expect_limit(&x, "WASM_MAX_TYPES", "1000001 types", at);
    release(&x);
}

/* One type with params and results i32; returns the offset of the count
 * that is past its limit (params first). */
static size_t signature_module(gb *x, uint32_t params, uint32_t results)
{
    gb s = {0};
    header(x);
    leb(&s, 1);
    u8(&s, 0x60);
    size_t params_at = s.n;
    leb(&s, params);
    for (uint32_t i = 0; i < params; i++)
        u8(&s, 0x7F);
    size_t results_at = s.n;
    leb(&s, results);
    for (uint32_t i = 0; i < results; i++)
        u8(&s, 0x7F);
    size_t at = section(x, 1, &s);
    release(&s);
    return at + (params > WASM_MAX_FUNCTION_PARAMS ? params_at : results_at);
}

static void test_limits_params_and_results(void **state)
{
    (void)state;
    gb x = {0};
    signature_module(&x, 1000, 1000);
    expect_ok(&x);
    release(&x);
    size_t at = signature_module(&x, 1001, 0);
    expect_limit(&x, "WASM_MAX_FUNCTION_PARAMS", "1001 parameters", at);
    release(&x);
    at = signature_module(&x, 0, 1001);
    expect_limit(&x, "WASM_MAX_FUNCTION_RESULTS", "1001 results", at);
    release(&x);
}

/* n function imports env.f of type 0; returns the offset of the count. */
static size_t imports_module(gb *x, uint32_t n)
{
    gb s = {0};
    header(x);
    u8(&s, 1), u8(&s, 0x60), u8(&s, 0), u8(&s, 0);
    section(x, 1, &s);
    s.n = 0;
    leb(&s, n);
    for (uint32_t i = 0; i < n; i++) {
        u8(&s, 3), put(&s, "env", 3), u8(&s, 1), u8(&s, 'f');
        u8(&s, 0), u8(&s, 0);
    }
    size_t at = section(x, 2, &s);
    release(&s);
    return at;
}

static void test_limits_imports(void **state)
{
    (void)state;
    gb x = {0};
    imports_module(&x, WASM_MAX_IMPORTS);
    expect_ok(&x);
    release(&x);
    size_t at = imports_module(&x, WASM_MAX_IMPORTS + 1);
    expect_limit(&x, "WASM_MAX_IMPORTS", "100001 imports", at);
    release(&x);
}

/* One function (i32) -> () whose body is `block; local.get 0; br_table
 * n x 0, 0; end` plus `locals` declared i32 locals. Returns the offset of
 * the br_table's count. */
static size_t body_module(gb *x, uint32_t targets, uint32_t locals)
{
    gb s = {0}, body = {0};
    header(x);
    u8(&s, 1), u8(&s, 0x60), u8(&s, 1), u8(&s, 0x7F), u8(&s, 0);
    section(x, 1, &s);
    s.n = 0;
    u8(&s, 1), u8(&s, 0);
    section(x, 3, &s);
    s.n = 0;
    if (locals != 0)
        u8(&body, 1), leb(&body, locals), u8(&body, 0x7F);
    else
        u8(&body, 0);
    u8(&body, 0x02), u8(&body, 0x40), u8(&body, 0x20), u8(&body, 0), u8(&body, 0x0E);
    size_t count_in_body = body.n;
    leb(&body, targets);
    for (uint32_t i = 0; i < targets; i++)
        u8(&body, 0);
    u8(&body, 0), u8(&body, 0x0B), u8(&body, 0x0B);
    leb(&s, 1);
    leb(&s, body.n);
    size_t body_in_section = s.n;
    put(&s, body.b, body.n);
    size_t at = section(x, 10, &s);
    release(&s);
    release(&body);
    return at + body_in_section + count_in_body;
}

static void test_limits_br_table(void **state)
{
    (void)state;
    gb x = {0};
    body_module(&x, WASM_MAX_BR_TABLE_TARGETS, 0);
    expect_ok(&x);
    release(&x);
    size_t at = body_module(&x, WASM_MAX_BR_TABLE_TARGETS + 1, 0);
    expect_limit(&x, "WASM_MAX_BR_TABLE_TARGETS", "65521 targets in a br_table", at);
    release(&x);
}

/* Locals count the parameter: 1 + 49,999 is the most. */
static void test_limits_locals_include_params(void **state)
{
    (void)state;
    gb x = {0};
    body_module(&x, 1, WASM_MAX_FUNCTION_LOCALS - 1);
    expect_ok(&x);
    release(&x);
    body_module(&x, 1, WASM_MAX_FUNCTION_LOCALS);
    kiln_error err;
    assert_int_equal(decode_all(&x, &err), KILN_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "too many locals: function 0 has 1 parameters"));
    assert_non_null(strstr(err.message, "WASM_MAX_FUNCTION_LOCALS"));
    release(&x);
}

/* A function section past the function limit is refused at its count,
 * before anything is allocated for it. */
static void test_limits_functions(void **state)
{
    (void)state;
    gb x = {0}, s = {0};
    header(&x);
    u8(&s, 1), u8(&s, 0x60), u8(&s, 0), u8(&s, 0);
    section(&x, 1, &s);
    s.n = 0;
    leb(&s, WASM_MAX_FUNCTIONS + 1);
    for (uint32_t i = 0; i <= WASM_MAX_FUNCTIONS; i++)
        u8(&s, 0);
    size_t at = section(&x, 3, &s);
    expect_limit(&x, "WASM_MAX_FUNCTIONS", "1000001 functions", at);
    release(&s);
    release(&x);
}

/* A body larger than WASM_MAX_FUNCTION_BODY_BYTES: nops. */
static void test_limits_function_body_size(void **state)
{
    (void)state;
    gb x = {0}, s = {0};
    header(&x);
    u8(&s, 1), u8(&s, 0x60), u8(&s, 0), u8(&s, 0);
    section(&x, 1, &s);
    s.n = 0;
    u8(&s, 1), u8(&s, 0);
    section(&x, 3, &s);
    s.n = 0;
    uint32_t size = WASM_MAX_FUNCTION_BODY_BYTES + 1;
    leb(&s, 1);
    leb(&s, size);
    size_t body_at = s.n;
    u8(&s, 0);
    for (uint32_t i = 0; i < size - 2; i++)
        u8(&s, 0x01);
    u8(&s, 0x0B);
    size_t at = section(&x, 10, &s);
    expect_limit(&x, "WASM_MAX_FUNCTION_BODY_BYTES", "7654322 bytes in a function body",
                 at + body_at);
    release(&s);
    release(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_types),
        cmocka_unit_test(test_limits_params_and_results),
        cmocka_unit_test(test_limits_imports),
        cmocka_unit_test(test_limits_br_table),
        cmocka_unit_test(test_limits_locals_include_params),
        cmocka_unit_test(test_limits_functions),
        cmocka_unit_test(test_limits_function_body_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
