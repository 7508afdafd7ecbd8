/*
 * Linker API without compiled modules (the module-level behaviour is
 * covered by tests/e2e/run_link_test.sh, which can compile .wat): host
 * memories, tables and globals, native signature checking, definitions
 * and argument errors, reference counting through the linker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kiln.h"

static void test_memory_new_and_data(void **state)
{
    (void)state;
    kiln_error err;
    kiln_memory *m = NULL;
    assert_int_equal(kiln_memory_new(2, 10, false, &m, &err), KILN_OK);
    uint64_t size = 0;
    uint8_t *data = kiln_memory_data(m, &size);
    assert_non_null(data);
    assert_int_equal(size, 2u * 65536u);
    data[size - 1] = 7; /* committed and writable */
    kiln_memory_release(m);
    kiln_memory_release(NULL);
}

static void test_memory_new_bad_limits(void **state)
{
    (void)state;
    kiln_error err;
    kiln_memory *m = NULL;
    assert_int_equal(kiln_memory_new(1, UINT32_MAX, true, &m, &err), KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "shared memory needs a maximum"));
    assert_int_equal(kiln_memory_new(5, 2, false, &m, &err), KILN_ERR_ARGUMENT);
    assert_null(m);
}

static void test_global_new_get(void **state)
{
    (void)state;
    kiln_error err;
    kiln_global *g = NULL;
    kiln_val v = {.kind = KILN_F64, .of.f64 = 2.5};
    assert_int_equal(kiln_global_new(v, true, &g, &err), KILN_OK);
    kiln_val r = kiln_global_get(g);
    assert_int_equal(r.kind, KILN_F64);
    assert_true(r.of.f64 == 2.5);
    kiln_global_release(g);
}

static void test_table_new(void **state)
{
    (void)state;
    kiln_error err;
    kiln_table *t = NULL;
    assert_int_equal(kiln_table_new(KILN_FUNCREF, 10, 20, &t, &err), KILN_OK);
    kiln_table_release(t);
    t = NULL;
    assert_int_equal(kiln_table_new(KILN_I32, 1, 2, &t, &err), KILN_ERR_ARGUMENT);
    assert_int_equal(kiln_table_new(KILN_EXTERNREF, 3, 2, &t, &err), KILN_ERR_ARGUMENT);
    assert_null(t);
}

static int32_t native_stub(kiln_caller *caller, int32_t a)
{
    (void)caller;
    return a;
}

static void test_native_signatures(void **state)
{
    (void)state;
    kiln_error err;
    kiln_linker *l = NULL;
    assert_int_equal(kiln_linker_new(&l, &err), KILN_OK);
    void *fn = (void *)native_stub;
    assert_int_equal(kiln_linker_define_native(l, "env", "a", "(i)i", fn, &err), KILN_OK);
    assert_int_equal(kiln_linker_define_native(l, "env", "b", "(*~$rIfF)", fn, &err), KILN_OK);
    assert_int_equal(kiln_linker_define_native(l, "env", "c", "i)i", fn, &err),
                     KILN_ERR_ARGUMENT);
    assert_int_equal(kiln_linker_define_native(l, "env", "d", "(~)", fn, &err),
                     KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "'~' must follow '*'"));
    assert_int_equal(kiln_linker_define_native(l, "env", "e", "(x)", fn, &err),
                     KILN_ERR_ARGUMENT);
    assert_int_equal(kiln_linker_define_native(l, "env", "f", "(i)ii", fn, &err),
                     KILN_ERR_ARGUMENT);
    /* Beyond the registers, arguments go on the stack: up to 32 of them. */
    assert_int_equal(kiln_linker_define_native(l, "env", "g", "(iiiiii)", fn, &err), KILN_OK);
    assert_int_equal(kiln_linker_define_native(l, "env", "h", "(FFFFFFFFF)", fn, &err),
                     KILN_OK);
    assert_int_equal(kiln_linker_define_native(
                         l, "env", "i", "(iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii)", fn, &err),
                     KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "stack words beyond the registers, more than 32"));
    kiln_linker_free(l);
}

static kiln_status raw_stub(kiln_caller *caller, void *data, const kiln_val *args,
                            kiln_val *results)
{
    (void)caller, (void)data, (void)args, (void)results;
    return KILN_OK;
}

static void test_definitions_hold_references(void **state)
{
    (void)state;
    kiln_error err;
    kiln_linker *l = NULL;
    assert_int_equal(kiln_linker_new(&l, &err), KILN_OK);
    kiln_memory *m = NULL;
    kiln_table *t = NULL;
    kiln_global *g = NULL;
    kiln_val v = {.kind = KILN_I32, .of.i32 = 5};
    assert_int_equal(kiln_memory_new(1, 1, false, &m, &err), KILN_OK);
    assert_int_equal(kiln_table_new(KILN_FUNCREF, 1, UINT32_MAX, &t, &err), KILN_OK);
    assert_int_equal(kiln_global_new(v, false, &g, &err), KILN_OK);
    assert_int_equal(kiln_linker_define_memory(l, "env", "memory", m, &err), KILN_OK);
    assert_int_equal(kiln_linker_define_table(l, "env", "table", t, &err), KILN_OK);
    assert_int_equal(kiln_linker_define_global(l, "env", "g", g, &err), KILN_OK);
    /* The linker's references keep them alive (ASan would see a use after
     * free in kiln_linker_free otherwise). */
    kiln_memory_release(m);
    kiln_table_release(t);
    kiln_global_release(g);
    kiln_valkind params[] = {KILN_I32};
    kiln_func_type type = {1, 0, params, NULL};
    assert_int_equal(kiln_linker_define_func(l, "env", "f", &type, raw_stub, NULL, &err),
                     KILN_OK);
    assert_int_equal(kiln_linker_define_func(l, "env", "f", &type, NULL, NULL, &err),
                     KILN_ERR_ARGUMENT);
    assert_int_equal(kiln_linker_define_memory(l, NULL, "x", m, &err), KILN_ERR_ARGUMENT);
    assert_int_equal(kiln_linker_define_instance(l, "x", NULL, &err), KILN_ERR_ARGUMENT);
    kiln_linker_trap_unknown_imports(l, true);
    kiln_linker_free(l);
    kiln_linker_free(NULL);
}

static void test_instantiate_arguments(void **state)
{
    (void)state;
    kiln_error err;
    kiln_linker *l = NULL;
    kiln_instance *inst = NULL;
    assert_int_equal(kiln_linker_new(&l, &err), KILN_OK);
    assert_int_equal(kiln_linker_instantiate(l, NULL, &inst, &err), KILN_ERR_ARGUMENT);
    assert_null(inst);
    assert_int_equal(kiln_linker_new(NULL, &err), KILN_ERR_ARGUMENT);
    kiln_linker_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_new_and_data),
        cmocka_unit_test(test_memory_new_bad_limits),
        cmocka_unit_test(test_global_new_get),
        cmocka_unit_test(test_table_new),
        cmocka_unit_test(test_native_signatures),
        cmocka_unit_test(test_definitions_hold_references),
        cmocka_unit_test(test_instantiate_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
