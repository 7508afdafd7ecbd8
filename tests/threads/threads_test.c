/*
 * Threads over one shared memory (run_threads_test.sh): the host defines a
 * shared memory as env.memory in one linker; each of N threads instantiates
 * counter.aot through that linker (concurrently: the linker serialises
 * instantiation) and runs its own instance, so the threads share nothing
 * but the memory. Every thread adds ITERS with i32.atomic.rmw.add and ITERS
 * under a mutex built on cmpxchg and wait/notify; both counters must come
 * out at exactly N * ITERS. Every thread then traps at the same time (out
 * of bounds, and call stack exhausted on its own stack) and must get its own
 * trap, proving the trap machinery (activations, alternate signal stack,
 * stack limit) is per thread.
 *
 * usage: threads_test COUNTER.aot [THREADS [ITERS]]
 * Prints one line per fact; exit status 0 when all hold.
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"

#define MAX_THREADS 64

typedef struct worker {
    kiln_linker *linker;
    const kiln_module *module;
    pthread_barrier_t *start;
    int32_t iters;
    int ok; /* 1 when every step did what it should */
    char problem[KILN_ERROR_MESSAGE_SIZE + 64];
} worker;

static int call_i32(kiln_instance *inst, const char *name, int32_t arg, kiln_error *err)
{
    kiln_val a;
    a.kind = KILN_I32;
    a.of.i32 = arg;
    return kiln_instance_call(inst, name, &a, 1, NULL, 0, err) == KILN_OK;
}

/* Calls name (which must trap) and checks that the trap is `want`. */
static int expect_trap(worker *w, kiln_instance *inst, const char *name, size_t argc,
                       kiln_trap_code want)
{
    kiln_error err;
    kiln_val arg, result;
    arg.kind = KILN_I32;
    arg.of.i32 = 0;
    kiln_status st = kiln_instance_call(inst, name, &arg, argc, &result, 1, &err);
    if (st != KILN_ERR_TRAP || err.trap != want) {
        snprintf(w->problem, sizeof w->problem, "%s: expected trap \"%s\", got status %d (%s)",
                 name, kiln_trap_message(want), (int)st, st == KILN_OK ? "" : err.message);
        return 0;
    }
    return 1;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    kiln_error err;
    kiln_instance *inst = NULL;
    if (kiln_linker_instantiate(w->linker, w->module, &inst, &err) != KILN_OK) {
        snprintf(w->problem, sizeof w->problem, "instantiate: %s", err.message);
        pthread_barrier_wait(w->start);
        return NULL;
    }
    /* Start together so the threads really contend. */
    pthread_barrier_wait(w->start);
    if (!call_i32(inst, "inc_atomic", w->iters, &err) ||
        !call_i32(inst, "inc_locked", w->iters, &err)) {
        snprintf(w->problem, sizeof w->problem, "call: %s", err.message);
        goto out;
    }
    if (!expect_trap(w, inst, "oob", 0, KILN_TRAP_OUT_OF_BOUNDS_MEMORY) ||
        !expect_trap(w, inst, "deep", 1, KILN_TRAP_CALL_STACK_EXHAUSTED))
        goto out;
    /* The instance is still usable after its traps. */
    if (!call_i32(inst, "inc_atomic", 0, &err)) {
        snprintf(w->problem, sizeof w->problem, "call after trap: %s", err.message);
        goto out;
    }
    w->ok = 1;
out:
    kiln_instance_free(inst);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s COUNTER.aot [THREADS [ITERS]]\n", argv[0]);
        return 2;
    }
    int threads = argc > 2 ? atoi(argv[2]) : 8;
    int32_t iters = argc > 3 ? (int32_t)atoi(argv[3]) : 100000;
    if (threads < 1 || threads > MAX_THREADS || iters < 0) {
        fprintf(stderr, "threads must be 1..%d and iters >= 0\n", MAX_THREADS);
        return 2;
    }
    kiln_error err;
    kiln_module *module = NULL;
    kiln_memory *memory = NULL;
    kiln_linker *linker = NULL;
    int status = 1;
    if (kiln_module_load_file(argv[1], &module, &err) != KILN_OK ||
        kiln_memory_new(1, 1, true, &memory, &err) != KILN_OK ||
        kiln_linker_new(&linker, &err) != KILN_OK ||
        kiln_linker_define_memory(linker, "env", "memory", memory, &err) != KILN_OK) {
        fprintf(stderr, "setup: %s\n", err.message);
        goto out;
    }

    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    worker workers[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].linker = linker;
        workers[i].module = module;
        workers[i].start = &start;
        workers[i].iters = iters;
        if (pthread_create(&ids[i], NULL, run_worker, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1); /* the barrier would never open */
        }
    }
    int all_ok = 1;
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        if (!workers[i].ok) {
            printf("thread %d: %s\n", i, workers[i].problem);
            all_ok = 0;
        }
    }
    pthread_barrier_destroy(&start);

    /* The memory outlives every instance: the linker and we hold it. */
    uint64_t size = 0;
    uint8_t *data = kiln_memory_data(memory, &size);
    uint32_t atomic_count, locked_count, lock_word;
    memcpy(&atomic_count, data + 0, 4);
    memcpy(&lock_word, data + 4, 4);
    memcpy(&locked_count, data + 8, 4);
    uint32_t want = (uint32_t)threads * (uint32_t)iters;
    printf("atomic counter: %u (want %u)\n", atomic_count, want);
    printf("locked counter: %u (want %u)\n", locked_count, want);
    printf("lock word: %u (want 0)\n", lock_word);
    printf("per-thread traps: %s\n", all_ok ? "ok" : "FAILED");
    if (all_ok && atomic_count == want && locked_count == want && lock_word == 0)
        status = 0;
out:
    kiln_linker_free(linker);
    kiln_memory_release(memory);
    kiln_module_free(module);
    return status;
}
