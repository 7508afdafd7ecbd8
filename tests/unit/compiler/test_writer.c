/*
 * Container writer (compiler/emit/writer.c) and inspector: header fields
 * and section table read back with the kiln_read_* accessors, each section's
 * payload in the layout of include/kiln/aot_format.h, the checksum covering
 * every byte, and the inspector's refusals.
 *
 * The module and the code image are built by hand, so these tests need
 * neither the decoder nor LLVM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit/inspect.h"
#include "emit/writer.h"
#include "kiln_common.h"

typedef struct fixture {
    wasm_module m;
    wasm_functype types[2];
    wasm_valtype type0[3];
    wasm_import imports[1];
    wasm_func funcs[3];
    wasm_tabletype tables[1];
    wasm_limits memories[1];
    wasm_global globals[1];
    wasm_instr global_init[4];
    wasm_export exports[2];
    wasm_elem elems[1];
    wasm_instr elem_offset[2];
    wasm_expr elem_items[1];
    wasm_instr elem_item[2];
    wasm_data datas[2];
    wasm_instr data_offset[2];
    wasm_custom customs[2];
    emit_image image;
    uint8_t code[48];
    emit_reloc relocs[1];
    char *externs[1];
    emit_symbol symbols[2];
    wr_target_info target;
} fixture;

static wasm_name name_of(const char *s)
{
    wasm_name n = {(char *)s, (uint32_t)strlen(s)};
    return n;
}

static wasm_instr instr(wasm_op op)
{
    wasm_instr in;
    memset(&in, 0, sizeof in);
    in.op = (uint16_t)op;
    return in;
}

/* Builds: type 0 (i32 i32)->(i32), type 1 ()->(); func 0 imported env.log,
 * func 1 "add" (code at 0, 8 bytes), func 2 (no code: inlined away), start
 * func 2; one funcref table, one memory, one mutable global 40 + 2, one
 * active elem, an active and a passive data segment, a "name" and a
 * "producers" custom section. */
