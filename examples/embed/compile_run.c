/*
 * Both libraries: compiles a .wasm with libkilnc at run time, loads the
 * container with libkiln and calls fib.
 *
 *   ./compile_run fib.wasm 50      prints 12586269025
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <kiln.h>
#include <kiln_compiler.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: compile_run FILE.wasm N\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    static uint8_t wasm[1 << 20];
    size_t wasm_size = f != NULL ? fread(wasm, 1, sizeof wasm, f) : 0;
    if (f != NULL)
        fclose(f);
    kilnc_options options;
    kilnc_options_init(&options);
    uint8_t *aot = NULL;
    size_t aot_size = 0;
    kiln_error err;
    kiln_module *module = NULL;
    kiln_instance *instance = NULL;
    int status = 1;
    kiln_val arg = {.kind = KILN_I32, .of.i32 = atoi(argv[2])}, result;
    if (kilnc_compile(wasm, wasm_size, &options, &aot, &aot_size, &err) != KILN_OK ||
        kiln_module_load(aot, aot_size, &module, &err) != KILN_OK ||
        kiln_instance_new(module, &instance, &err) != KILN_OK ||
        kiln_instance_call(instance, "fib", &arg, 1, &result, 1, &err) != KILN_OK) {
        fprintf(stderr, "compile_run: %s: %s\n", argv[1], err.message);
    } else {
        printf("%" PRId64 "\n", result.of.i64);
        status = 0;
    }
    kiln_instance_free(instance);
    kiln_module_free(module);
    kilnc_buffer_free(aot);
    return status;
}
