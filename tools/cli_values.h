/*
 * Values on the command line of the kiln runners (tools/kiln_main.c and the
 * firmware's firmware/firmware.c): an argument's text as a wasm value, and a
 * result printed as `kiln --invoke` prints it (the e2e tests' expectations).
 * The formats avoid <inttypes.h>'s macros, which the Cortex-M newlib lacks.
 */
#ifndef KILN_CLI_VALUES_H
#define KILN_CLI_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"

/* Parses [-]digits or [-]0xhex ('_' between digits allowed) into sign and
 * magnitude; false on junk or overflow of 64 bits. */
bool cli_parse_magnitude(const char *s, bool *negative, uint64_t *magnitude);

/* Parses text as a value of kind (integers, floats with nan, nan:0xP and
 * inf, null for references); false if it is not one. */
bool cli_parse_value(const char *text, kiln_valkind kind, kiln_val *out);

/* The value type's name ("i32", ...). */
const char *cli_kind_name(kiln_valkind kind);

/* Prints v on a line of stdout: floats as the shortest text that reads back
 * to the same bits. */
void cli_print_value(const kiln_val *v);

#endif