static void fixture_build(fixture *f)
{
    memset(f, 0, sizeof *f);
    wasm_module *m = &f->m;

    f->type0[0] = WASM_I32;
    f->type0[1] = WASM_I32;
    f->type0[2] = WASM_I32;
    f->types[0] = (wasm_functype){2, 1, f->type0};
    f->types[1] = (wasm_functype){0, 0, NULL};
    m->types = f->types;
    m->type_count = 2;

    f->imports[0].module = name_of("env");
    f->imports[0].field = name_of("log");
    f->imports[0].kind = KILN_EXTERN_FUNC;
    f->imports[0].desc.type_index = 1;
    m->imports = f->imports;
    m->import_count = 1;

    f->funcs[0] = (wasm_func){.type_index = 1, .imported = true};
    f->funcs[1] = (wasm_func){.type_index = 0, .name = "add"};
    f->funcs[2] = (wasm_func){.type_index = 1};
    m->funcs = f->funcs;
    m->func_count = 3;
    m->func_import_count = 1;

    f->tables[0].reftype = WASM_FUNCREF;
    f->tables[0].limits = (wasm_limits){.min = 1, .max = 2, .has_max = true};
    m->tables = f->tables;
    m->table_count = 1;

    f->memories[0] = (wasm_limits){.min = 1};
    m->memories = f->memories;
    m->memory_count = 1;

    f->global_init[0] = instr(WASM_OP_I32_CONST);
    f->global_init[0].imm.i32 = 40;
    f->global_init[1] = instr(WASM_OP_I32_CONST);
    f->global_init[1].imm.i32 = 2;
    f->global_init[2] = instr(WASM_OP_I32_ADD);
    f->global_init[3] = instr(WASM_OP_END);
    f->globals[0].type = (wasm_globaltype){WASM_I32, true};
    f->globals[0].init = (wasm_expr){f->global_init, 4, 0};
    m->globals = f->globals;
    m->global_count = 1;

    f->exports[0] = (wasm_export){name_of("add"), KILN_EXTERN_FUNC, 1};
    f->exports[1] = (wasm_export){name_of("mem"), KILN_EXTERN_MEMORY, 0};
    m->exports = f->exports;
    m->export_count = 2;

    m->has_start = true;
    m->start_func = 2;

    f->elem_offset[0] = instr(WASM_OP_I32_CONST);
    f->elem_offset[1] = instr(WASM_OP_END);
    f->elem_item[0] = instr(WASM_OP_REF_FUNC);
    f->elem_item[0].imm.index = 1;
    f->elem_item[1] = instr(WASM_OP_END);
    f->elem_items[0] = (wasm_expr){f->elem_item, 2, 0};
    f->elems[0] = (wasm_elem){.mode = KILN_SEGMENT_ACTIVE, .reftype = WASM_FUNCREF,
                              .offset = {f->elem_offset, 2, 0}, .item_count = 1,
                              .items = f->elem_items};
    m->elems = f->elems;
    m->elem_count = 1;

    f->data_offset[0] = instr(WASM_OP_I32_CONST);
    f->data_offset[0].imm.i32 = 8;
    f->data_offset[1] = instr(WASM_OP_END);
    f->datas[0] = (wasm_data){.mode = KILN_SEGMENT_ACTIVE, .offset = {f->data_offset, 2, 0},
                              .bytes = (const uint8_t *)"hi", .size = 2};
    f->datas[1] = (wasm_data){.mode = KILN_SEGMENT_PASSIVE, .bytes = (const uint8_t *)"xyz",
                              .size = 3};
    m->datas = f->datas;
    m->data_count = 2;

    f->customs[0] = (wasm_custom){name_of("name"), (const uint8_t *)"\0\0", 2};
    f->customs[1] = (wasm_custom){name_of("producers"), (const uint8_t *)"abc", 3};
    m->customs = f->customs;
    m->custom_count = 2;
    m->module_name = "demo";
    m->features = KILN_FEATURE_MUTABLE_GLOBALS | KILN_FEATURE_BULK_MEMORY;

    for (size_t i = 0; i < sizeof f->code; i++)
        f->code[i] = (uint8_t)(0x90 + i);
    f->relocs[0] = (emit_reloc){32, KILN_RELOC_ABS64, KILN_RELOC_SYM_IMAGE, 8};
    f->externs[0] = "fmod";
    /* emit_image_find expects symbols sorted by name. */
    f->symbols[0] = (emit_symbol){"kiln_entry_t0", 16, 12};
    f->symbols[1] = (emit_symbol){"kiln_f1", 0, 8};
    f->image = (emit_image){.bytes = f->code, .exec_size = 32, .image_size = 48,
                            .image_align = 16, .relocs = f->relocs, .reloc_count = 1,
                            .externs = f->externs, .extern_count = 1,
                            .symbols = f->symbols, .symbol_count = 2};
    f->target = (wr_target_info){
        .triple = "x86_64-unknown-linux-gnu",
        .cpu = "x86-64",
        .cpu_features = "+sse2,-avx",
        .compiler_version = "kilnc test",
        .pointer_width = 8,
        .page_size = 4096,
        .bounds = KILN_BOUNDS_GUARD,
        .helpers_used = (1u << KILN_HELPER_TRAP) | (1u << KILN_HELPER_MEMORY_GROW)};
}

static void write_fixture(fixture *f, uint8_t **out, size_t *size)
{
    kiln_error err;
    kiln_status st = wr_container(&f->m, &f->image, &f->target, out, size, &err);
    if (st != KILN_OK)
        print_error("wr_container: %s\n", err.message);
    assert_int_equal(st, KILN_OK);
}

