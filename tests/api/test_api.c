/*
 * The embedding API: function handles, import/export listing, native host
 * functions with many mixed parameters and a bad pointer's trap, the module
 * path as a library function, kiln_wasi_define. The modules (api.wat,
 * dep.wat, main.wat) are converted by wat2wasm at build time and compiled
 * here with libkilnc.
 *
 * usage: test_api DIR   (DIR holds api.wasm, dep.wasm, main.wasm)
 */
#define _GNU_SOURCE /* mkdtemp, memmem */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kiln.h"
#include "kiln_compiler.h"
#include "kiln_wasi.h"

static const char *wasm_dir;

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    *size = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t *copy = malloc(*size);
    assert_non_null(copy);
    memcpy(copy, buf, *size);
    return copy;
}

/* Compiles DIR/name.wasm with options (NULL: defaults at -O1); the output
 * in *out (kilnc_buffer_free). */
static void compile_with(const char *name, const kilnc_options *options, uint8_t **out,
                         size_t *out_size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", wasm_dir, name);
    size_t size;
    uint8_t *wasm = read_all(path, &size);
    kiln_error err;
    if (kilnc_compile(wasm, size, options, out, out_size, &err) != KILN_OK)
        fail_msg("kilnc_compile %s: %s", name, err.message);
    free(wasm);
}

/* Compiles DIR/name.wasm; the container in *aot (kilnc_buffer_free). */
static void compile(const char *name, uint8_t **aot, size_t *aot_size)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.wasm", wasm_dir, name);
    size_t size;
    uint8_t *wasm = read_all(path, &size);
    kilnc_options o;
    kilnc_options_init(&o);
    o.opt_level = 1;
    kiln_error err;
    if (kilnc_compile(wasm, size, &o, aot, aot_size, &err) != KILN_OK)
        fail_msg("kilnc_compile %s: %s", name, err.message);
    free(wasm);
}

static kiln_module *load(const char *name)
{
    uint8_t *aot;
    size_t size;
    compile(name, &aot, &size);
    kiln_module *m = NULL;
    kiln_error err;
    if (kiln_module_load(aot, size, &m, &err) != KILN_OK)
        fail_msg("load %s: %s", name, err.message);
    kilnc_buffer_free(aot);
    return m;
}

/* ---- env for api.wat ------------------------------------------------------ */

static double many_seen[20];

static double many(kiln_caller *c, int32_t a1, int64_t a2, float a3, double a4, int32_t a5,
                   int64_t a6, float a7, double a8, int32_t a9, int64_t a10, float a11,
                   double a12, int32_t a13, int64_t a14, float a15, double a16, int32_t a17,
                   int64_t a18, float a19, double a20)
{
    (void)c;
    double v[20] = {a1,  (double)a2,  a3,  a4,  a5,  (double)a6,  a7,  a8,  a9,  (double)a10,
                    a11, a12, a13, (double)a14, a15, a16, a17, (double)a18, a19, a20};
    double sum = 0;
    for (int i = 0; i < 20; i++) {
        many_seen[i] = v[i];
        sum += v[i] * (i + 1);
    }
    return sum;
}

static int32_t take_buf(kiln_caller *c, uint8_t *p, uint32_t len)
{
    (void)c;
    return (int32_t)(p[0] + len);
}

typedef struct api_env {
    kiln_linker *linker;
    kiln_global *g;
    kiln_table *tab;
    kiln_module *module;
    kiln_instance *inst;
} api_env;

static void api_env_open(api_env *e)
{
    kiln_error err;
    memset(e, 0, sizeof *e);
    e->module = load("api");
    assert_int_equal(kiln_linker_new(&e->linker, &err), KILN_OK);
    kiln_val v = {.kind = KILN_I32, .of.i32 = 42};
    assert_int_equal(kiln_global_new(v, false, &e->g, &err), KILN_OK);
    assert_int_equal(kiln_table_new(KILN_FUNCREF, 2, 10, &e->tab, &err), KILN_OK);
    if (kiln_linker_define_native(e->linker, "env", "many", "(iIfFiIfFiIfFiIfFiIfF)F",
                                  (void *)many, &err) != KILN_OK)
        fail_msg("define many: %s", err.message);
    assert_int_equal(kiln_linker_define_native(e->linker, "env", "take_buf", "(*~)i",
                                               (void *)take_buf, &err),
                     KILN_OK);
    assert_int_equal(kiln_linker_define_global(e->linker, "env", "g", e->g, &err), KILN_OK);
    assert_int_equal(kiln_linker_define_table(e->linker, "env", "tab", e->tab, &err), KILN_OK);
    if (kiln_linker_instantiate(e->linker, e->module, &e->inst, &err) != KILN_OK)
        fail_msg("instantiate: %s", err.message);
}

