/*
 * libFuzzer harness for the compiler's front end: decode every section, then
 * decode and validate every function body. Any bytes must give KILN_OK or an
 * error with an offset, never a crash or a sanitizer report.
 */
#include <stddef.h>
#include <stdint.h>

#include "module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_module *m = NULL;
    kiln_error err;
    if (dec_module(data, size, &m, &err) != KILN_OK)
        return 0;
    if (val_module(m, &err) == KILN_OK) {
        for (uint32_t f = m->func_import_count; f < m->func_count; f++) {
            wasm_body body;
            if (dec_function_body(m, f, &body, &err) != KILN_OK)
                break;
            kiln_status st = val_function(m, &body, &err);
            dec_body_free(&body);
            if (st != KILN_OK)
                break;
        }
    }
    dec_module_free(m);
    return 0;
}
