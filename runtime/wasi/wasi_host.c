/*
 * Registration: one kiln_host_fn adapter per preview1 function (generated
 * from wasi_funcs.def) and the table kiln_wasi_funcs hands to the linker.
 * This is the only file of runtime/wasi that uses kiln_caller.
 *
 * Invariant: an adapter only translates between kiln_caller and wasi_mem
 * (memory in, errno out as results[0], proc_exit as kiln_caller_exit); all
 * the work, and every pointer check, is in the wasi_<name> implementation.
 */
#include <string.h>

#include "wasi.h"

/* ---- host function adapters ---------------------------------------------------- */

static kiln_status adapt(kiln_caller *caller, void *user_data, wasi_impl_fn impl,
                         const kiln_val *args, kiln_val *results, bool has_result)
{
    wasi_mem mem;
    memset(&mem, 0, sizeof mem);
    mem.base = kiln_caller_memory(caller, &mem.size);
    if (mem.base == NULL)
        mem.size = 0;
    wasi_errno e = impl(user_data, &mem, args);
    if (mem.exit_requested)
        return kiln_caller_exit(caller, mem.exit_code);
    if (has_result) {
        results[0].kind = KILN_I32;
        results[0].of.i32 = (int32_t)e;
    }
    return KILN_OK;
}

#define WASI_FUNC(name, params, results)                                               \
    static kiln_status host_##name(kiln_caller *caller, void *user_data,                \
                                   const kiln_val *args, kiln_val *results_out)         \
    {                                                                                   \
        return adapt(caller, user_data, wasi_##name, args, results_out, results[0] != 0); \
    }
#include "wasi_funcs.def"
#undef WASI_FUNC

static const kiln_wasi_func wasi_func_table[] = {
#define WASI_FUNC(name, params, results) {#name, params, results, host_##name},
#include "wasi_funcs.def"
#undef WASI_FUNC
};

const kiln_wasi_func *kiln_wasi_funcs(size_t *count)
{
    *count = sizeof wasi_func_table / sizeof wasi_func_table[0];
    return wasi_func_table;
}
