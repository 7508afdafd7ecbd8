/*
 * The runtime helper table (hlp_) that compiled code calls through
 * vmctx->helpers: one implementation hlp_<fn> per entry of KILN_HELPERS
 * (aot_format.h), declared here from that list, so the C compiler checks
 * each definition against the signature codegen calls it with. MEMORY_GROW
 * is in helpers.c, TRAP in reloc/<arch>.c (one per architecture: where a
 * trap backtrace starts depends on the frames the host compiler builds),
 * the others in helpers_bulk.c.
 */
#ifndef KILN_RT_HELPERS_H
#define KILN_RT_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln/aot_format.h"

#define HLP_DECLARE_(ID, id, fn, name, result, params) result hlp_##fn params;
KILN_HELPERS(HLP_DECLARE_)
#undef HLP_DECLARE_

/* The table, KILN_HELPER_COUNT entries, static storage. */
const void *const *hlp_table(void);
/* Whether helper `id` is implemented (false for ids out of range). */
bool hlp_provided(unsigned id);
/* Its name: hlp_name (names.h). */

#endif /* KILN_RT_HELPERS_H */
