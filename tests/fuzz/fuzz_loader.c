/*
 * libFuzzer harness for the container loader: any bytes must give KILN_OK or
 * an error, never a crash, a hang or a sanitizer report. Build with
 * -DKILN_FUZZ=ON (clang) and run tests/fuzz/run_fuzz.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kiln_module *module = NULL;
    kiln_error err;
    if (kiln_module_load(data, size, &module, &err) == KILN_OK)
        kiln_module_free(module);
    return 0;
}
