/*
 * Drives Ruby 3.3 (npm @ruby/3.3-wasm-wasi, dist/ruby+stdlib.wasm,
 * precompiled by kilnc) the way its own JavaScript host does, using only
 * the public API (kiln.h, kiln_wasi.h):
 *   1. instantiate with WASI (HOSTDIR preopened as guest /tmp), the import
 *      canonical_abi.resource_new_rb-abi-value answering a fresh handle per
 *      call, and every other non-WASI import trapping if called;
 *   2. call _initialize;
 *   3. allocate "ruby.wasm", "-EUTF-8", "-e_=0" (NUL-terminated) and their
 *      (pointer, length) list with cabi_realloc, call ruby-init(list);
 *   4. call ruby-init-loadpath;
 *   5. for each SCRIPT: copy it (NUL-terminated) into guest memory, call
 *      rb-eval-string-protect(pointer, length), read (handle, status) from
 *      the returned pointer and print "status N handle H" on stderr.
 *      Ruby buffers $stdout when it is not a terminal, as native ruby does
 *      until exit; so that the output of each script appears in order, the
 *      host then evaluates "$stdout.flush" the same way (its status must be
 *      0).
 *
 * WASI comes from kiln_wasi_define; the exports called repeatedly
 * (cabi_realloc, rb-eval-string-protect) through function handles looked
 * up once (kiln_instance_func, kiln_func_call).
 *
 * usage: ruby_host RUBY.aot HOSTDIR SCRIPT...
 * Exit status: 0 when every step ran (whatever Ruby's statuses), 1 on a
 * load, link or call failure (a trap included), 2 on bad usage. Ruby's
 * own output goes to stdout through WASI.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "kiln_wasi.h"

#define EXPORT_INIT "ruby-init: func(args: list<string>) -> ()"
#define EXPORT_LOADPATH "ruby-init-loadpath: func() -> ()"
#define EXPORT_EVAL "rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>"

/* resource_new_rb-abi-value: the JS host keeps the value in a table and
 * returns its index; here only the handle numbers matter, each fresh. */
static kiln_status resource_new(kiln_caller *caller, void *user_data, const kiln_val *args,
                                kiln_val *results)
{
    (void)caller;
    (void)args;
    int32_t *next = user_data;
    results[0].kind = KILN_I32;
    results[0].of.i32 = (*next)++;
    return KILN_OK;
}

/* Handles of the exports called for every script (ruby_steps). */
static kiln_func *cabi_realloc, *rb_eval;

/* cabi_realloc(0, 0, align, size): a fresh guest allocation; 0 on failure. */
static uint32_t guest_alloc(kiln_instance *inst, uint32_t align, uint32_t size, kiln_error *err)
{
    (void)inst;
    kiln_val args[4] = {{KILN_I32, {.i32 = 0}}, {KILN_I32, {.i32 = 0}},
                        {KILN_I32, {.i32 = (int32_t)align}}, {KILN_I32, {.i32 = (int32_t)size}}};
    kiln_val result;
    if (kiln_func_call(cabi_realloc, args, 4, &result, 1, err) != KILN_OK)
        return 0;
    return (uint32_t)result.of.i32;
}

/* Copies bytes[0, size) to guest address at; false when out of bounds. */
static bool guest_write(kiln_instance *inst, uint32_t at, const void *bytes, size_t size)
{
    uint8_t *base = NULL;
    uint64_t mem_size = 0;
    if (kiln_instance_memory(inst, &base, &mem_size, NULL) != KILN_OK)
        return false;
    if ((uint64_t)at + size > mem_size)
        return false;
    memcpy(base + at, bytes, size);
    return true;
}

static bool guest_read_u32(kiln_instance *inst, uint32_t at, uint32_t *out)
{
    uint8_t *base = NULL;
    uint64_t mem_size = 0;
    if (kiln_instance_memory(inst, &base, &mem_size, NULL) != KILN_OK ||
        (uint64_t)at + 4u > mem_size)
        return false;
    memcpy(out, base + at, 4); /* wasm is little-endian, as is the host here */
    return true;
}

/* Allocates a copy of text including its NUL; *len gets the length
 * without it. 0 on failure (err set, or out of bounds). */
static uint32_t guest_string(kiln_instance *inst, const char *text, uint32_t *len,
                             kiln_error *err)
{
    size_t n = strlen(text);
    uint32_t at = guest_alloc(inst, 1, (uint32_t)n + 1u, err);
    if (at == 0 || !guest_write(inst, at, text, n + 1u))
        return 0;
    *len = (uint32_t)n;
    return at;
}

static int fail(const char *step, const kiln_error *err)
{
    fprintf(stderr, "ruby_host: %s: %s\n", step, err->message);
    kiln_frame frames[8];
    size_t n = kiln_last_trap_backtrace(frames, 8);
    for (size_t i = 0; err->status == KILN_ERR_TRAP && i < n && i < 8; i++)
        fprintf(stderr, "  at %zu: %s (func[%u])\n", i,
                frames[i].func_name != NULL ? frames[i].func_name : "?", frames[i].func_index);
    return 1;
}

/* Step 5 for one NUL-terminated source: false (message printed) when the
 * call fails or its result lies outside memory. */
