/*
 * Implementation limits: the one list of how big a module kilnc accepts.
 *
 * The values are V8's (src/wasm/wasm-limits.h), which the WebAssembly JS
 * API specification adopted as the limits engines agree on; Wasmtime and
 * SpiderMonkey accept the same modules. A module inside every limit compiles
 * in time and memory that grow no worse than linearly with its size
 * (tests/pathological measures the worst shapes); a module past one is
 * refused by the decoder with KILN_ERR_UNSUPPORTED and a message naming the
 * limit, the value and the byte offset (wasm_limit_exceeded), before
 * anything is allocated for it.
 *
 * Where kiln differs from V8: locals count parameters too (as the JS API
 * says, "including implicitly declared as parameters"); element segments
 * are capped like data segments (V8 has no separate cap, but each costs the
 * same); memories follow multi-memory's JS API limit.
 *
 * The table is an X-macro: WASM_LIMIT(NAME, max, what), `what` being the
 * noun the message counts ("1000001 types").
 */
#ifndef KILN_WASM_LIMITS_H
#define KILN_WASM_LIMITS_H

#include <stdint.h>

#include "kiln.h"

#define WASM_LIMITS(X)                                                              \
    X(MODULE_BYTES, 1073741824u, "bytes in the module")                             \
    X(TYPES, 1000000u, "types")                                                     \
    X(FUNCTIONS, 1000000u, "functions (imported and defined)")                      \
    X(IMPORTS, 100000u, "imports")                                                  \
    X(EXPORTS, 100000u, "exports")                                                  \
    X(GLOBALS, 1000000u, "globals (imported and defined)")                          \
    X(TABLES, 100000u, "tables (imported and defined)")                             \
    X(MEMORIES, 100u, "memories (imported and defined)")                            \
    X(DATA_SEGMENTS, 100000u, "data segments")                                      \
    X(ELEM_SEGMENTS, 100000u, "element segments")                                   \
    X(TABLE_INIT_ENTRIES, 10000000u, "entries in one element segment")              \
    X(NAME_BYTES, 100000u, "bytes in an import or export name")                     \
    X(FUNCTION_BODY_BYTES, 7654321u, "bytes in a function body")                    \
    X(FUNCTION_LOCALS, 50000u, "locals (parameters included) in a function")        \
    X(FUNCTION_PARAMS, 1000u, "parameters in a function type")                      \
    X(FUNCTION_RESULTS, 1000u, "results in a function type")                        \
    X(BR_TABLE_TARGETS, 65520u, "targets in a br_table")

typedef enum wasm_limit {
#define WASM_LIMIT_ENUM(name, max, what) WASM_LIMIT_##name,
    WASM_LIMITS(WASM_LIMIT_ENUM)
#undef WASM_LIMIT_ENUM
    WASM_LIMIT_COUNT
} wasm_limit;

/* The maximum of each limit, as constants: WASM_MAX_TYPES, ... */
enum {
#define WASM_LIMIT_MAX(name, max, what) WASM_MAX_##name = max,
    WASM_LIMITS(WASM_LIMIT_MAX)
#undef WASM_LIMIT_MAX
};

/* The limit's largest allowed value. */
uint32_t wasm_limit_max(wasm_limit limit);

/* KILN_OK when value <= the limit; else KILN_ERR_UNSUPPORTED with
 * "implementation limit exceeded: <value> <what> at offset <offset>
 * [context], kiln allows at most <max> (WASM_MAX_<NAME>)". context may be
 * NULL or a short phrase such as "in function 3". */
kiln_status wasm_limit_check(wasm_limit limit, uint64_t value, uint32_t offset,
                             const char *context, kiln_error *err);

#endif /* KILN_WASM_LIMITS_H */
