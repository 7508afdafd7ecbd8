/*
 * Unit tests for the WebAssembly binary decoder (compiler/wasm/decode.c,
 * reader.c): modules are built by hand with a tiny byte builder, then
 * decoded; malformed inputs must fail with KILN_ERR_MALFORMED, the spec
 * test suite's message first, and an offset inside the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "module.h"
#include "opsig.h"
#include "reader.h"

/* ---- byte builder --------------------------------------------------------- */

typedef struct bb {
    uint8_t b[4096];
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
static void str(bb *x, const char *s)
{
    leb(x, strlen(s));
    put(x, s, strlen(s));
}
static void header(bb *x)
{
    static const uint8_t h[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    x->n = 0;
    put(x, h, 8);
}
static void section(bb *x, uint8_t id, const bb *content)
{
    u8(x, id);
    leb(x, content->n);
    put(x, content->b, content->n);
}

static kiln_status decode(const bb *x, wasm_module **m, kiln_error *err)
{
    memset(err, 0, sizeof *err);
    return dec_module(x->b, x->n, m, err);
}

static void assert_malformed(const bb *x, const char *prefix)
{
    wasm_module *m = NULL;
    kiln_error err;
    kiln_status st = decode(x, &m, &err);
    if (st == KILN_OK) {
        /* Some errors live in function bodies. */
        for (uint32_t i = m->func_import_count; i < m->func_count && st == KILN_OK; i++) {
            wasm_body body;
            st = dec_function_body(m, i, &body, &err);
            if (st == KILN_OK)
                dec_body_free(&body);
        }
        dec_module_free(m);
    }
    assert_int_equal(st, KILN_ERR_MALFORMED);
    if (strncmp(err.message, prefix, strlen(prefix)) != 0)
        fail_msg("expected \"%s\", got \"%s\"", prefix, err.message);
    assert_true(err.offset <= x->n);
}

/*
 * A module using every section: type, import (func + global), function,
 * table, memory, global, export, start, elem (active, passive, declarative
 * with expressions), datacount, code, data (active + passive) and a name
 * section. boundaries[] records where each section ends.
 */
static size_t boundaries[32];
static size_t boundary_count;

static void end_section(bb *x)
{
    boundaries[boundary_count++] = x->n;
}

static void build_full(bb *x)
{
    bb s;
    header(x);
    boundary_count = 0;
    end_section(x);
    /* type: 0 = [] -> [], 1 = [i32 i32] -> [i32], 2 = [] -> [i32 i64] */
    s.n = 0;
    leb(&s, 3);
    u8(&s, 0x60), leb(&s, 0), leb(&s, 0);
    u8(&s, 0x60), leb(&s, 2), u8(&s, 0x7F), u8(&s, 0x7F), leb(&s, 1), u8(&s, 0x7F);
    u8(&s, 0x60), leb(&s, 0), leb(&s, 2), u8(&s, 0x7F), u8(&s, 0x7E);
    section(x, 1, &s);
    end_section(x);
    /* import: env.f (type 1), env.g (global i32 const) */
    s.n = 0;
    leb(&s, 2);
    str(&s, "env"), str(&s, "f"), u8(&s, 0), leb(&s, 1);
    str(&s, "env"), str(&s, "g"), u8(&s, 3), u8(&s, 0x7F), u8(&s, 0);
    section(x, 2, &s);
    end_section(x);
    /* function: 3 defined functions */
    s.n = 0;
    leb(&s, 3), leb(&s, 0), leb(&s, 1), leb(&s, 2);
    section(x, 3, &s);
    end_section(x);
    /* table: funcref 1..10 */
    s.n = 0;
    leb(&s, 1), u8(&s, 0x70), u8(&s, 1), leb(&s, 1), leb(&s, 10);
    section(x, 4, &s);
    end_section(x);
    /* memory: 1 page */
    s.n = 0;
    leb(&s, 1), u8(&s, 0), leb(&s, 1);
    section(x, 5, &s);
    end_section(x);
    /* global: mut i64 = 7; i32 = global.get 0 */
    s.n = 0;
    leb(&s, 2);
    u8(&s, 0x7E), u8(&s, 1), u8(&s, 0x42), leb(&s, 7), u8(&s, 0x0B);
    u8(&s, 0x7F), u8(&s, 0), u8(&s, 0x23), leb(&s, 0), u8(&s, 0x0B);
    section(x, 6, &s);
    end_section(x);
    /* export: "add" func 2, "mem" memory 0 */
    s.n = 0;
    leb(&s, 2);
    str(&s, "add"), u8(&s, 0), leb(&s, 2);
    str(&s, "mem"), u8(&s, 2), leb(&s, 0);
    section(x, 7, &s);
    end_section(x);
    /* start: function 1 ([] -> []) */
    s.n = 0;
    leb(&s, 1);
    section(x, 8, &s);
    end_section(x);
    /* elem: flags 0 (active, func indices), 1 (passive), 7 (declarative
     * exprs) */
    s.n = 0;
    leb(&s, 3);
    leb(&s, 0), u8(&s, 0x41), leb(&s, 0), u8(&s, 0x0B), leb(&s, 2), leb(&s, 1), leb(&s, 2);
    leb(&s, 1), u8(&s, 0), leb(&s, 1), leb(&s, 3);
    leb(&s, 7), u8(&s, 0x70), leb(&s, 2), u8(&s, 0xD2), leb(&s, 1), u8(&s, 0x0B), u8(&s, 0xD0),
        u8(&s, 0x70), u8(&s, 0x0B);
    section(x, 9, &s);
    end_section(x);
    /* datacount: 2 */
    s.n = 0;
    leb(&s, 2);
    section(x, 12, &s);
    end_section(x);
    /* code */
    s.n = 0;
    leb(&s, 3);
    {
        /* f1: block; i32.const 1; if; nop; else; nop; end; end; end */
        static const uint8_t b1[] = {0x00, 0x02, 0x40, 0x41, 0x01, 0x04, 0x40, 0x01,
                                     0x05, 0x01, 0x0B, 0x0B, 0x0B};
        leb(&s, sizeof b1), put(&s, b1, sizeof b1);
        /* f2: (local i64 x2) local.get 0 local.get 1 i32.add
         *     block (br_table 0 1 0) end end */
        static const uint8_t b2[] = {0x01, 0x02, 0x7E, 0x20, 0x00, 0x20, 0x01, 0x6A, 0x02,
                                     0x40, 0x41, 0x00, 0x0E, 0x02, 0x00, 0x01, 0x00, 0x0B, 0x0B};
        leb(&s, sizeof b2), put(&s, b2, sizeof b2);
        /* f3: i32.const 0 i64.const 0 data.drop 1 end */
        static const uint8_t b3[] = {0x00, 0x41, 0x00, 0x42, 0x00, 0xFC, 0x09, 0x01, 0x0B};
        leb(&s, sizeof b3), put(&s, b3, sizeof b3);
    }
    section(x, 10, &s);
    end_section(x);
    /* data: active at 0 "hi", passive "xyz" */
    s.n = 0;
    leb(&s, 2);
    leb(&s, 0), u8(&s, 0x41), leb(&s, 0), u8(&s, 0x0B), str(&s, "hi");
    leb(&s, 1), str(&s, "xyz");
    section(x, 11, &s);
    end_section(x);
    /* custom "name": module "m", functions 2 -> "add" */
    s.n = 0;
    str(&s, "name");
    u8(&s, 0), leb(&s, 2), str(&s, "m");
    u8(&s, 1), leb(&s, 6), leb(&s, 1), leb(&s, 2), str(&s, "add");
    section(x, 0, &s);
    end_section(x);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_decode_empty_module_ok(void **state)
{
    (void)state;
    bb x;
    header(&x);
    wasm_module *m = NULL;
    kiln_error err;
    assert_int_equal(decode(&x, &m, &err), KILN_OK);
    assert_non_null(m);
    assert_int_equal(m->func_count, 0);
    dec_module_free(m);
    dec_module_free(NULL);
}

static void test_decode_full_module_ok(void **state)
{
    (void)state;
    bb x;
    build_full(&x);
    wasm_module *m = NULL;
    kiln_error err;
    assert_int_equal(decode(&x, &m, &err), KILN_OK);
    assert_int_equal(m->type_count, 3);
    assert_int_equal(m->types[1].param_count, 2);
    assert_int_equal(m->import_count, 2);
    assert_int_equal(m->func_count, 4);
    assert_int_equal(m->func_import_count, 1);
    assert_int_equal(m->global_count, 3);
    assert_int_equal(m->global_import_count, 1);
    assert_true(m->globals[1].type.is_mutable);
    assert_int_equal(m->globals[1].init.code[0].imm.i64, 7);
    assert_int_equal(m->table_count, 1);
    assert_int_equal(m->tables[0].limits.max, 10);
    assert_int_equal(m->memory_count, 1);
    assert_int_equal(m->export_count, 2);
    assert_string_equal(m->exports[0].name.bytes, "add");
    assert_true(m->has_start);
    assert_int_equal(m->start_func, 1);
    assert_int_equal(m->elem_count, 3);
    assert_int_equal(m->elems[0].item_count, 2);
    assert_int_equal(m->elems[0].items[1].code[0].op, WASM_OP_REF_FUNC);
    assert_int_equal(m->elems[0].items[1].code[0].imm.index, 2);
    assert_int_equal(m->elems[1].mode, KILN_SEGMENT_PASSIVE);
    assert_int_equal(m->elems[2].mode, KILN_SEGMENT_DECLARATIVE);
    assert_int_equal(m->elems[2].items[1].code[0].op, WASM_OP_REF_NULL);
    assert_true(m->has_data_count);
    assert_int_equal(m->data_count, 2);
    assert_int_equal(m->datas[0].size, 2);
    assert_memory_equal(m->datas[1].bytes, "xyz", 3);
    assert_int_equal(m->datas[1].mode, KILN_SEGMENT_PASSIVE);
    assert_int_equal(m->custom_count, 1);
    assert_string_equal(m->module_name, "m");
    assert_string_equal(m->funcs[2].name, "add");
    assert_null(m->funcs[1].name);
    assert_true(m->features & KILN_FEATURE_MULTI_VALUE);
    assert_true(m->features & KILN_FEATURE_BULK_MEMORY);
    assert_true(m->features & KILN_FEATURE_REFERENCE_TYPES);

    wasm_body body;
    assert_int_equal(dec_function_body(m, 1, &body, &err), KILN_OK);
    assert_int_equal(body.code_count, 9);
    assert_int_equal(body.code[0].op, WASM_OP_BLOCK);
    assert_int_equal(body.code[0].imm.block.end_pos, 7);
    assert_int_equal(body.code[2].op, WASM_OP_IF);
    assert_int_equal(body.code[2].imm.block.else_pos, 4);
    assert_int_equal(body.code[2].imm.block.end_pos, 6);
    assert_int_equal(body.code[8].op, WASM_OP_END);
    assert_int_equal(body.code[0].offset, m->funcs[1].body_offset + 1);
    dec_body_free(&body);

    assert_int_equal(dec_function_body(m, 2, &body, &err), KILN_OK);
    assert_int_equal(body.local_count, 2);
    assert_int_equal(body.local_types[1], WASM_I64);
    assert_int_equal(body.br_target_count, 2);
    const wasm_instr *bt = &body.code[5];
    assert_int_equal(bt->op, WASM_OP_BR_TABLE);
    assert_int_equal(bt->imm.br_table.count, 2);
    assert_int_equal(body.br_targets[bt->imm.br_table.first + 1], 1);
    assert_int_equal(bt->imm.br_table.default_depth, 0);
    dec_body_free(&body);

    /* Imported functions have no body. */
    assert_int_equal(dec_function_body(m, 0, &body, &err), KILN_ERR_ARGUMENT);
    dec_module_free(m);
}

/* Every strict prefix of the full module is malformed, except the ones that
 * end exactly at a section boundary before the function section or after
 * the data section (those are complete smaller modules). */
static void test_decode_every_truncation_rejected(void **state)
{
    (void)state;
    bb x;
    build_full(&x);
    size_t full = x.n;
    for (size_t len = 0; len < full; len++) {
        bool boundary = false;
        for (size_t i = 0; i < boundary_count; i++)
            if (boundaries[i] == len && (i < 3 || i == boundary_count - 2))
                boundary = true;
        wasm_module *m = NULL;
        kiln_error err;
        memset(&err, 0, sizeof err);
        kiln_status st = dec_module(x.b, len, &m, &err);
        if (st == KILN_OK) {
            for (uint32_t i = m->func_import_count; i < m->func_count && st == KILN_OK; i++) {
                wasm_body body;
                st = dec_function_body(m, i, &body, &err);
                if (st == KILN_OK)
                    dec_body_free(&body);
            }
            dec_module_free(m);
        }
        if (st == KILN_OK) {
            if (!boundary)
                fail_msg("prefix of %zu bytes accepted", len);
            continue;
        }
        assert_int_equal(st, KILN_ERR_MALFORMED);
        assert_true(err.offset <= len);
        assert_true(err.message[0] != '\0');
    }
}

static void test_decode_bad_magic_rejected(void **state)
{
    (void)state;
    bb x;
    header(&x);
    x.b[1] = 'A';
    assert_malformed(&x, "magic header not detected");
    x.n = 3;
    assert_malformed(&x, "unexpected end");
}

static void test_decode_bad_version_rejected(void **state)
{
    (void)state;
    bb x;
    header(&x);
    x.b[4] = 2;
    assert_malformed(&x, "unknown binary version");
}

static void test_decode_leb_too_long_rejected(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    /* type count 1 encoded in 6 bytes */
    s.n = 0;
    static const uint8_t too_long[] = {0x81, 0x80, 0x80, 0x80, 0x80, 0x00};
    put(&s, too_long, sizeof too_long);
    u8(&s, 0x60), leb(&s, 0), leb(&s, 0);
    section(&x, 1, &s);
    assert_malformed(&x, "integer representation too long");
}

static void test_decode_leb_unused_bits_rejected(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    s.n = 0;
    static const uint8_t too_large[] = {0x81, 0x80, 0x80, 0x80, 0x70};
    put(&s, too_large, sizeof too_large);
    section(&x, 1, &s);
    assert_malformed(&x, "integer too large");
}

static void test_decode_section_size_mismatch_rejected(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    s.n = 0;
    leb(&s, 1), u8(&s, 0x60), leb(&s, 0), leb(&s, 0), u8(&s, 0x60);
    section(&x, 1, &s);
    assert_malformed(&x, "section size mismatch");
    /* Section larger than the input. */
    header(&x);
    u8(&x, 1), leb(&x, 20), leb(&x, 0);
    assert_malformed(&x, "length out of bounds");
}

static void test_decode_bad_utf8_rejected(void **state)
{
    (void)state;
    static const char *bad[] = {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80",
                                "\xE2\x82"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bb x, s;
        header(&x);
        s.n = 0;
        leb(&s, 1), str(&s, bad[i]), str(&s, "f"), u8(&s, 0), leb(&s, 0);
        section(&x, 2, &s);
        assert_malformed(&x, "malformed UTF-8 encoding");
    }
    assert_true(dec_utf8_valid((const uint8_t *)"\xE2\x82\xAC", 3));
}

/* Found by fuzz_decoder: (import "sp\00ctest" "memory" (memory 1)) compiled,
 * and the loader refused the container (import names are C strings at run
 * time). The decoder refuses it as unsupported, naming the import. */
static void test_decode_nul_in_import_name_unsupported(void **state)
{
    (void)state;
    static const char names[2][2][8] = {{"sp\0ctest", "memory"}, {"env", "me\0m"}};
    static const size_t lengths[2][2] = {{8, 6}, {3, 4}};
    for (size_t i = 0; i < 2; i++) {
        bb x, s;
        header(&x);
        s.n = 0;
        leb(&s, 1);
        leb(&s, lengths[i][0]), put(&s, names[i][0], lengths[i][0]);
        leb(&s, lengths[i][1]), put(&s, names[i][1], lengths[i][1]);
        u8(&s, 2), u8(&s, 0), leb(&s, 1); /* memory, min 1 */
        section(&x, 2, &s);
        wasm_module *m = NULL;
        kiln_error err;
        assert_int_equal(dec_module(x.b, x.n, &m, &err), KILN_ERR_UNSUPPORTED);
        assert_null(m);
        assert_non_null(strstr(err.message, i == 0 ? "import 0: the module name contains a NUL"
                                                   : "import 0: the field name contains a NUL"));
        assert_int_equal(err.offset, 11); /* the import entry, after the count */
    }
    /* An export name may hold NUL: the runtime keeps its length. */
    bb x, s;
    header(&x);
    s.n = 0;
    leb(&s, 1), leb(&s, 2), put(&s, "a\0", 2), u8(&s, 2), leb(&s, 0);
    bb mem;
    mem.n = 0;
    leb(&mem, 1), u8(&mem, 0), leb(&mem, 1);
    section(&x, 5, &mem);
    section(&x, 7, &s);
    wasm_module *m = NULL;
    kiln_error err;
    assert_int_equal(dec_module(x.b, x.n, &m, &err), KILN_OK);
    dec_module_free(m);
}

static void test_decode_too_many_locals_rejected(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    s.n = 0;
    leb(&s, 1), u8(&s, 0x60), leb(&s, 0), leb(&s, 0);
    section(&x, 1, &s);
    s.n = 0;
    leb(&s, 1), leb(&s, 0);
    section(&x, 3, &s);
    s.n = 0;
    bb body;
    body.n = 0;
    leb(&body, 2), leb(&body, 30000), u8(&body, 0x7F), leb(&body, 30000), u8(&body, 0x7E);
    u8(&body, 0x0B);
    leb(&s, 1), leb(&s, body.n), put(&s, body.b, body.n);
    section(&x, 10, &s);
    assert_malformed(&x, "too many locals");
}

static void test_decode_function_code_mismatch_rejected(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    s.n = 0;
    leb(&s, 1), u8(&s, 0x60), leb(&s, 0), leb(&s, 0);
    section(&x, 1, &s);
    s.n = 0;
    leb(&s, 2), leb(&s, 0), leb(&s, 0);
    section(&x, 3, &s);
    bb with_code = x;
    assert_malformed(&x, "function and code section have inconsistent lengths");
    s.n = 0;
    leb(&s, 1), leb(&s, 2), leb(&s, 0), u8(&s, 0x0B);
    section(&with_code, 10, &s);
    assert_malformed(&with_code, "function and code section have inconsistent lengths");
}

static void test_decode_section_order_rejected(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    s.n = 0;
    leb(&s, 0);
    section(&x, 3, &s);
    section(&x, 1, &s);
    assert_malformed(&x, "unexpected content after last section");
    header(&x);
    u8(&x, 13), leb(&x, 0);
    assert_malformed(&x, "malformed section id");
}

static void test_decode_illegal_opcode_rejected(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    s.n = 0;
    leb(&s, 1), u8(&s, 0x60), leb(&s, 0), leb(&s, 0);
    section(&x, 1, &s);
    s.n = 0;
    leb(&s, 1), leb(&s, 0);
    section(&x, 3, &s);
    s.n = 0;
    leb(&s, 1), leb(&s, 3), leb(&s, 0), u8(&s, 0xFF), u8(&s, 0x0B);
    section(&x, 10, &s);
    assert_malformed(&x, "illegal opcode");
}

static void test_decode_bad_name_section_ignored(void **state)
{
    (void)state;
    bb x, s;
    header(&x);
    s.n = 0;
    str(&s, "name");
    u8(&s, 0), leb(&s, 10), str(&s, "m"); /* subsection claims too many bytes */
    section(&x, 0, &s);
    wasm_module *m = NULL;
    kiln_error err;
    assert_int_equal(decode(&x, &m, &err), KILN_OK);
    assert_null(m->module_name);
    assert_int_equal(m->custom_count, 1);
    dec_module_free(m);
}

static void test_decode_opcode_table_consistent(void **state)
{
    (void)state;
    assert_string_equal(wasm_op_name(WASM_OP_I32_ADD), "i32.add");
    assert_string_equal(wasm_op_name(WASM_OP_I32_TRUNC_SAT_F32_S), "i32.trunc_sat_f32_s");
    assert_string_equal(wasm_op_name(WASM_OP_I32_ATOMIC_RMW8_ADD_U), "i32.atomic.rmw8.add_u");
    assert_int_equal(wasm_op_imm(WASM_OP_BR_TABLE), WASM_IMM_BR_TABLE);
    assert_int_equal(wasm_op_imm(WASM_OP_V128_LOAD8_LANE), WASM_IMM_MEMARG_LANE);
    assert_int_equal(wasm_op_family(WASM_OP_F64X2_ADD), WASM_FAM_SIMD);
    assert_int_equal(wasm_op_family(WASM_OP_MEMORY_ATOMIC_NOTIFY), WASM_FAM_ATOMIC);
    assert_int_equal(wasm_sig_get(wasm_op_sig(WASM_OP_I64_LOAD32_U))->align_log2, 2);
    for (unsigned op = 0; op < WASM_OP_COUNT; op++)
        assert_non_null(wasm_op_name((wasm_op)op));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_empty_module_ok),
        cmocka_unit_test(test_decode_full_module_ok),
        cmocka_unit_test(test_decode_every_truncation_rejected),
        cmocka_unit_test(test_decode_bad_magic_rejected),
        cmocka_unit_test(test_decode_bad_version_rejected),
        cmocka_unit_test(test_decode_leb_too_long_rejected),
        cmocka_unit_test(test_decode_leb_unused_bits_rejected),
        cmocka_unit_test(test_decode_section_size_mismatch_rejected),
        cmocka_unit_test(test_decode_bad_utf8_rejected),
        cmocka_unit_test(test_decode_nul_in_import_name_unsupported),
        cmocka_unit_test(test_decode_too_many_locals_rejected),
        cmocka_unit_test(test_decode_function_code_mismatch_rejected),
        cmocka_unit_test(test_decode_section_order_rejected),
        cmocka_unit_test(test_decode_illegal_opcode_rejected),
        cmocka_unit_test(test_decode_bad_name_section_ignored),
        cmocka_unit_test(test_decode_opcode_table_consistent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
