/*
 * kiln-spec's compile half (see spec_compile.h): .wasm -> container with
 * libkilnc. Only kiln-spec links it.
 */
#include "spec_compile.h"

#include "kiln_compiler.h"

bool spec_can_compile(void)
{
    return true;
}

kiln_status spec_compile(const uint8_t *wasm, size_t size, const char *target, int opt_level,
                         unsigned partitions, bool xip, uint8_t **aot, size_t *aot_size,
                         kiln_error *err)
{
    kilnc_options opts;
    kilnc_options_init(&opts);
    opts.target_triple = target;
    opts.opt_level = (unsigned)opt_level;
    opts.partitions = partitions;
    opts.xip = xip ? 1 : 0;
    return kilnc_compile(wasm, size, &opts, aot, aot_size, err);
}

void spec_compile_free(uint8_t *aot)
{
    kilnc_buffer_free(aot);
}