/* Offset and size of section id, asserting it appears exactly once. */
static void find_section(const uint8_t *c, uint32_t id, uint32_t *offset, uint32_t *size)
{
    uint32_t count = kiln_read_u32le(c + KILN_AOT_OFF_SECTION_COUNT);
    uint32_t table = kiln_read_u32le(c + KILN_AOT_OFF_SECTION_TABLE);
    int found = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = c + table + i * KILN_AOT_SECTION_ENTRY_SIZE;
        if (kiln_read_u32le(e) == id) {
            *offset = kiln_read_u32le(e + 4);
            *size = kiln_read_u32le(e + 8);
            found++;
        }
    }
    assert_int_equal(found, 1);
}

static void assert_string_ref(const uint8_t *c, uint32_t field, const char *expected)
{
    uint32_t off = kiln_read_u32le(c + field), len = kiln_read_u32le(c + field + 4);
    assert_int_equal(len, strlen(expected));
    assert_memory_equal(c + off, expected, len);
}

static void test_writer_header_fields(void **state)
{
    (void)state;
    fixture f;
    fixture_build(&f);
    uint8_t *c;
    size_t size;
    write_fixture(&f, &c, &size);

    assert_int_equal(c[0], 0x7F);
    assert_memory_equal(c + 1, "KLN", 3);
    assert_int_equal(kiln_read_u32le(c + KILN_AOT_OFF_VERSION), KILN_AOT_FORMAT_VERSION);
    uint32_t header_size = kiln_read_u32le(c + KILN_AOT_OFF_HEADER_SIZE);
    assert_int_equal(header_size % 8, 0);
    assert_true(header_size >= KILN_AOT_HEADER_FIXED_SIZE);
    assert_int_equal(kiln_read_u64le(c + KILN_AOT_OFF_FILE_SIZE), size);
    assert_int_equal(c[KILN_AOT_OFF_POINTER_WIDTH], 8);
    assert_int_equal(c[KILN_AOT_OFF_ENDIANNESS], 0);
    assert_int_equal(c[KILN_AOT_OFF_BOUNDS_CHECKS], KILN_BOUNDS_GUARD);
    assert_int_equal(c[27], 0);
    assert_int_equal(kiln_read_u32le(c + KILN_AOT_OFF_WASM_FEATURES),
                     KILN_FEATURE_MUTABLE_GLOBALS | KILN_FEATURE_BULK_MEMORY);
    assert_int_equal(kiln_read_u64le(c + KILN_AOT_OFF_HELPERS_USED), 3);
    assert_int_equal(kiln_read_u32le(c + KILN_AOT_OFF_SECTION_TABLE), header_size);
    assert_string_ref(c, KILN_AOT_OFF_TRIPLE, "x86_64-unknown-linux-gnu");
    assert_string_ref(c, KILN_AOT_OFF_CPU, "x86-64");
    assert_string_ref(c, KILN_AOT_OFF_CPU_FEATURES, "+sse2,-avx");
    assert_string_ref(c, KILN_AOT_OFF_COMPILER_VERSION, "kilnc test");
    /* Strings lie inside the header. */
    assert_true(kiln_read_u32le(c + KILN_AOT_OFF_COMPILER_VERSION) + 10 <= header_size);
    assert_int_equal(kiln_read_u32le(c + KILN_AOT_OFF_CHECKSUM), kiln_container_checksum(c, size));
    free(c);
}

