/*
 * Host side of the native host-function test (run_native_test.sh): loads
 * fill.aot (tests/native/fill.c built for wasm32-wasi) and defines its
 * imports through the linker:
 *   env.fill        native "(*~)i": fills the checked buffer with a pattern
 *                   and returns its checksum; sets fill_ran when it runs;
 *   env.sum_memory  raw: reads the caller's memory (kiln_caller_memory);
 *   env.call_back   raw: calls the caller's export "twice" (kiln_caller_
 *                   instance + kiln_instance_call) and returns it + 1;
 *   env.refuse      raw: traps with its own message (kiln_caller_trap).
 * Then checks, printing one line per fact ("ok ..." or "FAIL ..."):
 *   - a local (shadow-stack), a global and a malloc buffer all get filled
 *     and give the same checksum, the expected one;
 *   - a pointer 16 bytes before the end of memory with length 4096 traps
 *     "out of bounds memory access" and the host function never runs;
 *   - the host reads guest memory, calls back into wasm, and its trap
 *     message reaches the caller; the instance stays usable after traps.
 *
 * usage: native_host FILL.aot     exit status 0 when every check holds.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kiln.h"

#define BUF_LEN 100u

static bool fill_ran;
static int failures;

static uint8_t pattern(uint32_t i)
{
    return (uint8_t)(i * 7u + 3u);
}

/* What fill returns for a buffer of len bytes: sum of byte * (index + 1). */
static int32_t expected_checksum(uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += (uint32_t)pattern(i) * (i + 1u);
    return (int32_t)sum;
}

static int32_t host_fill(kiln_caller *caller, void *buf, uint32_t len)
{
    (void)caller;
    fill_ran = true;
    uint8_t *bytes = buf;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < len; i++) {
        bytes[i] = pattern(i);
        sum += (uint32_t)bytes[i] * (i + 1u);
    }
    return (int32_t)sum;
}

static kiln_status host_sum_memory(kiln_caller *caller, void *data, const kiln_val *args,
                                   kiln_val *results)
{
    (void)data;
    uint64_t size = 0;
    const uint8_t *mem = kiln_caller_memory(caller, &size);
    uint64_t addr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
    if (mem == NULL || addr > size || len > size - addr)
        return kiln_caller_trap(caller, "sum_memory: range outside the caller's memory");
    uint32_t sum = 0;
    for (uint64_t i = 0; i < len; i++)
        sum += mem[addr + i];
    results[0].kind = KILN_I32;
    results[0].of.i32 = (int32_t)sum;
    return KILN_OK;
}

static kiln_status host_call_back(kiln_caller *caller, void *data, const kiln_val *args,
                                  kiln_val *results)
{
    (void)data;
    kiln_error err;
    kiln_val r;
    if (kiln_instance_call(kiln_caller_instance(caller), "twice", args, 1, &r, 1, &err) !=
        KILN_OK)
        return kiln_caller_trap(caller, err.message);
    results[0].kind = KILN_I32;
    results[0].of.i32 = r.of.i32 + 1;
    return KILN_OK;
}

static kiln_status host_refuse(kiln_caller *caller, void *data, const kiln_val *args,
                               kiln_val *results)
{
    (void)data;
    (void)args;
    (void)results;
    return kiln_caller_trap(caller, "the host refuses: code 42");
}

static void check(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok" : "FAIL", what);
    if (!ok)
        failures++;
}

/* Calls a () -> i32 or (i32) -> i32 export; false (and err set) on failure. */
static kiln_status call1(kiln_instance *inst, const char *name, const kiln_val *arg,
                         int32_t *out, kiln_error *err)
{
    kiln_val r;
    r.of.i32 = 0;
    kiln_status st = kiln_instance_call(inst, name, arg, arg != NULL ? 1 : 0, &r, 1, err);
    *out = r.of.i32;
    return st;
}

