/*
 * The runtime helper table (hlp_) that compiled code calls through
 * vmctx->helpers (aot_format.h: kiln_helper_id and signatures). Slots this
 * runtime does not implement are NULL, and the loader refuses a container
 * whose helpers_used names one of them, so compiled code never calls NULL.
 */
#ifndef KILN_RT_HELPERS_H
#define KILN_RT_HELPERS_H

#include <stdbool.h>

/* The table, KILN_HELPER_COUNT entries, static storage. */
const void *const *hlp_table(void);
/* Whether helper `id` is implemented (false for ids out of range). */
bool hlp_provided(unsigned id);
/* Its name: hlp_name (names.h). */

#endif /* KILN_RT_HELPERS_H */