static void test_writer_section_table(void **state)
{
    (void)state;
    fixture f;
    fixture_build(&f);
    f.target.keep_custom = "producers";
    uint8_t *c;
    size_t size;
    write_fixture(&f, &c, &size);

    uint32_t count = kiln_read_u32le(c + KILN_AOT_OFF_SECTION_COUNT);
    uint32_t table = kiln_read_u32le(c + KILN_AOT_OFF_SECTION_TABLE);
    /* every section of a module, START included (BUNDLE is a bundle's) */
    assert_int_equal(count, KILN_SEC_MAX_ID - 1);
    uint32_t payload_start = table + count * KILN_AOT_SECTION_ENTRY_SIZE;
    uint32_t prev_end = payload_start, prev_id = 0;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = c + table + i * KILN_AOT_SECTION_ENTRY_SIZE;
        uint32_t id = kiln_read_u32le(e), off = kiln_read_u32le(e + 4);
        uint32_t sz = kiln_read_u32le(e + 8);
        assert_true(id > prev_id && id <= KILN_SEC_MAX_ID);
        assert_int_equal(kiln_read_u32le(e + 12), 0);
        assert_true(off >= prev_end);  /* in order, no overlap */
        assert_true((uint64_t)off + sz <= size);
        prev_end = off + sz;
        prev_id = id;
    }

    uint32_t off, sz;
    /* FUNCS: f1 at 0 (8 bytes), f2 has no code. */
    find_section(c, KILN_SEC_FUNCS, &off, &sz);
    assert_int_equal(sz, 8 + 2 * 12);
    assert_int_equal(kiln_read_u32le(c + off), 1);
    assert_int_equal(kiln_read_u32le(c + off + 4), 2);
    assert_int_equal(kiln_read_u32le(c + off + 8), 0);
    assert_int_equal(kiln_read_u32le(c + off + 12), 0);
    assert_int_equal(kiln_read_u32le(c + off + 16), 8);
    assert_int_equal(kiln_read_u32le(c + off + 20), 1);
    assert_int_equal(kiln_read_u32le(c + off + 24), KILN_AOT_NONE);
    assert_int_equal(kiln_read_u32le(c + off + 28), 0);

    /* TYPES: type 0 has its entry trampoline, no host trampoline. */
    find_section(c, KILN_SEC_TYPES, &off, &sz);
    assert_int_equal(kiln_read_u32le(c + off), 2);
    assert_int_equal(kiln_read_u32le(c + off + 4), 2);
    assert_int_equal(kiln_read_u32le(c + off + 8), 1);
    assert_memory_equal(c + off + 12, "\x7f\x7f\x7f", 3);
    assert_int_equal(kiln_read_u32le(c + off + 15), 16);
    assert_int_equal(kiln_read_u32le(c + off + 19), KILN_AOT_NONE);

    /* GLOBALS: i32 mut, cexpr 40 2 add end. */
    find_section(c, KILN_SEC_GLOBALS, &off, &sz);
    static const uint8_t globals[] = {1, 0, 0, 0, 0x7F, 1, KILN_CEXPR_I32_CONST, 40, 0, 0, 0,
                                      KILN_CEXPR_I32_CONST, 2, 0, 0, 0, KILN_CEXPR_I32_ADD,
                                      KILN_CEXPR_END};
    assert_int_equal(sz, sizeof globals);
    assert_memory_equal(c + off, globals, sizeof globals);

    /* START, CODE, RELOCS, SYMBOLS, LAYOUT, CUSTOM. */
    find_section(c, KILN_SEC_START, &off, &sz);
    assert_int_equal(sz, 4);
    assert_int_equal(kiln_read_u32le(c + off), 2);
    find_section(c, KILN_SEC_CODE, &off, &sz);
    assert_int_equal(sz, 16 + 48);
    assert_int_equal(kiln_read_u32le(c + off), 32);
    assert_int_equal(kiln_read_u32le(c + off + 4), 48);
    assert_int_equal(kiln_read_u32le(c + off + 8), 16);
    assert_memory_equal(c + off + 16, f.code, 48);
    find_section(c, KILN_SEC_RELOCS, &off, &sz);
    assert_int_equal(sz, 4 + KILN_AOT_RELOC_ENTRY_SIZE);
    assert_int_equal(kiln_read_u32le(c + off + 4), 32);
    assert_int_equal(c[off + 8], KILN_RELOC_ABS64);
    assert_int_equal(kiln_read_u32le(c + off + 12), KILN_RELOC_SYM_IMAGE);
    assert_int_equal(kiln_read_u64le(c + off + 16), 8);
    find_section(c, KILN_SEC_SYMBOLS, &off, &sz);
    assert_int_equal(kiln_read_u32le(c + off), 1);
    assert_int_equal(kiln_read_u32le(c + off + 4), 4);
    assert_memory_equal(c + off + 8, "fmod", 4);
    find_section(c, KILN_SEC_LAYOUT, &off, &sz);
    kiln_vmctx_layout l = kiln_vmctx_layout_compute(8, 1, 1, 1, 1);
    assert_int_equal(sz, 20);
    assert_int_equal(kiln_read_u32le(c + off), l.size);
    assert_int_equal(kiln_read_u32le(c + off + 16), l.globals);
    find_section(c, KILN_SEC_CUSTOM, &off, &sz);
    assert_int_equal(kiln_read_u32le(c + off), 1); /* "name" is not copied */
    assert_int_equal(kiln_read_u32le(c + off + 4), 9);
    assert_memory_equal(c + off + 8, "producers", 9);
    assert_int_equal(kiln_read_u32le(c + off + 17), 3);
    find_section(c, KILN_SEC_DATA, &off, &sz);
    static const uint8_t data[] = {2, 0, 0, 0,
                                   KILN_SEGMENT_ACTIVE, 0, 0, 0, 0, KILN_CEXPR_I32_CONST, 8, 0,
                                   0, 0, KILN_CEXPR_END, 2, 0, 0, 0, 'h', 'i',
                                   KILN_SEGMENT_PASSIVE, 0, 0, 0, 0, 3, 0, 0, 0, 'x', 'y', 'z'};
    assert_int_equal(sz, sizeof data);
    assert_memory_equal(c + off, data, sizeof data);
    find_section(c, KILN_SEC_NAMES, &off, &sz);
    assert_int_equal(kiln_read_u32le(c + off), 4);
    assert_memory_equal(c + off + 4, "demo", 4);
    assert_int_equal(kiln_read_u32le(c + off + 8), 1);
    assert_int_equal(kiln_read_u32le(c + off + 12), 1);
    free(c);
}

