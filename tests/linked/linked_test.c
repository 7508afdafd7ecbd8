/*
 * A module linked statically (kiln_precompile(... FORMAT object),
 * kiln_module_load_linked): calls through every kind of code it has, traps
 * inside it, a second instance, and the refusals (another module's
 * container, a damaged record). Prints one line per check; exit 1 on any
 * failure.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <kiln.h>
#include <kiln/aot_format.h> /* struct kiln_linked_code, to damage a copy */
#include <kiln/host.h>
#include <kiln/linker.h>

#include "linked_module.h"
#include "other_aot.h"

static int failures;

static void check(int ok, const char *what, const char *detail)
{
    printf("%s: %s%s%s\n", ok ? "ok" : "FAIL", what, detail[0] ? ": " : "", detail);
    failures += !ok;
}

static kiln_status host_add(kiln_caller *caller, void *user_data, const kiln_val *args,
                            kiln_val *results)
{
    (void)caller;
    (void)user_data;
    results[0].kind = KILN_I32;
    results[0].of.i32 = args[0].of.i32 + args[1].of.i32;
    return KILN_OK;
}

/* unreachable returns nothing, every other export one i32. */
static int32_t call_i32(kiln_instance *inst, const char *name, const kiln_val *args, size_t n,
                        kiln_error *err, kiln_status *st)
{
    kiln_val result = {0};
    size_t results = strcmp(name, "unreachable") == 0 ? 0 : 1;
    *st = kiln_instance_call(inst, name, args, n, &result, results, err);
    return result.of.i32;
}

static void expect_i32(kiln_instance *inst, const char *name, const kiln_val *args, size_t n,
                       int32_t want)
{
    kiln_error err;
    kiln_status st;
    int32_t got = call_i32(inst, name, args, n, &err, &st);
    char detail[300];
    snprintf(detail, sizeof detail, "%s", st == KILN_OK ? "" : err.message);
    if (st == KILN_OK && got != want)
        snprintf(detail, sizeof detail, "got %" PRId32 ", expected %" PRId32, got, want);
    check(st == KILN_OK && got == want, name, detail);
}

static void expect_trap(kiln_instance *inst, const char *name, const kiln_val *args, size_t n,
                        kiln_trap_code want)
{
    kiln_error err;
    kiln_status st;
    call_i32(inst, name, args, n, &err, &st);
    check(st == KILN_ERR_TRAP && err.trap == want, name, err.message);
}

int main(void)
{
    kiln_error err;
    kiln_module *module = NULL;
    kiln_linker *linker = NULL;
    kiln_instance *inst = NULL, *second = NULL;
    kiln_valkind add_params[2] = {KILN_I32, KILN_I32}, add_results[1] = {KILN_I32};
    kiln_func_type add_type = {
        .param_count = 2, .result_count = 1, .params = add_params, .results = add_results};

    kiln_status st = kiln_module_load_linked(linked_module, linked_module_size,
                                             &linked_module_code, &module, &err);
    check(st == KILN_OK, "kiln_module_load_linked", st == KILN_OK ? "" : err.message);
    if (st != KILN_OK)
        return 1;
    st = kiln_linker_new(&linker, &err);
    if (st == KILN_OK)
        st = kiln_linker_define_func(linker, "host", "add", &add_type, host_add, NULL, &err);
    if (st == KILN_OK)
        st = kiln_linker_instantiate(linker, module, &inst, &err);
    check(st == KILN_OK, "instantiate (start function runs)", st == KILN_OK ? "" : err.message);
    if (st != KILN_OK)
        return 1;

    expect_i32(inst, "started", NULL, 0, 1);
    kiln_val args[2] = {{.kind = KILN_I32, .of.i32 = 0}, {.kind = KILN_I32, .of.i32 = 7}};
    expect_i32(inst, "indirect", args, 2, 14);
    args[0].of.i32 = 1;
    expect_i32(inst, "indirect", args, 2, 21);
    expect_i32(inst, "host", args + 1, 1, 107);
    expect_trap(inst, "oob", NULL, 0, KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    expect_trap(inst, "recurse", args, 1, KILN_TRAP_CALL_STACK_EXHAUSTED);
    expect_trap(inst, "unreachable", NULL, 0, KILN_TRAP_UNREACHABLE);
    expect_i32(inst, "host", args + 1, 1, 107); /* usable after the traps */

    st = kiln_linker_instantiate(linker, module, &second, &err);
    check(st == KILN_OK, "a second instance of the linked module",
          st == KILN_OK ? "" : err.message);
    if (st == KILN_OK)
        expect_i32(second, "indirect", args, 2, 21);

    /* Another module's container does not bind to this code. */
    kiln_module *wrong = NULL;
    st = kiln_module_load_linked(other_aot, other_aot_size, &linked_module_code, &wrong, &err);
    check(st == KILN_ERR_LINK && wrong == NULL, "another module's container is refused",
          err.message);
    kiln_module_free(wrong);

    /* A damaged record is refused, named. */
    struct kiln_linked_code damaged = linked_module_code;
    damaged.magic ^= 1u;
    st = kiln_module_load_linked(linked_module, linked_module_size, &damaged, &wrong, &err);
    check(st == KILN_ERR_LINK && strstr(err.message, "magic") != NULL,
          "a damaged record is refused", err.message);
    kiln_module_free(wrong);
    static const void *const no_code[64] = {NULL}; /* more than the module's functions */
    damaged = linked_module_code;
    damaged.funcs = no_code;
    st = kiln_module_load_linked(linked_module, linked_module_size, &damaged, &wrong, &err);
    check(st == KILN_ERR_LINK, "a record without the functions' code is refused", err.message);
    kiln_module_free(wrong);

    kiln_instance_free(second);
    kiln_instance_free(inst);
    kiln_linker_free(linker);
    kiln_module_free(module);
    printf("%s\n", failures == 0 ? "all passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