static void api_env_close(api_env *e)
{
    kiln_instance_free(e->inst);
    kiln_linker_free(e->linker);
    kiln_global_release(e->g);
    kiln_table_release(e->tab);
    kiln_module_free(e->module);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_api_func_handles(void **state)
{
    (void)state;
    api_env e;
    api_env_open(&e);
    kiln_error err;
    kiln_func *add = NULL, *again = NULL, *div = NULL;
    assert_int_equal(kiln_instance_func(e.inst, "add", &add, &err), KILN_OK);
    assert_int_equal(kiln_instance_func(e.inst, "add", &again, &err), KILN_OK);
    assert_ptr_equal(add, again);
    assert_string_equal(kiln_func_name(add), "add");
    kiln_func_type t = kiln_func_get_type(add);
    assert_int_equal(t.param_count, 2);
    assert_int_equal(t.result_count, 1);
    assert_int_equal(t.params[0], KILN_I32);
    assert_int_equal(t.results[0], KILN_I32);

    kiln_val args[2] = {{.kind = KILN_I32, .of.i32 = 40}, {.kind = KILN_I32, .of.i32 = 2}};
    kiln_val r;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(kiln_func_call(add, args, 2, &r, 1, &err), KILN_OK);
        assert_int_equal(r.of.i32, 42);
    }
    /* Mismatches name what was wrong. */
    assert_int_equal(kiln_func_call(add, args, 1, &r, 1, &err), KILN_ERR_TYPE);
    assert_non_null(strstr(err.message, "add expects 2 arguments"));
    args[1].kind = KILN_I64;
    assert_int_equal(kiln_func_call(add, args, 2, &r, 1, &err), KILN_ERR_TYPE);
    assert_non_null(strstr(err.message, "argument 2 of add: expected i32, given i64"));
    args[1].kind = KILN_I32;
    assert_int_equal(kiln_func_call(add, args, 2, NULL, 0, &err), KILN_ERR_TYPE);
    assert_int_equal(kiln_instance_func(e.inst, "nope", &again, &err), KILN_ERR_NOT_FOUND);
    assert_int_equal(kiln_instance_func(e.inst, "memory", &again, &err), KILN_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "is a memory, not a function"));

    /* A trap through a handle leaves it and the instance usable. */
    assert_int_equal(kiln_instance_func(e.inst, "div", &div, &err), KILN_OK);
    args[1].of.i32 = 0;
    assert_int_equal(kiln_func_call(div, args, 2, &r, 1, &err), KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_INT_DIV_BY_ZERO);
    args[1].of.i32 = 4;
    assert_int_equal(kiln_func_call(div, args, 2, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 10);
    assert_int_equal(kiln_func_call(add, args, 2, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 44);
    assert_int_equal(kiln_func_get_type(NULL).param_count, 0);
    api_env_close(&e);
}

static void test_api_listing(void **state)
{
    (void)state;
    kiln_module *m = load("api");
    kiln_error err;
    kiln_extern_desc d;
    assert_int_equal(kiln_module_import_count(m), 4);
    assert_int_equal(kiln_module_import(m, 0, &d, &err), KILN_OK);
    assert_string_equal(d.module, "env");
    assert_string_equal(d.name, "many");
    assert_int_equal(d.kind, KILN_EXTERN_FUNC);
    assert_int_equal(d.func.param_count, 20);
    assert_int_equal(d.func.params[3], KILN_F64);
    assert_int_equal(d.func.results[0], KILN_F64);
    assert_int_equal(kiln_module_import(m, 2, &d, &err), KILN_OK);
    assert_int_equal(d.kind, KILN_EXTERN_GLOBAL);
    assert_int_equal(d.global_kind, KILN_I32);
    assert_false(d.global_mutable);
    assert_int_equal(kiln_module_import(m, 3, &d, &err), KILN_OK);
    assert_int_equal(d.kind, KILN_EXTERN_TABLE);
    assert_int_equal(d.elem_kind, KILN_FUNCREF);
    assert_int_equal(d.min, 2);
    assert_true(d.has_max);
    assert_int_equal(d.max, 10);
    assert_int_equal(kiln_module_import(m, 4, &d, &err), KILN_ERR_NOT_FOUND);

    size_t n = kiln_module_export_count(m);
    bool seen_memory = false, seen_counter = false, seen_add = false, seen_tab = false;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kiln_module_export(m, i, &d, &err), KILN_OK);
        assert_null(d.module);
        if (strcmp(d.name, "memory") == 0) {
            assert_int_equal(d.kind, KILN_EXTERN_MEMORY);
            assert_int_equal(d.min, 1);
            assert_int_equal(d.max, 100);
            seen_memory = true;
        } else if (strcmp(d.name, "counter") == 0) {
            assert_int_equal(d.kind, KILN_EXTERN_GLOBAL);
            assert_int_equal(d.global_kind, KILN_I64);
            assert_true(d.global_mutable);
            seen_counter = true;
        } else if (strcmp(d.name, "add") == 0) {
            assert_int_equal(d.func.param_count, 2);
            seen_add = true;
        } else if (strcmp(d.name, "tab") == 0) {
            assert_int_equal(d.kind, KILN_EXTERN_TABLE); /* a re-exported import */
            assert_int_equal(d.min, 2);
            seen_tab = true;
        }
    }
    assert_true(seen_memory && seen_counter && seen_add && seen_tab);
    assert_int_equal(kiln_module_export(m, n, &d, &err), KILN_ERR_NOT_FOUND);
    kiln_module_free(m);
}

