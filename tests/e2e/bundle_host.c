/*
 * Host side of the bundle tests (run_bundle_test.sh): a pre-linked
 * bundle's imports bind only to the same bundle's modules.
 *
 *   bundle_host BUNDLE.aot LIB.aot
 *
 * 1. Two linkers each instantiate the bundle: each gets its own instance
 *    of every bundled module (lib's global counts separately).
 * 2. A linker with a separately compiled lib.aot registered as "lib"
 *    must refuse the bundle: its pre-linked imports from "lib" would call
 *    the bundle's code with the foreign instance's vmctx.
 * 3. A linker with a host function defined as lib.add (and a global as
 *    lib.counter) must refuse it.
 * Prints one line per fact; exit 0 when every fact holds.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kiln.h"

static int failures;

static void expect(bool ok, const char *what, const kiln_error *err)
{
    printf("%s: %s%s%s\n", ok ? "ok" : "FAIL", what, err != NULL ? ": " : "",
           err != NULL ? err->message : "");
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

static int32_t call_i32(kiln_instance *inst, const char *name)
{
    kiln_val result = {0};
    kiln_error err;
    if (kiln_instance_call(inst, name, NULL, 0, &result, 1, &err) != KILN_OK) {
        expect(false, name, &err);
        return -1;
    }
    return result.of.i32;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bundle_host BUNDLE.aot LIB.aot\n");
        return 2;
    }
    kiln_error err;
    kiln_module *bundle = NULL, *lib = NULL;
    if (kiln_module_load_file(argv[1], &bundle, &err) != KILN_OK ||
        kiln_module_load_file(argv[2], &lib, &err) != KILN_OK) {
        fprintf(stderr, "bundle_host: %s\n", err.message);
        return 1;
    }

    /* 1. two instances of the bundle, each with its own lib */
    kiln_linker *l1 = NULL, *l2 = NULL;
    kiln_instance *a = NULL, *b = NULL;
    kiln_linker_new(&l1, &err);
    kiln_linker_new(&l2, &err);
    kiln_linker_trap_unknown_imports(l1, true); /* WASI: not called here */
    kiln_linker_trap_unknown_imports(l2, true);
    expect(kiln_linker_instantiate(l1, bundle, &a, &err) == KILN_OK, "instantiate 1", NULL);
    expect(kiln_linker_instantiate(l2, bundle, &b, &err) == KILN_OK, "instantiate 2", NULL);
    if (a != NULL && b != NULL) {
        expect(call_i32(a, "globals") == 100003, "instance 1: lib's counter 1..3", NULL);
        expect(call_i32(a, "globals") == 100006, "instance 1: lib's counter 4..6", NULL);
        expect(call_i32(b, "globals") == 100003, "instance 2: its own lib", NULL);
        expect(call_i32(b, "memories") == 11099, "instance 2: separate memories", NULL);
    }

    /* 2. a foreign lib instance registered as "lib" */
    kiln_linker *l3 = NULL;
    kiln_instance *foreign = NULL, *c = NULL;
    kiln_linker_new(&l3, &err);
    kiln_linker_trap_unknown_imports(l3, true);
    expect(kiln_instance_new(lib, &foreign, &err) == KILN_OK, "instantiate lib.aot", NULL);
    kiln_linker_define_instance(l3, "lib", foreign, &err);
    kiln_status st = kiln_linker_instantiate(l3, bundle, &c, &err);
    expect(st == KILN_ERR_LINK && strstr(err.message, "pre-linked") != NULL &&
               strstr(err.message, "an instance of another module") != NULL,
           "foreign lib refused", &err);

    /* 3. a host function as lib.add */
    kiln_linker *l4 = NULL;
    kiln_instance *d = NULL;
    kiln_linker_new(&l4, &err);
    kiln_linker_trap_unknown_imports(l4, true);
    static const kiln_valkind ii[2] = {KILN_I32, KILN_I32}, i[1] = {KILN_I32};
    kiln_func_type add_type = {2, 1, ii, i};
    kiln_linker_define_func(l4, "lib", "add", &add_type, host_add, NULL, &err);
    kiln_global *counter = NULL; /* util imports lib's counter too */
    kiln_global_new((kiln_val){.kind = KILN_I32, .of.i32 = 0}, true, &counter, &err);
    kiln_linker_define_global(l4, "lib", "counter", counter, &err);
    st = kiln_linker_instantiate(l4, bundle, &d, &err);
    expect(st == KILN_ERR_LINK && strstr(err.message, "a host function") != NULL,
           "host lib.add refused", &err);

    kiln_instance_free(a);
    kiln_instance_free(b);
    kiln_instance_free(c);
    kiln_instance_free(d);
    kiln_instance_free(foreign);
    kiln_linker_free(l1);
    kiln_linker_free(l2);
    kiln_linker_free(l3);
    kiln_linker_free(l4);
    kiln_global_release(counter);
    kiln_module_free(bundle);
    kiln_module_free(lib);
    return failures == 0 ? 0 : 1;
}
