/*
 * Call overhead: host -> wasm (an empty export and add(i32, i32), called N
 * times by name and through a function handle) and wasm -> host (a loop in
 * wasm calling a raw host function and a native one). Prints ns of the
 * thread's CPU time (system time included) per call.
 * Not a test: bench/run_call_bench.sh builds and runs it.
 *
 *   kiln-call-bench call.aot [N]
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kiln.h"

/* The thread's CPU time (user + system): calls are measured by the CPU
 * they take, which a loaded machine's scheduling does not inflate. */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static kiln_status host_nop(kiln_caller *caller, void *data, const kiln_val *args,
                            kiln_val *results)
{
    (void)caller, (void)data, (void)args, (void)results;
    return KILN_OK;
}

static int32_t native_add(kiln_caller *caller, int32_t a, int32_t b)
{
    (void)caller;
    return a + b;
}

static void report(const char *what, double ns, long n)
{
    printf("%-44s %8.1f ns/call\n", what, ns / (double)n);
}

static int fail(const kiln_error *err)
{
    fprintf(stderr, "kiln-call-bench: %s\n", err->message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: kiln-call-bench call.aot [N]\n");
        return 2;
    }
    long n = argc > 2 ? atol(argv[2]) : 10000000L;
    kiln_error err;
    kiln_module *m = NULL;
    kiln_linker *l = NULL;
    kiln_instance *inst = NULL;
    if (kiln_module_load_file(argv[1], &m, &err) != KILN_OK || kiln_linker_new(&l, &err) != KILN_OK)
        return fail(&err);
    kiln_func_type nop_type = {0, 0, NULL, NULL};
    if (kiln_linker_define_func(l, "env", "host_nop", &nop_type, host_nop, NULL, &err) != KILN_OK ||
        kiln_linker_define_native(l, "env", "host_add", "(ii)i", (void *)native_add, &err) !=
            KILN_OK ||
        kiln_linker_instantiate(l, m, &inst, &err) != KILN_OK)
        return fail(&err);

    kiln_val args[2] = {{.kind = KILN_I32, .of.i32 = 1}, {.kind = KILN_I32, .of.i32 = 2}};
    kiln_val result;
    /* Warm up (first call prepares the thread). */
    if (kiln_instance_call(inst, "empty", NULL, 0, NULL, 0, &err) != KILN_OK)
        return fail(&err);

    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        kiln_instance_call(inst, "empty", NULL, 0, NULL, 0, &err);
    report("host->wasm empty, kiln_instance_call", now_ns() - t0, n);
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        kiln_instance_call(inst, "add", args, 2, &result, 1, &err);
    report("host->wasm add(i32,i32), kiln_instance_call", now_ns() - t0, n);

    kiln_func *empty = NULL, *add = NULL;
    if (kiln_instance_func(inst, "empty", &empty, &err) != KILN_OK ||
        kiln_instance_func(inst, "add", &add, &err) != KILN_OK)
        return fail(&err);
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        kiln_func_call(empty, NULL, 0, NULL, 0, &err);
    report("host->wasm empty, kiln_func_call", now_ns() - t0, n);
    t0 = now_ns();
    for (long i = 0; i < n; i++)
        kiln_func_call(add, args, 2, &result, 1, &err);
    report("host->wasm add(i32,i32), kiln_func_call", now_ns() - t0, n);

    kiln_val count = {.kind = KILN_I32, .of.i32 = (int32_t)n};
    t0 = now_ns();
    if (kiln_instance_call(inst, "call_host", &count, 1, NULL, 0, &err) != KILN_OK)
        return fail(&err);
    report("wasm->host raw (kiln_linker_define_func)", now_ns() - t0, n);
    t0 = now_ns();
    if (kiln_instance_call(inst, "call_host_add", &count, 1, &result, 1, &err) != KILN_OK)
        return fail(&err);
    report("wasm->host native (ii)i", now_ns() - t0, n);
    if (result.of.i32 != (int32_t)n)
        fprintf(stderr, "kiln-call-bench: call_host_add returned %" PRId32 "\n", result.of.i32);

    kiln_instance_free(inst);
    kiln_linker_free(l);
    kiln_module_free(m);
    return 0;
}
