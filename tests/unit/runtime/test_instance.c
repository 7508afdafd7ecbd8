/*
 * Instances and calls on the hand-built sample module (container_builder.h):
 * calls with arguments and results, globals from const exprs, data
 * segments, relocated read-only data, traps through the helper and through
 * the fault handler (out-of-bounds access, stack exhaustion with and
 * without a prologue check), memory.grow, and calls after traps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "container_builder.h"
#include "extern.h"
#include "instance.h"

typedef struct fixture {
    kiln_module *module;
    kiln_instance *instance;
} fixture;

static int setup(void **state)
{
    static fixture f;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    kiln_error err;
    kiln_status st = kiln_module_load(bytes, size, &f.module, &err);
    free(bytes);
    if (st != KILN_OK) {
        print_error("load: %s\n", err.message);
        return -1;
    }
    st = kiln_instance_new(f.module, &f.instance, &err);
    if (st != KILN_OK) {
        print_error("instantiate: %s\n", err.message);
        return -1;
    }
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    kiln_instance_free(f->instance);
    kiln_module_free(f->module);
    return 0;
}

static kiln_val i32(int32_t v)
{
    kiln_val x;
    memset(&x, 0, sizeof x);
    x.kind = KILN_I32;
    x.of.i32 = v;
    return x;
}

static kiln_status call1(fixture *f, const char *name, const kiln_val *args, size_t n,
                         int32_t *result, kiln_error *err)
{
    kiln_val r;
    /* cmocka replaces the SIGSEGV/SIGBUS handlers around every test and the
     * instance was made before (group setup): put kiln's back in front. */
    kiln_status st = kiln_fault_handlers_ensure(err);
    if (st != KILN_OK)
        return st;
    st = kiln_instance_call(f->instance, name, args, n, &r, 1, err);
    if (st == KILN_OK)
        *result = r.of.i32;
    return st;
}

static void test_instance_call_returns_constant(void **state)
{
    int32_t r = 0;
    kiln_error err;
    assert_int_equal(call1(*state, "answer", NULL, 0, &r, &err), KILN_OK);
    assert_int_equal(r, 42);
}

static void test_instance_call_passes_arguments(void **state)
{
    kiln_val args[2] = {i32(40), i32(-2)};
    int32_t r = 0;
    kiln_error err;
    assert_int_equal(call1(*state, "add", args, 2, &r, &err), KILN_OK);
    assert_int_equal(r, 38);
}

static void test_instance_i64_f32_f64_round_trip(void **state)
{
    fixture *f = *state;
    kiln_error err;
    kiln_val a, r;
    memset(&a, 0, sizeof a);
    a.kind = KILN_I64;
    a.of.i64 = INT64_MIN + 5;
    assert_int_equal(kiln_instance_call(f->instance, "id_i64", &a, 1, &r, 1, &err), KILN_OK);
    assert_int_equal(r.kind, KILN_I64);
    assert_true(r.of.i64 == INT64_MIN + 5);
    a.kind = KILN_F32;
    a.of.f32 = -1.5f;
    assert_int_equal(kiln_instance_call(f->instance, "id_f32", &a, 1, &r, 1, &err), KILN_OK);
    assert_true(r.of.f32 == -1.5f);
    a.kind = KILN_F64;
    a.of.f64 = 6.02214076e23;
    assert_int_equal(kiln_instance_call(f->instance, "id_f64", &a, 1, &r, 1, &err), KILN_OK);
    assert_true(r.of.f64 == 6.02214076e23);
}

static void test_instance_global_from_cexpr(void **state)
{
    int32_t r = 0;
    kiln_error err;
    assert_int_equal(call1(*state, "global", NULL, 0, &r, &err), KILN_OK);
    assert_int_equal(r, 42);
}

static void test_instance_relocated_rodata(void **state)
{
    int32_t r = 0;
    kiln_error err;
    assert_int_equal(call1(*state, "rodata", NULL, 0, &r, &err), KILN_OK);
    assert_int_equal(r, (int32_t)TB_RODATA_VALUE);
}

