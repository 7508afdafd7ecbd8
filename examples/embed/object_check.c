/*
 * A module linked statically: kiln_precompile(... FORMAT object) compiled
 * fib.wasm to an object linked into this program (its code is in the
 * program's text, placed by the linker) and embedded the module's
 * container, which describes it (fib_linked.h, generated). Nothing is
 * mapped at run time: kiln_module_load_linked binds the container to the
 * linked code.
 *
 *   ./embed_fib_object 50      prints 12586269025
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <kiln.h>

#include "fib_linked.h"

int main(int argc, char **argv)
{
    int32_t n = argc > 1 ? (int32_t)atoi(argv[1]) : 10;
    kiln_error err;
    kiln_module *module = NULL;
    kiln_instance *instance = NULL;
    int status = 1;
    if (kiln_module_load_linked(fib_linked, fib_linked_size, &fib_linked_code, &module, &err) !=
            KILN_OK ||
        kiln_instance_new(module, &instance, &err) != KILN_OK) {
        fprintf(stderr, "embed_fib_object: %s\n", err.message);
        goto out;
    }
    kiln_val arg = {.kind = KILN_I32, .of.i32 = n};
    kiln_val result;
    if (kiln_instance_call(instance, "fib", &arg, 1, &result, 1, &err) != KILN_OK) {
        fprintf(stderr, "embed_fib_object: %s\n", err.message);
        goto out;
    }
    printf("%" PRId64 "\n", result.of.i64);
    status = 0;
out:
    kiln_instance_free(instance);
    kiln_module_free(module);
    return status;
}
