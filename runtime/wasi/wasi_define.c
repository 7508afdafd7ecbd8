/*
 * kiln_wasi_define: every preview1 function of kiln_wasi_funcs() defined
 * in a linker under "wasi_snapshot_preview1", with its wasm type built from
 * the table's signature strings, so hosts do not repeat the loop.
 */
#include "kiln_common.h"
#include "kiln_wasi.h"

/* Longest preview1 signature: path_open has 9 parameters; every function
 * has at most one result. */
#define WASI_MAX_PARAMS 16u
#define WASI_MAX_RESULTS 4u

kiln_status kiln_wasi_define(kiln_linker *linker, kiln_wasi *wasi, kiln_error *err)
{
    if (linker == NULL || wasi == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_wasi_define: NULL argument");
    size_t count = 0;
    const kiln_wasi_func *funcs = kiln_wasi_funcs(&count);
    for (size_t i = 0; i < count; i++) {
        kiln_valkind kinds[WASI_MAX_PARAMS + WASI_MAX_RESULTS];
        uint32_t np = 0, nr = 0;
        for (const char *p = funcs[i].params; *p != '\0' && np < WASI_MAX_PARAMS; p++)
            kinds[np++] = *p == 'I' ? KILN_I64 : KILN_I32;
        for (const char *p = funcs[i].results; *p != '\0' && nr < WASI_MAX_RESULTS; p++)
            kinds[np + nr++] = *p == 'I' ? KILN_I64 : KILN_I32;
        kiln_func_type type = {np, nr, kinds, kinds + np};
        kiln_status st = kiln_linker_define_func(linker, "wasi_snapshot_preview1", funcs[i].name,
                                                 &type, funcs[i].fn, wasi, err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}