static void test_instance_data_segment_copied(void **state)
{
    fixture *f = *state;
    uint8_t *base = NULL;
    uint64_t size = 0;
    kiln_error err;
    assert_int_equal(kiln_instance_memory(f->instance, &base, &size, &err), KILN_OK);
    assert_true(size >= KILN_WASM_PAGE_SIZE);
    assert_memory_equal(base + 16, "hello", 5);
    kiln_val a = i32(16);
    int32_t r = 0;
    assert_int_equal(call1(f, "load", &a, 1, &r, &err), KILN_OK);
    assert_memory_equal(&r, "hell", 4);
}

static void test_instance_trap_via_helper(void **state)
{
    fixture *f = *state;
    kiln_error err;
    assert_int_equal(kiln_instance_call(f->instance, "boom", NULL, 0, NULL, 0, &err),
                     KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_UNREACHABLE);
    assert_string_equal(err.message, "trap: unreachable");
    /* The instance stays usable. */
    int32_t r = 0;
    assert_int_equal(call1(f, "answer", NULL, 0, &r, &err), KILN_OK);
    assert_int_equal(r, 42);
}

static void test_instance_out_of_bounds_faults_to_trap(void **state)
{
    fixture *f = *state;
    uint8_t *base;
    uint64_t size;
    kiln_error err;
    assert_int_equal(kiln_instance_memory(f->instance, &base, &size, &err), KILN_OK);
    const int32_t addresses[] = {(int32_t)size, (int32_t)size + 4096, -1, INT32_MIN};
    for (size_t i = 0; i < sizeof addresses / sizeof addresses[0]; i++) {
        kiln_val a = i32(addresses[i]);
        int32_t r = 0;
        assert_int_equal(call1(f, "load", &a, 1, &r, &err), KILN_ERR_TRAP);
        assert_int_equal(err.trap, KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
        assert_string_equal(err.message, "trap: out of bounds memory access");
    }
    /* Last in-bounds word still loads, and calls work after the traps. */
    kiln_val a = i32((int32_t)size - 4);
    int32_t r = -1;
    assert_int_equal(call1(f, "load", &a, 1, &r, &err), KILN_OK);
    assert_int_equal(r, 0);
}

static void test_instance_memory_grow(void **state)
{
    fixture *f = *state;
    kiln_error err;
    kiln_val one = i32(1);
    int32_t r = 0;
    uint8_t *base;
    uint64_t size;
    assert_int_equal(kiln_instance_memory(f->instance, &base, &size, &err), KILN_OK);
    int32_t pages = (int32_t)(size / KILN_WASM_PAGE_SIZE);
    kiln_val beyond = i32((int32_t)size + 100);
    assert_int_equal(call1(f, "load", &beyond, 1, &r, &err), KILN_ERR_TRAP);
    assert_int_equal(call1(f, "grow", &one, 1, &r, &err), KILN_OK);
    assert_int_equal(r, pages);
    assert_int_equal(call1(f, "load", &beyond, 1, &r, &err), KILN_OK);
    assert_int_equal(r, 0);
    uint8_t *base2;
    assert_int_equal(kiln_instance_memory(f->instance, &base2, &size, &err), KILN_OK);
    assert_ptr_equal(base, base2);
    assert_int_equal(size, (uint64_t)(pages + 1) * KILN_WASM_PAGE_SIZE);
    /* Past the declared maximum (4 pages): -1, nothing changes. */
    kiln_val many = i32(10);
    assert_int_equal(call1(f, "grow", &many, 1, &r, &err), KILN_OK);
    assert_int_equal(r, -1);
    kiln_val zero = i32(0);
    assert_int_equal(call1(f, "grow", &zero, 1, &r, &err), KILN_OK);
    assert_int_equal(r, pages + 1);
}

static void test_instance_stack_limit_check_traps(void **state)
{
    fixture *f = *state;
    kiln_error err;
    assert_int_equal(kiln_instance_call(f->instance, "deep", NULL, 0, NULL, 0, &err),
                     KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_CALL_STACK_EXHAUSTED);
    assert_string_equal(err.message, "trap: call stack exhausted");
}

static void test_instance_stack_overflow_fault_traps(void **state)
{
    fixture *f = *state;
    kiln_error err;
    assert_int_equal(kiln_fault_handlers_ensure(&err), KILN_OK); /* see call1 */
    assert_int_equal(kiln_instance_call(f->instance, "deeper", NULL, 0, NULL, 0, &err),
                     KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_CALL_STACK_EXHAUSTED);
    int32_t r = 0;
    assert_int_equal(call1(f, "answer", NULL, 0, &r, &err), KILN_OK);
    assert_int_equal(r, 42);
}

static void test_instance_call_type_errors(void **state)
{
    fixture *f = *state;
    kiln_error err;
    kiln_val args[2] = {i32(1), i32(2)};
    kiln_val r;
    assert_int_equal(kiln_instance_call(f->instance, "add", args, 1, &r, 1, &err), KILN_ERR_TYPE);
    assert_non_null(strstr(err.message, "add expects 2 arguments (i32, i32), given 1"));
    args[1].kind = KILN_F64;
    assert_int_equal(kiln_instance_call(f->instance, "add", args, 2, &r, 1, &err), KILN_ERR_TYPE);
    assert_non_null(strstr(err.message, "argument 2 of add: expected i32, given f64"));
    assert_int_equal(kiln_instance_call(f->instance, "nope", NULL, 0, NULL, 0, &err),
                     KILN_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "nope"));
    assert_int_equal(kiln_instance_call(f->instance, "mem", NULL, 0, NULL, 0, &err),
                     KILN_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "is a memory, not a function"));
}

