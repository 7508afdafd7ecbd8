/*
 * Bulk memory, table, reference and atomic wait/notify helpers
 * (helpers_bulk.c): their declarations come from KILN_HELPERS
 * (aot_format.h) through helpers.h; vmctx is the calling instance's.
 */
#ifndef KILN_RT_HELPERS_BULK_H
#define KILN_RT_HELPERS_BULK_H

#include "helpers.h"

#endif /* KILN_RT_HELPERS_BULK_H */
