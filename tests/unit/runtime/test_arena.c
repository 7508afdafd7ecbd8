/*
 * The fixed-size arena allocator (kiln/arena.h) and loading a container
 * that stays where it is (kiln_module_load_static): block alignment, reuse,
 * growth of the topmost block in place, exhaustion as NULL, and a whole
 * load-instantiate-call-free cycle through the arena that leaves it empty
 * and the container's bytes untouched, and an arena reused by the host
 * after the allocator was switched away from it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kiln/arena.h"
#include "module.h"

#include <cmocka.h>

#include "container_builder.h"

#define ALIGN (2u * sizeof(void *))

static unsigned char memory[1u << 20];

static void test_arena_blocks_aligned_and_reused(void **state)
{
    (void)state;
    kiln_arena a;
    kiln_arena_init(&a, memory + 3, 4096); /* unaligned start: aligned up */
    assert_true((uintptr_t)a.base % ALIGN == 0);
    void *p = kiln_arena_allocator(&a, NULL, 10);
    void *q = kiln_arena_allocator(&a, NULL, 100);
    assert_non_null(p);
    assert_non_null(q);
    assert_true((uintptr_t)p % ALIGN == 0 && (uintptr_t)q % ALIGN == 0);
    assert_true((unsigned char *)q >= (unsigned char *)p + 10);
    memset(p, 0xAA, 10);
    memset(q, 0xBB, 100);
    size_t peak = a.peak_bytes;
    /* Freeing a block below the top keeps it for reuse... */
    kiln_arena_allocator(&a, p, 0);
    void *r = kiln_arena_allocator(&a, NULL, 8);
    assert_ptr_equal(r, p);
    /* ...freeing everything empties the arena. */
    kiln_arena_allocator(&a, r, 0);
    kiln_arena_allocator(&a, q, 0);
    assert_int_equal(a.top, 0);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.peak_bytes, peak);
}

static void test_arena_resize_and_exhaustion(void **state)
{
    (void)state;
    kiln_arena a;
    kiln_arena_init(&a, memory, 1024);
    unsigned char *p = kiln_arena_allocator(&a, NULL, 100);
    assert_non_null(p);
    for (int i = 0; i < 100; i++)
        p[i] = (unsigned char)i;
    /* The topmost block grows in place. */
    unsigned char *grown = kiln_arena_allocator(&a, p, 600);
    assert_ptr_equal(grown, p);
    /* A block below the top moves and keeps its contents. */
    void *above = kiln_arena_allocator(&a, NULL, 16);
    assert_non_null(above);
    assert_null(kiln_arena_allocator(&a, grown, 900)); /* no room: NULL, block intact */
    assert_int_equal(grown[99], 99);
    assert_null(kiln_arena_allocator(&a, NULL, 2000));
    assert_null(kiln_arena_allocator(&a, NULL, SIZE_MAX));
    kiln_arena_allocator(&a, above, 0);
    kiln_arena_allocator(&a, grown, 0);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(a.top, 0);
}

/* The sample container, loaded from bytes the module must not copy or
 * write, with every runtime allocation from an arena. */
static void test_arena_load_static_runs_and_leaves_nothing(void **state)
{
    (void)state;
    tb_sample_options opt = {.symbol = "memset"};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    uint8_t *before = malloc(size);
    assert_non_null(before);
    memcpy(before, bytes, size);

    kiln_module *m = NULL;
    kiln_instance *inst = NULL;
    kiln_error err;
    kiln_arena a;
    kiln_arena_init(&a, memory, sizeof memory);
    kiln_set_allocator(kiln_arena_allocator, &a);
    assert_int_equal(kiln_module_load_static(bytes, size, &m, &err), KILN_OK);
    /* The module keeps the caller's bytes, no copy of them. */
    assert_ptr_equal(m->bytes, bytes);
    /* Not executable in place on a POSIX host (read-only data is not
     * executable): the code is copied as by kiln_module_load. */
    assert_false(kiln_module_executes_in_place(m));
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    kiln_val r;
    assert_int_equal(kiln_instance_call(inst, "answer", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 42);
    assert_int_equal(kiln_instance_call(inst, "fill", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(kiln_instance_call(inst, "boom", NULL, 0, NULL, 0, &err), KILN_ERR_TRAP);
    assert_true(a.live_bytes > 0);
    kiln_instance_free(inst);
    kiln_module_free(m);
    /* Switching away releases the process-wide tables (interned types,
     * fault ranges) made in the arena: it is empty again. */
    kiln_set_allocator(NULL, NULL);
    assert_int_equal(a.live_bytes, 0);
    assert_memory_equal(bytes, before, size);

    /* An arena too small for the module: a clean KILN_ERR_NOMEM. */
    kiln_arena_init(&a, memory, 256);
    kiln_set_allocator(kiln_arena_allocator, &a);
    m = NULL;
    assert_int_equal(kiln_module_load_static(bytes, size, &m, &err), KILN_ERR_NOMEM);
    assert_null(m);
    kiln_set_allocator(NULL, NULL);
    assert_int_equal(a.live_bytes, 0);
    assert_int_equal(kiln_module_load_static(NULL, 1, &m, &err), KILN_ERR_ARGUMENT);
    free(before);
    free(bytes);
}

/* One cycle in an arena, which the host then reuses for something else
 * (here: overwrites), then a cycle in a second arena: nothing of the
 * first may be touched after the switch (before, the interned type table
 * and the fault range list still lived in the first arena's bytes). */
static void run_cycle(const uint8_t *bytes, size_t size)
{
    kiln_module *m = NULL;
    kiln_instance *inst = NULL;
    kiln_error err;
    kiln_val r;
    assert_int_equal(kiln_module_load_static(bytes, size, &m, &err), KILN_OK);
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    assert_int_equal(kiln_instance_call(inst, "answer", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 42);
    assert_int_equal(kiln_instance_call(inst, "boom", NULL, 0, NULL, 0, &err), KILN_ERR_TRAP);
    kiln_instance_free(inst);
    kiln_module_free(m);
}

static void test_arena_reused_after_allocator_switch(void **state)
{
    (void)state;
    tb_sample_options opt = {.symbol = "memset"};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    size_t half = sizeof memory / 2;
    kiln_arena first, second;
    kiln_arena_init(&first, memory, half);
    kiln_set_allocator(kiln_arena_allocator, &first);
    run_cycle(bytes, size);
    kiln_arena_init(&second, memory + half, half);
    kiln_set_allocator(kiln_arena_allocator, &second);
    assert_int_equal(first.live_bytes, 0);
    memset(memory, 0xA5, half);
    run_cycle(bytes, size);
    kiln_set_allocator(NULL, NULL);
    assert_int_equal(second.live_bytes, 0);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_blocks_aligned_and_reused),
        cmocka_unit_test(test_arena_resize_and_exhaustion),
        cmocka_unit_test(test_arena_load_static_runs_and_leaves_nothing),
        cmocka_unit_test(test_arena_reused_after_allocator_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