static bool eval(kiln_instance *inst, const char *source, uint32_t *handle, int32_t *status)
{
    kiln_error err;
    memset(&err, 0, sizeof err);
    uint32_t len = 0;
    uint32_t at = guest_string(inst, source, &len, &err);
    if (at == 0) {
        fail("cabi_realloc (script)", &err);
        return false;
    }
    kiln_val args[2] = {{KILN_I32, {.i32 = (int32_t)at}}, {KILN_I32, {.i32 = (int32_t)len}}};
    kiln_val ret;
    if (kiln_func_call(rb_eval, args, 2, &ret, 1, &err) != KILN_OK) {
        fail("rb-eval-string-protect", &err);
        return false;
    }
    uint32_t h = 0, s = 0;
    if (!guest_read_u32(inst, (uint32_t)ret.of.i32, &h) ||
        !guest_read_u32(inst, (uint32_t)ret.of.i32 + 4u, &s)) {
        fprintf(stderr, "ruby_host: rb-eval-string-protect returned %u, outside memory\n",
                (uint32_t)ret.of.i32);
        return false;
    }
    *handle = h;
    *status = (int32_t)s;
    return true;
}

static int ruby_steps(kiln_instance *inst, int script_count, char **scripts)
{
    kiln_error err;
    memset(&err, 0, sizeof err);
    if (kiln_instance_call(inst, "_initialize", NULL, 0, NULL, 0, &err) != KILN_OK)
        return fail("_initialize", &err);
    if (kiln_instance_func(inst, "cabi_realloc", &cabi_realloc, &err) != KILN_OK ||
        kiln_instance_func(inst, EXPORT_EVAL, &rb_eval, &err) != KILN_OK)
        return fail("exports", &err);

    static const char *const ruby_args[3] = {"ruby.wasm", "-EUTF-8", "-e_=0"};
    uint32_t list[6];
    for (int i = 0; i < 3; i++) {
        uint32_t len = 0;
        uint32_t at = guest_string(inst, ruby_args[i], &len, &err);
        if (at == 0)
            return fail("cabi_realloc (ruby-init argument)", &err);
        list[2 * i] = at;
        list[2 * i + 1] = len;
    }
    uint32_t list_at = guest_alloc(inst, 4, sizeof list, &err);
    if (list_at == 0 || !guest_write(inst, list_at, list, sizeof list))
        return fail("cabi_realloc (ruby-init list)", &err);
    kiln_val init_args[2] = {{KILN_I32, {.i32 = (int32_t)list_at}}, {KILN_I32, {.i32 = 3}}};
    if (kiln_instance_call(inst, EXPORT_INIT, init_args, 2, NULL, 0, &err) != KILN_OK)
        return fail("ruby-init", &err);
    if (kiln_instance_call(inst, EXPORT_LOADPATH, NULL, 0, NULL, 0, &err) != KILN_OK)
        return fail("ruby-init-loadpath", &err);

    for (int i = 0; i < script_count; i++) {
        uint32_t handle = 0;
        int32_t status = 0, flush_status = 0;
        if (!eval(inst, scripts[i], &handle, &status) ||
            !eval(inst, "$stdout.flush", &handle, &flush_status))
            return 1;
        fprintf(stderr, "status %d handle %u\n", status, handle);
        if (flush_status != 0) {
            fprintf(stderr, "ruby_host: $stdout.flush failed with status %d\n", flush_status);
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ruby_host RUBY.aot HOSTDIR SCRIPT...\n");
        return 2;
    }
    int status = 1;
    kiln_error err;
    memset(&err, 0, sizeof err);
    kiln_module *module = NULL;
    kiln_wasi *wasi = NULL;
    kiln_linker *linker = NULL;
    kiln_instance *inst = NULL;
    int32_t next_handle = 1;

    if (kiln_module_load_file(argv[1], &module, &err) != KILN_OK) {
        status = fail("load", &err);
        goto out;
    }
    static const char *const wasi_argv[1] = {"ruby.wasm"};
    kiln_wasi_preopen preopen = {argv[2], "/tmp"};
    kiln_wasi_config config;
    kiln_wasi_config_init(&config);
    config.argv = wasi_argv;
    config.argc = 1;
    config.preopens = &preopen;
    config.preopen_count = 1;
    if (kiln_wasi_new(&config, &wasi, &err) != KILN_OK) {
        status = fail("wasi", &err);
        goto out;
    }
    if (kiln_linker_new(&linker, &err) != KILN_OK ||
        kiln_wasi_define(linker, wasi, &err) != KILN_OK) {
        status = fail("linker", &err);
        goto out;
    }
    static const kiln_valkind i32[1] = {KILN_I32};
    kiln_func_type new_type = {1, 1, i32, i32};
    if (kiln_linker_define_func(linker, "canonical_abi", "resource_new_rb-abi-value", &new_type,
                                resource_new, &next_handle, &err) != KILN_OK) {
        status = fail("linker", &err);
        goto out;
    }
    kiln_linker_trap_unknown_imports(linker, true);
    if (kiln_linker_instantiate(linker, module, &inst, &err) != KILN_OK) {
        status = fail("instantiate", &err);
        goto out;
    }
    status = ruby_steps(inst, argc - 3, argv + 3);
out:
    kiln_instance_free(inst);
    kiln_linker_free(linker);
    kiln_wasi_free(wasi);
    kiln_module_free(module);
    return status;
}