static void check_value(kiln_instance *inst, const char *name, const kiln_val *arg,
                        int32_t want)
{
    kiln_error err;
    int32_t got = 0;
    char what[KILN_ERROR_MESSAGE_SIZE + 64];
    kiln_status st = call1(inst, name, arg, &got, &err);
    if (st != KILN_OK)
        snprintf(what, sizeof what, "%s: %s", name, err.message);
    else
        snprintf(what, sizeof what, "%s = %d (want %d)", name, got, want);
    check(st == KILN_OK && got == want, what);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILL.aot\n", argv[0]);
        return 2;
    }
    static const kiln_valkind ii_i[] = {KILN_I32, KILN_I32, KILN_I32};
    static const kiln_valkind i_i[] = {KILN_I32, KILN_I32};
    kiln_func_type sum_type, back_type, refuse_type;
    memset(&sum_type, 0, sizeof sum_type);
    memset(&back_type, 0, sizeof back_type);
    memset(&refuse_type, 0, sizeof refuse_type);
    sum_type.params = ii_i;
    sum_type.param_count = 2;
    sum_type.results = ii_i + 2;
    sum_type.result_count = 1;
    back_type.params = i_i;
    back_type.param_count = 1;
    back_type.results = i_i + 1;
    back_type.result_count = 1;

    kiln_error err;
    kiln_module *module = NULL;
    kiln_linker *linker = NULL;
    kiln_instance *inst = NULL;
    int status = 1;
    if (kiln_module_load_file(argv[1], &module, &err) != KILN_OK ||
        kiln_linker_new(&linker, &err) != KILN_OK ||
        kiln_linker_define_native(linker, "env", "fill", "(*~)i", (void *)host_fill, &err) !=
            KILN_OK ||
        kiln_linker_define_func(linker, "env", "sum_memory", &sum_type, host_sum_memory, NULL,
                                &err) != KILN_OK ||
        kiln_linker_define_func(linker, "env", "call_back", &back_type, host_call_back, NULL,
                                &err) != KILN_OK ||
        kiln_linker_define_func(linker, "env", "refuse", &refuse_type, host_refuse, NULL,
                                &err) != KILN_OK ||
        kiln_linker_instantiate(linker, module, &inst, &err) != KILN_OK ||
        kiln_instance_call(inst, "_initialize", NULL, 0, NULL, 0, &err) != KILN_OK) {
        fprintf(stderr, "setup: %s\n", err.message);
        goto out;
    }

    /* Three kinds of buffer, one result. */
    int32_t want = expected_checksum(BUF_LEN);
    check_value(inst, "fill_local", NULL, want);
    check_value(inst, "fill_global", NULL, want);
    check_value(inst, "fill_malloc", NULL, want);
    int32_t at_local = 0, at_global = 0, at_malloc = 0;
    bool where_ok = call1(inst, "where_local", NULL, &at_local, &err) == KILN_OK &&
                    call1(inst, "where_global", NULL, &at_global, &err) == KILN_OK &&
                    call1(inst, "where_malloc", NULL, &at_malloc, &err) == KILN_OK;
    printf("buffers at local %d, global %d, malloc %d\n", at_local, at_global, at_malloc);
    check(where_ok && at_local != at_global && at_global != at_malloc && at_local != at_malloc,
          "the three buffers are distinct");

    /* A bad range traps before the host function runs. */
    fill_ran = false;
    int32_t got = 0;
    kiln_status st = call1(inst, "fill_bad", NULL, &got, &err);
    char what[KILN_ERROR_MESSAGE_SIZE + 64];
    snprintf(what, sizeof what, "fill_bad traps out of bounds (status %d: %s)", (int)st,
             st == KILN_OK ? "returned" : err.message);
    check(st == KILN_ERR_TRAP && err.trap == KILN_TRAP_OUT_OF_BOUNDS_MEMORY &&
              strstr(err.message, "out of bounds memory access") != NULL,
          what);
    check(!fill_ran, "fill did not run for the bad range");

    /* Reading the caller's memory: the global buffer holds the pattern. */
    uint32_t byte_sum = 0;
    for (uint32_t i = 0; i < BUF_LEN; i++)
        byte_sum += pattern(i);
    check_value(inst, "read_back", NULL, (int32_t)byte_sum);

    /* Calling back into wasm from the host. */
    kiln_val x;
    x.kind = KILN_I32;
    x.of.i32 = 20;
    check_value(inst, "via_host", &x, 41);

    /* The host's own trap message. */
    st = call1(inst, "refuse", NULL, &got, &err);
    snprintf(what, sizeof what, "refuse traps with the host's message (status %d: %s)",
             (int)st, st == KILN_OK ? "returned" : err.message);
    check(st == KILN_ERR_TRAP && strstr(err.message, "the host refuses: code 42") != NULL,
          what);

    /* Still usable after the traps. */
    check_value(inst, "fill_global", NULL, want);
    status = failures == 0 ? 0 : 1;
    printf("%d failed\n", failures);
out:
    kiln_instance_free(inst);
    kiln_linker_free(linker);
    kiln_module_free(module);
    return status;
}
