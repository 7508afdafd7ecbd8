/*
 * The implementation limits of limits.h: their table and the one error
 * message every refusal uses.
 */
#include "limits.h"

#include "kiln_common.h"

typedef struct limit_info {
    const char *name; /* "WASM_MAX_TYPES" */
    uint32_t max;
    const char *what;
} limit_info;

static const limit_info limit_table[WASM_LIMIT_COUNT] = {
#define WASM_LIMIT_INFO(name, max, what) {"WASM_MAX_" #name, max, what},
    WASM_LIMITS(WASM_LIMIT_INFO)
#undef WASM_LIMIT_INFO
};

uint32_t wasm_limit_max(wasm_limit limit)
{
    return limit_table[limit].max;
}

kiln_status wasm_limit_check(wasm_limit limit, uint64_t value, uint32_t offset,
                             const char *context, kiln_error *err)
{
    const limit_info *l = &limit_table[limit];
    if (value <= l->max)
        return KILN_OK;
    return kiln_error_set(err, KILN_ERR_UNSUPPORTED, offset,
                          "implementation limit exceeded: %llu %s at offset %u%s%s, kiln "
                          "allows at most %u (%s, see README.md \"Limits\")",
                          (unsigned long long)value, l->what, offset, context ? " " : "",
                          context ? context : "", l->max, l->name);
}
