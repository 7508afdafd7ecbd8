/*
 * The compile half of kiln-spec, kept apart so that kiln-spec-rt (the
 * runtime-only runner for targets where only libkiln exists) builds the same
 * runner without libkilnc: kiln-spec links spec_compile.c, kiln-spec-rt
 * spec_nocompile.c, which reports that it has no compiler.
 */
#ifndef KILN_SPEC_COMPILE_H
#define KILN_SPEC_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"

/* Whether this executable can compile .wasm modules. */
bool spec_can_compile(void);

/* Compiles wasm into a container in *aot (free with spec_compile_free), for
 * target (a kilnc --target triple; NULL: the host), with kilnc --xip when
 * xip. */
kiln_status spec_compile(const uint8_t *wasm, size_t size, const char *target, int opt_level,
                         unsigned partitions, bool xip, uint8_t **aot, size_t *aot_size,
                         kiln_error *err);
void spec_compile_free(uint8_t *aot);

#endif
