/*
 * The stack guard cannot be jumped (run_stack_test.sh): a module's export
 * `rec` recurses with a large frame (many values live across its call),
 * `deep` recurses with a small one. Each runs on a thread whose stack this
 * program maps itself, between two canary regions:
 *
 *   [canary below | guard page (no access) | stack | canary above]
 *
 * The canaries are filled with a pattern before and checked after. Every
 * call must trap "call stack exhausted" and no canary byte may change: a
 * frame that skipped the guard page (the prologue compared the frame's top
 * with the limit and stored below it) would write into the canary below.
 * Two stack sizes: 1 MiB, where a frame's bottom falls below the stack limit
 * (the prologue's check traps), and 300 KiB, where the first frame does not
 * fit at all (its stack probes fault on the guard page).
 *
 * usage: stack_guard_test MODULE.aot
 * Prints one line per fact; exit status 0 when all hold.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kiln.h"

#define CANARY_BELOW ((size_t)2 << 20) /* more than any frame in the module */
#define CANARY_ABOVE ((size_t)64 << 10)

typedef struct run {
    kiln_instance *instance;
    const char *name;
    int32_t depth;
    size_t stack_size;
    kiln_status status;
    kiln_error err;
} run;

static void *call_export(void *arg)
{
    run *r = arg;
    kiln_val a, result;
    a.kind = KILN_I32;
    a.of.i32 = r->depth;
    r->status = kiln_instance_call(r->instance, r->name, &a, 1, &result, 1, &r->err);
    return NULL;
}

static uint8_t canary_byte(size_t i)
{
    return (uint8_t)(0xA5u ^ (i * 131u >> 3));
}

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = canary_byte(i);
}

/* Offset of the first changed byte, or n. */
static size_t first_change(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != canary_byte(i))
            return i;
    return n;
}

/* Runs r on a fresh thread with the canaried stack; 1 when all holds. */
static int run_on_small_stack(run *r)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t total = CANARY_BELOW + page + r->stack_size + CANARY_ABOVE;
    uint8_t *region = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                           0);
    if (region == MAP_FAILED) {
        printf("FAIL %s: cannot map the stack region\n", r->name);
        return 0;
    }
    uint8_t *below = region, *guard = region + CANARY_BELOW, *stack = guard + page;
    uint8_t *above = stack + r->stack_size;
    fill(below, CANARY_BELOW);
    fill(above, CANARY_ABOVE);
    int ok = mprotect(guard, page, PROT_NONE) == 0;

    pthread_attr_t attr;
    pthread_t thread;
    ok = ok && pthread_attr_init(&attr) == 0;
    ok = ok && pthread_attr_setstack(&attr, stack, r->stack_size) == 0;
    ok = ok && pthread_create(&thread, &attr, call_export, r) == 0;
    if (!ok) {
        printf("FAIL %s: cannot start the thread\n", r->name);
        munmap(region, total);
        return 0;
    }
    pthread_join(thread, NULL);
    pthread_attr_destroy(&attr);

    size_t kib = r->stack_size >> 10;
    if (r->status != KILN_ERR_TRAP || r->err.trap != KILN_TRAP_CALL_STACK_EXHAUSTED) {
        printf("FAIL %s (%zu KiB stack): expected trap \"call stack exhausted\", got status %d "
               "(%s)\n",
               r->name, kib, (int)r->status, r->status == KILN_OK ? "returned" : r->err.message);
        ok = 0;
    }
    size_t at = first_change(below, CANARY_BELOW);
    if (at != CANARY_BELOW) {
        printf("FAIL %s (%zu KiB stack): the canary below the stack changed, %zu bytes below "
               "the guard page\n",
               r->name, kib, CANARY_BELOW - at);
        ok = 0;
    }
    at = first_change(above, CANARY_ABOVE);
    if (at != CANARY_ABOVE) {
        printf("FAIL %s (%zu KiB stack): the canary above the stack changed at +%zu\n", r->name,
               kib, at);
        ok = 0;
    }
    if (ok)
        printf("ok %s (%zu KiB stack): trap \"call stack exhausted\", canaries intact\n", r->name,
               kib);
    munmap(region, total);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODULE.aot\n", argv[0]);
        return 2;
    }
    kiln_error err;
    kiln_module *module = NULL;
    kiln_instance *instance = NULL;
    if (kiln_module_load_file(argv[1], &module, &err) != KILN_OK ||
        kiln_instance_new(module, &instance, &err) != KILN_OK) {
        printf("FAIL %s: %s\n", argv[1], err.message);
        kiln_module_free(module);
        return 1;
    }
    int ok = 1;
    static const size_t sizes[2] = {(size_t)1 << 20, (size_t)300 << 10};
    for (int i = 0; i < 2; i++) {
        run big = {instance, "rec", 1000000, sizes[i], KILN_OK, {0}};
        ok &= run_on_small_stack(&big);
        run small = {instance, "deep", 0, sizes[i], KILN_OK, {0}};
        ok &= run_on_small_stack(&small);
    }
    /* The instance still works after its traps, on this thread too. */
    run shallow = {instance, "rec", 2, 0, KILN_OK, {0}};
    call_export(&shallow);
    if (shallow.status != KILN_OK) {
        printf("FAIL rec 2 after the traps: %s\n", shallow.err.message);
        ok = 0;
    }
    kiln_instance_free(instance);
    kiln_module_free(module);
    return ok ? 0 : 1;
}
