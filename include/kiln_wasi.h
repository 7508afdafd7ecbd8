/*
 * WASI preview1 (wasi_snapshot_preview1) for libkiln, as ordinary host
 * functions. Optional at build time (KILN_WASI=OFF leaves it out).
 *
 * A kiln_wasi holds one program's view of the world: its arguments and
 * environment, the preopened directories (the only part of the host file
 * system it can reach) and its table of open descriptors.
 */
#ifndef KILN_WASI_H
#define KILN_WASI_H

#include <stddef.h>

#include "kiln.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_wasi kiln_wasi;

typedef struct kiln_wasi_preopen {
    const char *host_path;  /* directory on the host */
    const char *guest_path; /* name the guest sees, e.g. "/tmp" or "." */
} kiln_wasi_preopen;

typedef struct kiln_wasi_config {
    const char *const *argv; /* argv[0] is the program name */
    size_t argc;
    const char *const *envp; /* "KEY=VALUE" strings */
    size_t envc;
    const kiln_wasi_preopen *preopens;
    size_t preopen_count;
    int stdin_fd, stdout_fd, stderr_fd; /* host descriptors for 0, 1, 2 */
} kiln_wasi_config;

/* Fills defaults: no args, env or preopens; stdio 0, 1, 2. */
void kiln_wasi_config_init(kiln_wasi_config *config);

/* Copies everything it needs from config. KILN_ERR_IO when a preopen cannot
 * be opened (the message names it). */
kiln_status kiln_wasi_new(const kiln_wasi_config *config, kiln_wasi **out, kiln_error *err);
void kiln_wasi_free(kiln_wasi *wasi);

/* One preview1 function: its import name, signature and implementation
 * (user_data is the kiln_wasi). */
typedef struct kiln_wasi_func {
    const char *name;
    const char *params;  /* one char per parameter: 'i' i32, 'I' i64 */
    const char *results; /* same */
    kiln_host_fn fn;
} kiln_wasi_func;

/* Every function of wasi_snapshot_preview1, in a static table. */
const kiln_wasi_func *kiln_wasi_funcs(size_t *count);

/*
 * Defines every function of kiln_wasi_funcs() in linker under
 * "wasi_snapshot_preview1", each bound to wasi (which must outlive the
 * instances that import it):
 *
 *     kiln_wasi_new(&config, &wasi, &err);
 *     kiln_wasi_define(linker, wasi, &err);
 *     kiln_linker_instantiate(linker, module, &inst, &err);
 *
 * Errors: those of kiln_linker_define_func (KILN_ERR_NOMEM).
 */
kiln_status kiln_wasi_define(kiln_linker *linker, kiln_wasi *wasi, kiln_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KILN_WASI_H */
