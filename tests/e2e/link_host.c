/*
 * Host side of the link tests (run_link_test.sh): loads host.aot, defines
 * its imports through the linker API (a native function with a pointer
 * and length, a native string function, a raw function that traps, one
 * that exits, a native float function, a host memory and a host global),
 * then calls the export named on the command line and prints what
 * happened, one fact per line.
 *
 * usage: link_host HOST.aot EXPORT
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"

static int log_calls;

static int32_t host_log(kiln_caller *caller, const char *text, uint32_t len)
{
    (void)caller;
    log_calls++;
    printf("log: %.*s", (int)len, text);
    return (int32_t)len;
}

static int32_t host_strlen(kiln_caller *caller, const char *text)
{
    (void)caller;
    return (int32_t)strlen(text);
}

static double host_addf(kiln_caller *caller, float a, double b, int32_t c)
{
    (void)caller;
    return (double)a + b + (double)c;
}

/* Uses 128 KiB of stack: less than the margin the runtime keeps below the
 * deepest wasm frame, more than an unchecked recursion leaves. */
static int32_t host_stack_hog(kiln_caller *caller)
{
    (void)caller;
    volatile uint8_t buffer[128 * 1024];
    for (size_t i = 0; i < sizeof buffer; i += 4096)
        buffer[i] = (uint8_t)i;
    return buffer[4096] == 0;
}

static kiln_status host_fail(kiln_caller *caller, void *data, const kiln_val *args,
                             kiln_val *results)
{
    (void)data, (void)args, (void)results;
    return kiln_caller_trap(caller, "the host says no");
}

static kiln_status host_quit(kiln_caller *caller, void *data, const kiln_val *args,
                             kiln_val *results)
{
    (void)data, (void)args, (void)results;
    return kiln_caller_exit(caller, 3);
}

/* NAME=PATH: loads PATH (into *module, which must outlive the linker),
 * instantiates it and registers it as NAME. */
static bool define_dependency(kiln_linker *linker, const char *spec, kiln_module **module,
                              kiln_error *err)
{
    const char *eq = strchr(spec, '=');
    if (eq == NULL) {
        snprintf(err->message, sizeof err->message, "dependency '%s' is not NAME=PATH", spec);
        return false;
    }
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
    kiln_instance *instance = NULL;
    bool ok = kiln_module_load_file(eq + 1, module, err) == KILN_OK &&
              kiln_linker_instantiate(linker, *module, &instance, err) == KILN_OK &&
              kiln_linker_define_instance(linker, name, instance, err) == KILN_OK;
    kiln_instance_free(instance); /* the linker keeps its own reference */
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: link_host HOST.aot EXPORT [NAME=DEPENDENCY.aot]\n");
        return 2;
    }
    kiln_error err;
    kiln_module *module = NULL, *dependency = NULL;
    kiln_linker *linker = NULL;
    kiln_memory *memory = NULL;
    kiln_global *global = NULL;
    kiln_instance *instance = NULL;
    int status = 1;
    if (kiln_module_load_file(argv[1], &module, &err) != KILN_OK ||
        kiln_linker_new(&linker, &err) != KILN_OK)
        goto fail;
    if (kiln_linker_define_native(linker, "env", "log", "(*~)i", (void *)host_log, &err) !=
            KILN_OK ||
        kiln_linker_define_native(linker, "env", "strlen", "($)i", (void *)host_strlen, &err) !=
            KILN_OK ||
        kiln_linker_define_native(linker, "env", "addf", "(fFi)F", (void *)host_addf, &err) !=
            KILN_OK ||
        kiln_linker_define_native(linker, "env", "stack_hog", "()i", (void *)host_stack_hog,
                                  &err) != KILN_OK)
        goto fail;
    kiln_func_type none = {0, 0, NULL, NULL};
    if (kiln_linker_define_func(linker, "env", "fail", &none, host_fail, NULL, &err) != KILN_OK ||
        kiln_linker_define_func(linker, "env", "quit", &none, host_quit, NULL, &err) != KILN_OK)
        goto fail;
    kiln_val v = {.kind = KILN_I64, .of.i64 = 41};
    if (kiln_memory_new(1, 4, false, &memory, &err) != KILN_OK ||
        kiln_linker_define_memory(linker, "env", "mem", memory, &err) != KILN_OK ||
        kiln_global_new(v, true, &global, &err) != KILN_OK ||
        kiln_linker_define_global(linker, "env", "g", global, &err) != KILN_OK)
        goto fail;
    if (argc == 4 && !define_dependency(linker, argv[3], &dependency, &err))
        goto fail;
    if (kiln_linker_instantiate(linker, module, &instance, &err) != KILN_OK)
        goto fail;

    kiln_func_type type;
    if (kiln_module_export_func_type(module, argv[2], &type, &err) != KILN_OK)
        goto fail;
    kiln_val result;
    kiln_status st = kiln_instance_call(instance, argv[2], NULL, 0, &result, type.result_count,
                                        &err);
    if (st == KILN_OK) {
        if (type.result_count == 1 && result.kind == KILN_I32)
            printf("result %d\n", result.of.i32);
        else if (type.result_count == 1 && result.kind == KILN_I64)
            printf("result %lld\n", (long long)result.of.i64);
        else if (type.result_count == 1 && result.kind == KILN_F64)
            printf("result %g\n", result.of.f64);
    } else if (st == KILN_ERR_TRAP) {
        printf("%s (code %d)\n", err.message, (int)err.trap);
    } else if (st == KILN_ERR_EXIT) {
        printf("exit %d\n", err.exit_code);
    } else {
        goto fail;
    }
    if (argc == 4) { /* the dependency tests export nothing else */
        status = 0;
        goto out;
    }
    printf("log calls %d\n", log_calls);
    printf("host global %lld\n", (long long)kiln_global_get(global).of.i64);
    kiln_val gv;
    if (kiln_instance_global_get(instance, "gv", &gv, &err) != KILN_OK)
        goto fail;
    printf("export gv %d\n", gv.of.i32);
    kiln_memory *exported = NULL;
    uint64_t size = 0;
    if (kiln_instance_export_memory(instance, NULL, &exported, &err) != KILN_OK)
        goto fail;
    uint8_t *data = kiln_memory_data(exported, &size);
    printf("memory is the host's %d, %llu bytes, byte 8 '%c'\n", exported == memory,
           (unsigned long long)size, data[8]);
    status = 0;
    goto out;
fail:
    fprintf(stderr, "link_host: %s\n", err.message);
out:
    kiln_instance_free(instance);
    kiln_linker_free(linker);
    kiln_memory_release(memory);
    kiln_global_release(global);
    kiln_module_free(module);
    kiln_module_free(dependency);
    return status;
}