static void test_instance_export_queries(void **state)
{
    fixture *f = *state;
    kiln_func_type t;
    kiln_error err;
    assert_int_equal(kiln_module_export_func_type(f->module, "add", &t, &err), KILN_OK);
    assert_int_equal(t.param_count, 2);
    assert_int_equal(t.result_count, 1);
    assert_int_equal(t.results[0], KILN_I32);
    assert_int_equal(kiln_module_export_count(f->module), 13);
    assert_string_equal(kiln_module_export_name(f->module, 12), "mem");
    assert_int_equal(kiln_module_export_kind(f->module, 12), KILN_EXTERN_MEMORY);
    assert_null(kiln_module_export_name(f->module, 13));
}

static void test_instance_import_is_link_error(void **state)
{
    (void)state;
    tb_sample_options opt = {.with_import = true};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    kiln_instance *inst = NULL;
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_ERR_LINK);
    assert_null(inst);
    assert_string_equal(err.message, "unresolved import env.foo (function): kiln_instance_new "
                                     "resolves no imports; use the linker");
    kiln_module_free(m);
    free(bytes);
}

static void test_instance_data_out_of_bounds(void **state)
{
    (void)state;
    tb_sample_options opt = {.data_offset = KILN_WASM_PAGE_SIZE - 2};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    kiln_instance *inst = NULL;
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_ERR_INSTANTIATE);
    assert_non_null(strstr(err.message, "out of bounds memory access"));
    kiln_module_free(m);
    free(bytes);
}

static void test_instance_start_trap(void **state)
{
    (void)state;
    tb_sample_options opt = {.with_start_trap = true};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    kiln_instance *inst = NULL;
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_UNREACHABLE);
    kiln_module_free(m);
    free(bytes);
}

