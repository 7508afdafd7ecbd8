/*
 * Host side of the native host-function test (run_native_test.sh): loads
 * fill.aot (tests/native/fill.c built for wasm32-wasi) and defines its
 * imports through the linker:
 *   env.fill        native "(*~)i": fills the checked buffer with a pattern
 *                   and returns its checksum; sets fill_ran when it runs;
 *   env.sum_memory  raw: reads the caller's memory (kiln_caller_memory);
 *   env.call_back   raw: calls the caller's export "twice" (kiln_caller_
 *                   instance + kiln_instance_call) and returns it + 1;
 *   env.refuse      raw: traps with its own message (kiln_caller_trap);
 *   env.mix, env.floats, env.pairs  native, many mixed i32/i64/f32/f64
 *                   parameters (more than the registers of each class).
 * Then checks, printing one line per fact ("ok ..." or "FAIL ..."):
 *   - a local (shadow-stack), a global and a malloc buffer all get filled
 *     and give the same checksum, the expected one;
 *   - a pointer 16 bytes before the end of memory with length 4096 traps
 *     "out of bounds memory access" and the host function never runs;
 *   - the host reads guest memory, calls back into wasm, and its trap
 *     message reaches the caller; the instance stays usable after traps;
 *   - native functions with many mixed parameters receive exactly the
 *     arguments a direct C call passes (their results compared bit for bit).
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

/* ---- native functions with many mixed parameters (fill.c's mix, floats,
 * pairs): each result depends on every argument's value and position, and
 * is compared bit for bit with a direct C call on the same values. */

static double host_mix(kiln_caller *caller, int32_t a1, int64_t a2, float a3, double a4,
                       int32_t a5, int64_t a6, float a7, double a8, int32_t a9, int64_t a10,
                       float a11, double a12, int32_t a13, int64_t a14, float a15, double a16,
                       int32_t a17, int64_t a18, float a19, double a20)
{
    (void)caller;
    double v[20] = {a1,  (double)a2,  a3,  a4,  a5,  (double)a6,  a7,  a8,  a9,  (double)a10,
                    a11, a12, a13, (double)a14, a15, a16, a17, (double)a18, a19, a20};
    double sum = 0;
    for (int i = 0; i < 20; i++)
        sum += v[i] * (i + 1);
    return sum;
}

static float host_floats(kiln_caller *caller, float a1, float a2, float a3, float a4, float a5,
                         float a6, float a7, float a8, float a9, float a10, float a11, float a12)
{
    (void)caller;
    float v[12] = {a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12};
    float sum = 0;
    for (int i = 0; i < 12; i++)
        sum += v[i] * (float)(i + 1);
    return sum;
}

static int64_t host_pairs(kiln_caller *caller, double a, float b, double c, float d, int64_t e,
                          int32_t f, int64_t g)
{
    (void)caller;
    return (int64_t)(a * 2.0) + (int64_t)(b * 3.0f) * 10 + (int64_t)(c * 5.0) * 100 +
           (int64_t)(d * 7.0f) * 1000 + e * 11 + (int64_t)f * 13 + g * 17;
}

/* Calls export name with args and checks that its one result has want's bits. */
static void check_call(kiln_instance *inst, const char *name, const kiln_val *args, size_t n,
                       kiln_val want)
{
    kiln_error err;
    kiln_val got;
    memset(&got, 0, sizeof got);
    char what[KILN_ERROR_MESSAGE_SIZE + 64];
    kiln_status st = kiln_instance_call(inst, name, args, n, &got, 1, &err);
    size_t size = want.kind == KILN_F32 || want.kind == KILN_I32 ? 4 : 8;
    bool same = st == KILN_OK && memcmp(&got.of, &want.of, size) == 0;
    if (st != KILN_OK)
        snprintf(what, sizeof what, "native %s: %s", name, err.message);
    else if (want.kind == KILN_I64)
        snprintf(what, sizeof what, "native %s = %lld (want %lld)", name,
                 (long long)got.of.i64, (long long)want.of.i64);
    else
        snprintf(what, sizeof what, "native %s = %.17g (want %.17g)", name,
                 want.kind == KILN_F32 ? (double)got.of.f32 : got.of.f64,
                 want.kind == KILN_F32 ? (double)want.of.f32 : want.of.f64);
    check(same, what);
}

/* A kiln_val of each kind. */
#define VAL(KIND, field, x) ((kiln_val){.kind = KILN_##KIND, .of.field = (x)})

static void check_many_params(kiln_instance *inst)
{
    kiln_val a[20];
    for (int i = 0; i < 20; i++) {
        switch (i % 4) {
        case 0: a[i] = VAL(I32, i32, -1000 - i); break;
        case 1: a[i] = VAL(I64, i64, ((int64_t)1 << 40) + i); break;
        case 2: a[i] = VAL(F32, f32, 0.5f + (float)i); break;
        default: a[i] = VAL(F64, f64, 0.25 + 1.5 * i); break;
        }
    }
    check_call(inst, "mix", a, 20,
               VAL(F64, f64,
                   host_mix(NULL, a[0].of.i32, a[1].of.i64, a[2].of.f32, a[3].of.f64,
                            a[4].of.i32, a[5].of.i64, a[6].of.f32, a[7].of.f64, a[8].of.i32,
                            a[9].of.i64, a[10].of.f32, a[11].of.f64, a[12].of.i32,
                            a[13].of.i64, a[14].of.f32, a[15].of.f64, a[16].of.i32,
                            a[17].of.i64, a[18].of.f32, a[19].of.f64)));
    kiln_val f[12];
    for (int i = 0; i < 12; i++)
        f[i] = VAL(F32, f32, 1.0f + 0.125f * (float)i);
    check_call(inst, "floats", f, 12,
               VAL(F32, f32,
                   host_floats(NULL, f[0].of.f32, f[1].of.f32, f[2].of.f32, f[3].of.f32,
                               f[4].of.f32, f[5].of.f32, f[6].of.f32, f[7].of.f32,
                               f[8].of.f32, f[9].of.f32, f[10].of.f32, f[11].of.f32)));
    kiln_val p[7] = {VAL(F64, f64, 1.5),         VAL(F32, f32, 2.5f),
                     VAL(F64, f64, 3.25),        VAL(F32, f32, 4.75f),
                     VAL(I64, i64, -(5LL << 33)), VAL(I32, i32, -6),
                     VAL(I64, i64, 7LL << 35)};
    check_call(inst, "pairs", p, 7,
               VAL(I64, i64,
                   host_pairs(NULL, p[0].of.f64, p[1].of.f32, p[2].of.f64, p[3].of.f32,
                              p[4].of.i64, p[5].of.i32, p[6].of.i64)));
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
        kiln_linker_define_native(linker, "env", "mix", "(iIfFiIfFiIfFiIfFiIfF)F",
                                  (void *)host_mix, &err) != KILN_OK ||
        kiln_linker_define_native(linker, "env", "floats", "(ffffffffffff)f",
                                  (void *)host_floats, &err) != KILN_OK ||
        kiln_linker_define_native(linker, "env", "pairs", "(FfFfIiI)I", (void *)host_pairs,
                                  &err) != KILN_OK ||
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

    /* Many mixed parameters, through the host's calling convention. */
    check_many_params(inst);

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
