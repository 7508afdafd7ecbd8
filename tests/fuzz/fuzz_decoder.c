/*
 * libFuzzer harness for the compiler: decode every section, decode and
 * validate every function body, and when the whole module validates,
 * compile it (kilnc_compile: LLVM codegen at -O0, one thread) and load the
 * container it wrote. Any bytes must give KILN_OK or an error with a
 * message, never a crash, an LLVM fatal error (it exits or aborts, which
 * libFuzzer reports) or a sanitizer report; a module that kilnc compiles
 * must load (the loader refusing kilnc's own output is a bug: trapped).
 * Build with -DKILN_FUZZ=ON (clang) and run tests/fuzz/run_fuzz.sh.
 *
 * Codegen is the slow part: inputs above KILN_FUZZ_COMPILE_MAX bytes are
 * decoded and validated only.
 */
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln_compiler.h"
#include "module.h"

#define KILN_FUZZ_COMPILE_MAX (64u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void compile_and_load(const uint8_t *data, size_t size)
{
    kilnc_options options;
    kilnc_options_init(&options);
    options.opt_level = 0;
    options.threads = 1;
    uint8_t *aot = NULL;
    size_t aot_size = 0;
    kiln_error err;
    kiln_status st = kilnc_compile(data, size, &options, &aot, &aot_size, &err);
    if (st != KILN_OK) {
        if (err.message[0] == '\0')
            __builtin_trap(); /* every error names what was wrong */
        return;
    }
    kiln_module *module = NULL;
    if (kiln_module_load(aot, aot_size, &module, &err) != KILN_OK)
        __builtin_trap(); /* kilnc wrote a container its runtime refuses */
    kiln_module_free(module);
    kilnc_buffer_free(aot);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_module *m = NULL;
    kiln_error err;
    if (dec_module(data, size, &m, &err) != KILN_OK)
        return 0;
    bool valid = val_module(m, &err) == KILN_OK;
    if (valid) {
        for (uint32_t f = m->func_import_count; f < m->func_count; f++) {
            wasm_body body;
            if (dec_function_body(m, f, &body, &err) != KILN_OK) {
                valid = false;
                break;
            }
            kiln_status st = val_function(m, &body, &err);
            dec_body_free(&body);
            if (st != KILN_OK) {
                valid = false;
                break;
            }
        }
    }
    dec_module_free(m);
    if (valid && size <= KILN_FUZZ_COMPILE_MAX)
        compile_and_load(data, size);
    return 0;
}