static void test_instance_table_from_element_segment(void **state)
{
    (void)state;
    tb_sample_options opt = {.with_table = true};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    kiln_module *m = NULL;
    kiln_instance *inst = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    /* The table definition pointer in vmctx, per aot_format.h. */
    ins_table *t;
    memcpy(&t, inst->vmctx + m->layout.tables, sizeof t);
    assert_int_equal(t->size, 3);
    assert_int_equal(t->max, UINT32_MAX);
    assert_null(t->elements[0]);
    assert_null(t->elements[2]);
    const ins_funcref *add = t->elements[1];
    assert_non_null(add);
    assert_ptr_equal(add->vmctx, inst->vmctx);
    assert_ptr_equal(add->code, m->code_base + m->funcs[1].code_offset);
    /* Equal types share a canonical id; vmctx type_ids lists them. */
    const uint32_t *ids;
    memcpy(&ids, inst->vmctx + KILN_VMCTX_TYPE_IDS * 8, sizeof ids);
    assert_int_equal(add->type_id, ids[TB_T_I32I32_I32]);
    assert_int_not_equal(ids[TB_T_VOID_I32], ids[TB_T_I32I32_I32]);
    kiln_val r;
    assert_int_equal(kiln_instance_call(inst, "global", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 42);
    kiln_instance_free(inst);
    kiln_module_free(m);
    free(bytes);
}

static void test_instance_canonical_type_ids_shared_across_modules(void **state)
{
    fixture *f = *state;
    tb_sample_options opt = {.with_table = true};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    for (uint32_t i = 0; i < TB_TYPE_COUNT; i++)
        assert_int_equal(m->type_ids[i], f->module->type_ids[i]);
    kiln_module_free(m);
    free(bytes);
}

static void test_instance_two_instances_are_independent(void **state)
{
    fixture *f = *state;
    kiln_instance *other = NULL;
    kiln_error err;
    assert_int_equal(kiln_instance_new(f->module, &other, &err), KILN_OK);
    uint8_t *a, *b;
    uint64_t sa, sb;
    assert_int_equal(kiln_instance_memory(f->instance, &a, &sa, &err), KILN_OK);
    assert_int_equal(kiln_instance_memory(other, &b, &sb, &err), KILN_OK);
    assert_ptr_not_equal(a, b);
    assert_int_equal(sb, KILN_WASM_PAGE_SIZE);
    kiln_instance_free(other);
}

/* The sample with `count` defined funcref tables of `min` elements each. */
static kiln_module *load_with_tables(uint32_t count, uint32_t min)
{
    tb_container c;
    tb_sample(&c, NULL);
    tb_buf *s = tb_section(&c, KILN_SEC_TABLES);
    s->size = 0;
    tb_u32(s, count);
    for (uint32_t i = 0; i < count; i++) {
        tb_u8(s, KILN_FUNCREF);
        tb_limits(s, 0, min, 0);
    }
    kiln_vmctx_layout l = kiln_vmctx_layout_compute(8, 0, 1, count, 1);
    s = tb_section(&c, KILN_SEC_LAYOUT);
    s->size = 0;
    tb_u32(s, l.size);
    tb_u32(s, l.func_imports);
    tb_u32(s, l.memories);
    tb_u32(s, l.tables);
    tb_u32(s, l.globals);
    uint8_t *bytes;
    size_t size;
    tb_finish(&c, &bytes, &size);
    tb_free(&c);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    free(bytes);
    return m;
}

static long peak_rss_kib(void)
{
    struct rusage u;
    assert_int_equal(getrusage(RUSAGE_SELF, &u), 0);
    return u.ru_maxrss;
}

/* 100 tables of 10,000,000 elements (a 642-byte module took 62 s and
 * 7.8 GB when every table was allocated and cleared up front): the
 * storage is committed lazily, so the instance is made without touching
 * it and the peak RSS stays far below the 8 GB the tables span. */
static void test_instance_huge_tables_committed_lazily(void **state)
{
    (void)state;
    kiln_module *m = load_with_tables(100, INS_TABLE_MAX_ELEMENTS);
    kiln_instance *inst = NULL;
    kiln_error err;
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    assert_int_equal(inst->tables[99]->size, INS_TABLE_MAX_ELEMENTS);
    assert_null(inst->tables[99]->elements[INS_TABLE_MAX_ELEMENTS - 1]);
    assert_true(peak_rss_kib() < 256 * 1024);
    kiln_instance_free(inst);
    kiln_module_free(m);
}

/* The budget refuses an instance whose tables and memories need more at
 * their minimum sizes, before allocating anything, and 0 restores the
 * default. */
static void test_instance_budget(void **state)
{
    fixture *f = *state;
    kiln_module *m = load_with_tables(100, INS_TABLE_MAX_ELEMENTS);
    kiln_instance *inst = NULL;
    kiln_error err;
    kiln_instance_budget_set(1u << 20);
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_ERR_INSTANTIATE);
    assert_null(inst);
    assert_non_null(strstr(err.message, "instantiation budget exceeded: the module's 100 "
                                        "tables and 1 memories need 8000000000 + 65536 "
                                        "bytes"));
    assert_non_null(strstr(err.message, "the budget is 1048576 bytes"));
    /* The sample alone (one 64 KiB page) fits in 1 MiB. */
    assert_int_equal(kiln_instance_new(f->module, &inst, &err), KILN_OK);
    kiln_instance_free(inst);
    kiln_instance_budget_set(65535);
    assert_int_equal(kiln_instance_new(f->module, &inst, &err), KILN_ERR_INSTANTIATE);
    kiln_instance_budget_set(0);
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    kiln_instance_free(inst);
    kiln_module_free(m);
}

