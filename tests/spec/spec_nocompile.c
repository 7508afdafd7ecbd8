/*
 * kiln-spec-rt's replacement for spec_compile.c: the runtime-only runner has
 * no compiler, so it runs only from a folder written by kiln-spec
 * --compile-to (kiln-spec-rt --aot-dir DIR).
 */
#include "spec_compile.h"

#include <stdlib.h>

#include "kiln_common.h"

bool spec_can_compile(void)
{
    return false;
}

kiln_status spec_compile(const uint8_t *wasm, size_t size, const char *target, int opt_level,
                         unsigned partitions, bool xip, uint8_t **aot, size_t *aot_size,
                         kiln_error *err)
{
    (void)wasm;
    (void)size;
    (void)target;
    (void)opt_level;
    (void)partitions;
    (void)xip;
    (void)aot;
    (void)aot_size;
    return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                          "kiln-spec-rt has no compiler: run from .aot files with --aot-dir");
}

void spec_compile_free(uint8_t *aot)
{
    free(aot);
}