/* Custom sections are dropped unless asked for by name or with "all";
 * "name" is never copied (its names are in the NAMES section). */
static void test_writer_custom_sections_kept_by_name(void **state)
{
    (void)state;
    static const struct {
        const char *keep;
        uint32_t count;
    } cases[] = {
        {NULL, 0},        {"", 0},          {"all", 1},       {"producers", 1},
        {"x,producers", 1}, {"producers,x", 1}, {"producer", 0}, {"producers2", 0},
        {"name", 0},      {",", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        fixture_build(&f);
        f.target.keep_custom = cases[i].keep;
        uint8_t *c;
        size_t size;
        write_fixture(&f, &c, &size);
        uint32_t off, sz;
        find_section(c, KILN_SEC_CUSTOM, &off, &sz);
        assert_int_equal(kiln_read_u32le(c + off), cases[i].count);
        assert_int_equal(sz, cases[i].count ? 4 + 4 + 9 + 4 + 3 : 4);
        free(c);
    }
}

static void test_writer_no_start_section(void **state)
{
    (void)state;
    fixture f;
    fixture_build(&f);
    f.m.has_start = false;
    uint8_t *c;
    size_t size;
    write_fixture(&f, &c, &size);
    uint32_t count = kiln_read_u32le(c + KILN_AOT_OFF_SECTION_COUNT);
    uint32_t table = kiln_read_u32le(c + KILN_AOT_OFF_SECTION_TABLE);
    assert_int_equal(count, KILN_SEC_MAX_ID - 2); /* no START, no BUNDLE */
    for (uint32_t i = 0; i < count; i++)
        assert_int_not_equal(kiln_read_u32le(c + table + i * 16), KILN_SEC_START);
    free(c);
}

/* Flipping any single byte, the checksum field included, is detected. */
static void test_writer_checksum_covers_every_byte(void **state)
{
    (void)state;
    fixture f;
    fixture_build(&f);
    uint8_t *c;
    size_t size;
    write_fixture(&f, &c, &size);
    assert_int_equal(kiln_read_u32le(c + KILN_AOT_OFF_CHECKSUM), kiln_container_checksum(c, size));
    for (size_t i = 0; i < size; i++) {
        c[i] ^= 0x01;
        assert_int_not_equal(kiln_read_u32le(c + KILN_AOT_OFF_CHECKSUM), kiln_container_checksum(c, size));
        c[i] ^= 0x01;
    }
    /* Independent of kiln_container_checksum: the table-driven CRC-32C over [0,12) ++ [16,size). */
    uint32_t crc = kiln_crc32c_portable(0, c, 12);
    crc = kiln_crc32c_portable(crc, c + 16, size - 16);
    assert_int_equal(kiln_read_u32le(c + KILN_AOT_OFF_CHECKSUM), crc);
    free(c);
}

static void test_writer_unsupported_cexpr(void **state)
{
    (void)state;
    fixture f;
    fixture_build(&f);
    f.global_init[2] = instr(WASM_OP_I32_DIV_S);
    f.global_init[2].offset = 77;
    uint8_t *c = NULL;
    size_t size = 0;
    kiln_error err;
    assert_int_equal(wr_container(&f.m, &f.image, &f.target, &c, &size, &err),
                     KILN_ERR_UNSUPPORTED);
    assert_null(c);
    assert_int_equal(err.offset, 77);
}

static void test_inspect_reads_container(void **state)
{
    (void)state;
    fixture f;
    fixture_build(&f);
    uint8_t *c;
    size_t size;
    write_fixture(&f, &c, &size);
    char *text = NULL;
    kiln_error err;
    assert_int_equal(emit_inspect(c, size, &text, &err), KILN_OK);
    assert_non_null(strstr(text, "x86_64-unknown-linux-gnu"));
    assert_non_null(strstr(text, "(ok)"));
    assert_non_null(strstr(text, "\"add\" func 1"));
    assert_non_null(strstr(text, "env.log func type 1"));
    assert_non_null(strstr(text, "f1 type 0  code 0x000000 size 8  add"));
    assert_non_null(strstr(text, "relocations: 1 (abs64 1)"));
    assert_non_null(strstr(text, "helpers: trap memory.grow"));
    free(text);

    c[size - 1] ^= 0xFF;
    assert_int_equal(emit_inspect(c, size, &text, &err), KILN_OK);
    assert_non_null(strstr(text, "MISMATCH"));
    free(text);

    assert_int_equal(emit_inspect(c, size - 1, &text, &err), KILN_ERR_TRUNCATED);
    assert_int_equal(emit_inspect(c, 40, &text, &err), KILN_ERR_TRUNCATED);
    static const uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    assert_int_equal(emit_inspect(wasm, sizeof wasm, &text, &err), KILN_ERR_IS_WASM);
    assert_int_equal(emit_inspect((const uint8_t *)"hello", 5, &text, &err),
                     KILN_ERR_NOT_CONTAINER);

    /* A section pointing past the end is corrupt, with the entry's offset. */
    uint32_t table = kiln_read_u32le(c + KILN_AOT_OFF_SECTION_TABLE);
    kiln_write_u32le(c + table + 8, 0x7FFFFFFF);
    assert_int_equal(emit_inspect(c, size, &text, &err), KILN_ERR_CORRUPT);
    assert_int_equal(err.offset, table);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_header_fields),
        cmocka_unit_test(test_writer_section_table),
        cmocka_unit_test(test_writer_custom_sections_kept_by_name),
        cmocka_unit_test(test_writer_no_start_section),
        cmocka_unit_test(test_writer_checksum_covers_every_byte),
        cmocka_unit_test(test_writer_unsupported_cexpr),
        cmocka_unit_test(test_inspect_reads_container),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