/* Large table storage grows in place and reads back what was written;
 * small storage stays a heap block. */
static void test_instance_table_storage_grows(void **state)
{
    (void)state;
    kiln_table *t = NULL;
    kiln_error err;
    assert_int_equal(kiln_table_new(KILN_EXTERNREF, 100000, UINT32_MAX, &t, &err), KILN_OK);
    ins_table *def = t->table;
    assert_true(def->reserved_bytes >= (size_t)INS_TABLE_MAX_ELEMENTS * sizeof(void *));
    void **before = def->elements;
    int marker;
    def->elements[99999] = &marker;
    assert_true(ext_table_storage_grow(def, 3000000, &marker));
    assert_ptr_equal(def->elements, before);
    assert_ptr_equal(def->elements[99999], &marker);
    assert_ptr_equal(def->elements[2999999], &marker);
    assert_true(ext_table_storage_grow(def, 3000001, NULL));
    assert_null(def->elements[3000000]);
    uint32_t past = (uint32_t)(def->reserved_bytes / sizeof(void *)) + 1u;
    assert_false(ext_table_storage_grow(def, past, NULL));
    assert_int_equal(def->size, 3000001);
    kiln_table_release(t);

    assert_int_equal(kiln_table_new(KILN_FUNCREF, 10, 20, &t, &err), KILN_OK);
    assert_int_equal(t->table->reserved_bytes, 0);
    assert_true(ext_table_storage_grow(t->table, 20, NULL));
    assert_null(t->table->elements[19]);
    kiln_table_release(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_instance_call_returns_constant),
        cmocka_unit_test(test_instance_call_passes_arguments),
        cmocka_unit_test(test_instance_i64_f32_f64_round_trip),
        cmocka_unit_test(test_instance_global_from_cexpr),
        cmocka_unit_test(test_instance_relocated_rodata),
        cmocka_unit_test(test_instance_data_segment_copied),
        cmocka_unit_test(test_instance_trap_via_helper),
        cmocka_unit_test(test_instance_out_of_bounds_faults_to_trap),
        cmocka_unit_test(test_instance_memory_grow),
        cmocka_unit_test(test_instance_stack_limit_check_traps),
        cmocka_unit_test(test_instance_stack_overflow_fault_traps),
        cmocka_unit_test(test_instance_call_type_errors),
        cmocka_unit_test(test_instance_export_queries),
        cmocka_unit_test(test_instance_import_is_link_error),
        cmocka_unit_test(test_instance_data_out_of_bounds),
        cmocka_unit_test(test_instance_start_trap),
        cmocka_unit_test(test_instance_two_instances_are_independent),
        cmocka_unit_test(test_instance_table_from_element_segment),
        cmocka_unit_test(test_instance_canonical_type_ids_shared_across_modules),
        cmocka_unit_test(test_instance_huge_tables_committed_lazily),
        cmocka_unit_test(test_instance_budget),
        cmocka_unit_test(test_instance_table_storage_grows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