static void test_api_native_many_and_bad_pointer(void **state)
{
    (void)state;
    api_env e;
    api_env_open(&e);
    kiln_error err;
    kiln_val r;
    if (kiln_instance_call(e.inst, "call_many", NULL, 0, &r, 1, &err) != KILN_OK)
        fail_msg("call_many: %s", err.message);
    static const double want[20] = {-1, 1099511627778.0, 3.5, 4.25, 5,  6,   7,  8,    9,  10,
                                    11, 12,              13,  14,   15, 16,  17, -18, 19.5, 20.25};
    double sum = 0;
    for (int i = 0; i < 20; i++) {
        if (many_seen[i] != want[i])
            fail_msg("argument %d: got %g, want %g", i + 1, many_seen[i], want[i]);
        sum += want[i] * (i + 1);
    }
    assert_true(r.of.f64 == sum);

    assert_int_equal(kiln_instance_call(e.inst, "buf_ok", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 100);
    assert_int_equal(kiln_instance_call(e.inst, "buf_bad", NULL, 0, &r, 1, &err), KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    if (strstr(err.message, "out of bounds memory access: argument 1 of native function "
                            "env.take_buf: [0xfffa, +100) is outside memory 0 (65536 bytes)") ==
        NULL)
        fail_msg("message: %s", err.message);
    /* Signatures: more stack arguments than supported, malformed. */
    char sig[64] = "(";
    for (int i = 0; i < 38; i++)
        strcat(sig, "i");
    strcat(sig, ")");
    assert_int_equal(kiln_linker_define_native(e.linker, "env", "big", sig, (void *)take_buf,
                                               &err),
                     KILN_ERR_UNSUPPORTED);
    sig[37] = ')';
    sig[38] = '\0';
    assert_int_equal(kiln_linker_define_native(e.linker, "env", "big", sig, (void *)take_buf,
                                               &err),
                     KILN_OK);
    assert_int_equal(kiln_linker_define_native(e.linker, "env", "bad", "(q)", (void *)take_buf,
                                               &err),
                     KILN_ERR_ARGUMENT);
    api_env_close(&e);
}

static void test_api_limits(void **state)
{
    (void)state;
    api_env e;
    api_env_open(&e);
    kiln_error err;
    kiln_func *rec = NULL, *grow = NULL;
    assert_int_equal(kiln_instance_func(e.inst, "rec", &rec, &err), KILN_OK);
    assert_int_equal(kiln_instance_func(e.inst, "grow", &grow, &err), KILN_OK);
    kiln_val n = {.kind = KILN_I32, .of.i32 = 20000}, r;
    /* The default stack takes 20000 frames; 64 KiB does not. */
    if (kiln_func_call(rec, &n, 1, &r, 1, &err) != KILN_OK)
        fail_msg("rec: %s", err.message);
    assert_int_equal(r.of.i32, 10000);
    assert_int_equal(kiln_instance_set_stack_size(e.inst, 64 * 1024, &err), KILN_OK);
    assert_int_equal(kiln_func_call(rec, &n, 1, &r, 1, &err), KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_CALL_STACK_EXHAUSTED);
    n.of.i32 = 100; /* small recursion fits */
    assert_int_equal(kiln_func_call(rec, &n, 1, &r, 1, &err), KILN_OK);
    assert_int_equal(kiln_instance_set_stack_size(e.inst, 0, &err), KILN_OK);
    n.of.i32 = 20000;
    assert_int_equal(kiln_func_call(rec, &n, 1, &r, 1, &err), KILN_OK);

    /* Memory: capped at 3 pages, growth beyond returns -1. */
    assert_int_equal(kiln_instance_set_max_memory(e.inst, 3 * 65536, &err), KILN_OK);
    kiln_val one = {.kind = KILN_I32, .of.i32 = 1};
    assert_int_equal(kiln_func_call(grow, &one, 1, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 1);
    assert_int_equal(kiln_func_call(grow, &one, 1, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 2);
    assert_int_equal(kiln_func_call(grow, &one, 1, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, -1);
    uint8_t *base;
    uint64_t size;
    assert_int_equal(kiln_instance_memory(e.inst, &base, &size, &err), KILN_OK);
    assert_int_equal(size, 3 * 65536);
    assert_int_equal(kiln_instance_set_max_memory(e.inst, 0, &err), KILN_OK);
    assert_int_equal(kiln_func_call(grow, &one, 1, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 3);
    assert_int_equal(kiln_instance_set_max_memory(NULL, 0, &err), KILN_ERR_ARGUMENT);
    api_env_close(&e);
}

/* ---- interruption ------------------------------------------------------------ */

typedef struct spin_state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool started;
    kiln_instance *inst;
} spin_state;

static spin_state spin;

static kiln_status host_started(kiln_caller *c, void *data, const kiln_val *args,
                                kiln_val *results)
{
    (void)c, (void)data, (void)args, (void)results;
    pthread_mutex_lock(&spin.lock);
    spin.started = true;
    pthread_cond_signal(&spin.cond);
    pthread_mutex_unlock(&spin.lock);
    return KILN_OK;
}

/* Waits until spin has started (it then loops forever), then interrupts. */
static void *interrupter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&spin.lock);
    while (!spin.started)
        pthread_cond_wait(&spin.cond, &spin.lock);
    pthread_mutex_unlock(&spin.lock);
    kiln_instance_interrupt(spin.inst, NULL);
    return NULL;
}

static void test_api_interrupt(void **state)
{
    (void)state;
    kilnc_options o;
    kilnc_options_init(&o);
    o.opt_level = 2;
    o.interruptible = true;
    uint8_t *aot;
    size_t size;
    compile_with("interrupt", &o, &aot, &size);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load(aot, size, &m, &err), KILN_OK);
    kilnc_buffer_free(aot);
    assert_true(kiln_module_interruptible(m));
    kiln_linker *l = NULL;
    assert_int_equal(kiln_linker_new(&l, &err), KILN_OK);
    kiln_func_type none = {0, 0, NULL, NULL};
    assert_int_equal(kiln_linker_define_func(l, "env", "started", &none, host_started, NULL, &err),
                     KILN_OK);
    assert_int_equal(kiln_linker_instantiate(l, m, &spin.inst, &err), KILN_OK);

    /* Another thread stops a loop that never ends. */
    pthread_mutex_init(&spin.lock, NULL);
    pthread_cond_init(&spin.cond, NULL);
    spin.started = false;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, interrupter, NULL), 0);
    assert_int_equal(kiln_instance_call(spin.inst, "spin", NULL, 0, NULL, 0, &err),
                     KILN_ERR_TRAP);
    pthread_join(t, NULL);
    assert_int_equal(err.trap, KILN_TRAP_INTERRUPTED);
    assert_string_equal(err.message, "trap: interrupted");

    /* The next call runs; an interrupt asked for while nothing runs stops
     * the next call at the function's entry, once. */
    kiln_val args[2] = {{.kind = KILN_I32, .of.i32 = 2}, {.kind = KILN_I32, .of.i32 = 3}}, r;
    assert_int_equal(kiln_instance_call(spin.inst, "add", args, 2, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 5);
    assert_int_equal(kiln_instance_interrupt(spin.inst, &err), KILN_OK);
    assert_int_equal(kiln_instance_call(spin.inst, "add", args, 2, &r, 1, &err), KILN_ERR_TRAP);
    assert_int_equal(err.trap, KILN_TRAP_INTERRUPTED);
    assert_int_equal(kiln_instance_call(spin.inst, "add", args, 2, &r, 1, &err), KILN_OK);
    kiln_instance_free(spin.inst);
    kiln_linker_free(l);
    kiln_module_free(m);

    /* Without the option the code never reads the interrupt word. */
    o.format = KILNC_FORMAT_LLVM_IR;
    uint8_t *ir;
    compile_with("interrupt", &o, &ir, &size);
    /* The IR is bytes with a size, not a C string. */
    static const char check[] = "%interrupt = load volatile";
    assert_non_null(memmem(ir, size, check, strlen(check)));
    kilnc_buffer_free(ir);
    o.interruptible = false;
    compile_with("interrupt", &o, &ir, &size);
    assert_null(memmem(ir, size, check, strlen(check)));
    kilnc_buffer_free(ir);
    kiln_module *plain = load("api");
    assert_false(kiln_module_interruptible(plain));
    kiln_module_free(plain);
}

/* ---- allocation failures ------------------------------------------------------ */

typedef struct counting_alloc {
    long calls;   /* allocations and resizes so far */
    long fail_at; /* the call that fails (1-based), 0: none */
    long live;    /* blocks allocated and not freed */
    bool failed;  /* fail_at was reached */
} counting_alloc;

static void *counting_allocator(void *user, void *ptr, size_t size)
{
    counting_alloc *a = user;
    if (size == 0) {
        free(ptr);
        a->live--;
        return NULL;
    }
    if (++a->calls == a->fail_at) {
        a->failed = true;
        return NULL;
    }
    void *p = realloc(ptr, size);
    if (p != NULL && ptr == NULL)
        a->live++;
    return p;
}

/* load -> link -> instantiate -> look up -> call, each step's failure
 * KILN_ERR_NOMEM; everything freed whatever happened. Returns the first
 * status that was not KILN_OK. */
static kiln_status run_path(const uint8_t *aot, size_t aot_size)
{
    kiln_error err;
    kiln_module *m = NULL;
    kiln_linker *l = NULL;
    kiln_global *g = NULL;
    kiln_table *tab = NULL;
    kiln_instance *inst = NULL;
    kiln_func *add = NULL;
    kiln_val v = {.kind = KILN_I32, .of.i32 = 42};
    kiln_val args[2] = {{.kind = KILN_I32, .of.i32 = 40}, {.kind = KILN_I32, .of.i32 = 2}};
    kiln_val r;
    kiln_status st = kiln_module_load(aot, aot_size, &m, &err);
    if (st == KILN_OK)
        st = kiln_linker_new(&l, &err);
    if (st == KILN_OK)
        st = kiln_global_new(v, false, &g, &err);
    if (st == KILN_OK)
        st = kiln_table_new(KILN_FUNCREF, 2, 10, &tab, &err);
    if (st == KILN_OK)
        st = kiln_linker_define_native(l, "env", "many", "(iIfFiIfFiIfFiIfFiIfF)F",
                                       (void *)many, &err);
    if (st == KILN_OK)
        st = kiln_linker_define_native(l, "env", "take_buf", "(*~)i", (void *)take_buf, &err);
    if (st == KILN_OK)
        st = kiln_linker_define_global(l, "env", "g", g, &err);
    if (st == KILN_OK)
        st = kiln_linker_define_table(l, "env", "tab", tab, &err);
    if (st == KILN_OK)
        st = kiln_linker_instantiate(l, m, &inst, &err);
    if (st == KILN_OK)
        st = kiln_instance_func(inst, "add", &add, &err);
    if (st == KILN_OK)
        st = kiln_func_call(add, args, 2, &r, 1, &err);
    if (st == KILN_OK && r.of.i32 != 42)
        fail_msg("add returned %d", r.of.i32);
    if (st == KILN_OK)
        st = kiln_instance_call(inst, "call_many", NULL, 0, &r, 1, &err);
    /* Inside a call, a host function's failed allocation is a trap that
     * says so (the wasm caller cannot receive a status). */
    if (st == KILN_ERR_TRAP && strstr(err.message, "out of memory") != NULL)
        st = KILN_ERR_NOMEM;
    if (st != KILN_OK && st != KILN_ERR_NOMEM)
        fail_msg("status %s (%s), expected out of memory", kiln_status_name(st), err.message);
    kiln_instance_free(inst);
    kiln_linker_free(l);
    kiln_global_release(g);
    kiln_table_release(tab);
    kiln_module_free(m);
    return st;
}

/* Runs path once with each of its allocations failing in turn, the N-th
 * for N = 1, 2, ... until a run makes no failing allocation: every failure
 * must give KILN_ERR_NOMEM and leak nothing, and the runtime must work
 * again with the allocator back. Switching allocators releases the
 * process-wide tables, so each run makes them anew through the counting
 * allocator and frees them on the switch back. */
static void every_allocation_fails_once(kiln_status (*path)(const uint8_t *, size_t),
                                        const uint8_t *aot, size_t aot_size, const char *what)
{
    long n;
    for (n = 1;; n++) {
        counting_alloc a = {0, n, 0, false};
        kiln_set_allocator(counting_allocator, &a);
        kiln_status st = path(aot, aot_size);
        kiln_set_allocator(NULL, NULL);
        if (a.live != 0)
            fail_msg("allocation %ld failing leaked %ld blocks", n, a.live);
        if (!a.failed) {
            assert_int_equal(st, KILN_OK);
            break;
        }
        if (st != KILN_ERR_NOMEM)
            fail_msg("allocation %ld failing gave %s", n, kiln_status_name(st));
        assert_int_equal(path(aot, aot_size), KILN_OK);
    }
    print_message("%s: %ld allocations, each failed once\n", what, n - 1);
    assert_true(n > 10);
}

static void test_api_every_allocation_fails_once(void **state)
{
    (void)state;
    uint8_t *aot;
    size_t aot_size;
    compile("api", &aot, &aot_size);
    every_allocation_fails_once(run_path, aot, aot_size, "load -> instantiate -> call");
    kilnc_buffer_free(aot);
}

/* A pre-linked bundle of dep and main: load -> link (the linker
 * instantiates dep from the bundle) -> call main's run (a direct call of
 * dep's seven). */
static kiln_status run_bundle_path(const uint8_t *aot, size_t aot_size)
{
    kiln_error err;
    kiln_module *m = NULL;
    kiln_linker *l = NULL;
    kiln_instance *inst = NULL;
    kiln_val r;
    kiln_status st = kiln_module_load(aot, aot_size, &m, &err);
    if (st == KILN_OK)
        st = kiln_linker_new(&l, &err);
    if (st == KILN_OK) {
        kiln_linker_trap_unknown_imports(l, true); /* proc_exit, not called */
        st = kiln_linker_instantiate(l, m, &inst, &err);
    }
    if (st == KILN_OK)
        st = kiln_instance_call(inst, "run", NULL, 0, &r, 1, &err);
    if (st == KILN_OK && r.of.i32 != 8)
        fail_msg("run returned %d", r.of.i32);
    if (st != KILN_OK && st != KILN_ERR_NOMEM)
        fail_msg("status %s (%s), expected out of memory", kiln_status_name(st), err.message);
    kiln_instance_free(inst);
    kiln_linker_free(l);
    kiln_module_free(m);
    return st;
}

static void test_api_bundle_every_allocation_fails_once(void **state)
{
    (void)state;
    char path[512];
    size_t dep_size, main_size;
    snprintf(path, sizeof path, "%s/dep.wasm", wasm_dir);
    uint8_t *dep = read_all(path, &dep_size);
    snprintf(path, sizeof path, "%s/main.wasm", wasm_dir);
    uint8_t *main_wasm = read_all(path, &main_size);
    kilnc_bundle_input inputs[2] = {{"dep", dep, dep_size}, {"main", main_wasm, main_size}};
    kilnc_options options;
    kilnc_options_init(&options);
    options.opt_level = 1;
    uint8_t *aot;
    size_t aot_size;
    kiln_error err;
    if (kilnc_compile_bundle(inputs, 2, &options, &aot, &aot_size, &err) != KILN_OK)
        fail_msg("kilnc_compile_bundle: %s", err.message);
    free(dep);
    free(main_wasm);

    kiln_module *m = NULL;
    assert_int_equal(kiln_module_load(aot, aot_size, &m, &err), KILN_OK);
    assert_int_equal(kiln_module_bundle_size(m), 2);
    assert_string_equal(kiln_module_bundle_name(m, 0), "dep");
    assert_string_equal(kiln_module_bundle_name(m, 1), "main");
    assert_null(kiln_module_bundle_name(m, 2));
    kiln_module_free(m);

    every_allocation_fails_once(run_bundle_path, aot, aot_size, "bundle load -> link -> call");
    kilnc_buffer_free(aot);
}

static void test_api_module_path_and_wasi(void **state)
{
    (void)state;
    char dir[] = "/tmp/kiln-test-api-XXXXXX";
    assert_non_null(mkdtemp(dir));
    uint8_t *aot;
    size_t size;
    compile("dep", &aot, &size);
    char path[600];
    snprintf(path, sizeof path, "%s/dep.aot", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(aot, 1, size, f), size);
    fclose(f);
    kilnc_buffer_free(aot);

    kiln_module *m = load("main");
    kiln_error err;
    kiln_linker *l = NULL;
    kiln_wasi *wasi = NULL;
    kiln_wasi_config config;
    kiln_wasi_config_init(&config);
    assert_int_equal(kiln_wasi_new(&config, &wasi, &err), KILN_OK);
    assert_int_equal(kiln_linker_new(&l, &err), KILN_OK);
    assert_int_equal(kiln_wasi_define(l, wasi, &err), KILN_OK);
    assert_int_equal(kiln_wasi_define(NULL, wasi, &err), KILN_ERR_ARGUMENT);

    /* Without a module path, the error says how to get one. */
    kiln_instance *inst = NULL;
    assert_int_equal(kiln_linker_instantiate(l, m, &inst, &err), KILN_ERR_LINK);
    if (strstr(err.message, "unknown import: dep.seven") == NULL ||
        strstr(err.message, "kiln_linker_use_module_path") == NULL)
        fail_msg("message: %s", err.message);

    const char *missing[1] = {"/nonexistent-kiln-dir"};
    assert_int_equal(kiln_linker_use_module_path(l, missing, 1, &err), KILN_OK);
    assert_int_equal(kiln_linker_instantiate(l, m, &inst, &err), KILN_ERR_LINK);
    if (strstr(err.message, "no dep.aot in the module path (/nonexistent-kiln-dir)") == NULL)
        fail_msg("message: %s", err.message);

    const char *dirs[2] = {"/nonexistent-kiln-dir", dir};
    assert_int_equal(kiln_linker_use_module_path(l, dirs, 2, &err), KILN_OK);
    if (kiln_linker_instantiate(l, m, &inst, &err) != KILN_OK)
        fail_msg("instantiate: %s", err.message);
    kiln_val r;
    assert_int_equal(kiln_instance_call(inst, "run", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 8);
    kiln_instance_free(inst);
    kiln_linker_free(l);
    kiln_wasi_free(wasi);
    kiln_module_free(m);
    unlink(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_api DIR\n");
        return 2;
    }
    wasm_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_func_handles),
        cmocka_unit_test(test_api_listing),
        cmocka_unit_test(test_api_native_many_and_bad_pointer),
        cmocka_unit_test(test_api_module_path_and_wasi),
        cmocka_unit_test(test_api_limits),
        cmocka_unit_test(test_api_every_allocation_fails_once),
        cmocka_unit_test(test_api_bundle_every_allocation_fails_once),
        cmocka_unit_test(test_api_interrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
