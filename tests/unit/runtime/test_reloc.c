/*
 * Relocations (rel_apply, x86-64): each kind patched as S + A (- P), out of
 * range values refused with the kind, offset and symbol named; end to end,
 * a module calling memset through a GOT slot that an ABS64 relocation to
 * the SYMBOLS list fills.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "container_builder.h"
#include "reloc/reloc.h"

static uint8_t image[256];

static void test_reloc_abs64(void **state)
{
    (void)state;
    kiln_error err;
    assert_int_equal(rel_apply(image, 8, KILN_RELOC_ABS64, 0x1122334455667700ull, 0x10, "s", 1,
                               &err),
                     KILN_OK);
    assert_int_equal(kiln_read_u64le(image + 8), 0x1122334455667710ull);
}

static void test_reloc_abs32(void **state)
{
    (void)state;
    kiln_error err;
    assert_int_equal(rel_apply(image, 20, KILN_RELOC_ABS32, 0x80000000u, 4, "s", 1, &err),
                     KILN_OK);
    assert_int_equal(kiln_read_u32le(image + 20), 0x80000004u);
    /* The symbol name need not be NUL-terminated: only its length is read. */
    assert_int_equal(rel_apply(image, 20, KILN_RELOC_ABS32, 0x100000000ull, 0, "far_thingXYZ",
                               9, &err),
                     KILN_ERR_LINK);
    assert_non_null(strstr(err.message, "ABS32 at image offset 0x14 to far_thing:"));
}

static void test_reloc_rel32(void **state)
{
    (void)state;
    kiln_error err;
    uint64_t s = (uint64_t)(uintptr_t)(image + 100);
    assert_int_equal(rel_apply(image, 10, KILN_RELOC_REL32, s, -4, "s", 1, &err), KILN_OK);
    assert_int_equal((int32_t)kiln_read_u32le(image + 10), 100 - 4 - 10);
    s = (uint64_t)(uintptr_t)image - 200;
    assert_int_equal(rel_apply(image, 10, KILN_RELOC_REL32, s, 0, "s", 1, &err), KILN_OK);
    assert_int_equal((int32_t)kiln_read_u32le(image + 10), -210);
}

static void test_reloc_out_of_range_rejected(void **state)
{
    (void)state;
    kiln_error err;
    uint64_t far = (uint64_t)(uintptr_t)image + ((uint64_t)3 << 30);
    assert_int_equal(rel_apply(image, 40, KILN_RELOC_REL32, far, -4, "fmod", 4, &err),
                     KILN_ERR_LINK);
    assert_non_null(strstr(err.message, "REL32 at image offset 0x28 to fmod is out of range"));
    /* Against the image itself, the message says so. */
    assert_int_equal(rel_apply(image, 40, KILN_RELOC_ABS32, far, 0, NULL, 0, &err),
                     KILN_ERR_LINK);
    assert_non_null(strstr(err.message, "to the image"));
}

static void test_reloc_unknown_kind(void **state)
{
    (void)state;
    kiln_error err;
    assert_int_equal(rel_field_size(9), 0);
    /* Kind 4 was CALL_REL32 in format 1; format 2 calls through GOT slots. */
    assert_int_equal(rel_field_size(4), 0);
    assert_int_equal(rel_apply(image, 0, 9, 0, 0, "s", 1, &err), KILN_ERR_CORRUPT);
    assert_non_null(strstr(err.message, "unknown kind 9"));
}
static void test_reloc_module_calls_libcall(void **state)
{
    (void)state;
    tb_sample_options opt = {.symbol = "memset"};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    kiln_module *m = NULL;
    kiln_instance *inst = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    kiln_val r;
    assert_int_equal(kiln_instance_call(inst, "fill", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal((uint32_t)r.of.i32, 0x41414141u);
    kiln_instance_free(inst);
    kiln_module_free(m);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloc_abs64),
        cmocka_unit_test(test_reloc_abs32),
        cmocka_unit_test(test_reloc_rel32),
        cmocka_unit_test(test_reloc_out_of_range_rejected),
        cmocka_unit_test(test_reloc_unknown_kind),
        cmocka_unit_test(test_reloc_module_calls_libcall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
