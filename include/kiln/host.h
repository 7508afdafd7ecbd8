/*
 * Host functions: C functions that wasm modules import. Included by kiln.h.
 *
 * A raw host function receives the calling context, its arguments as
 * kiln_val (kinds as declared), and writes its results. It returns KILN_OK,
 * or an error that becomes a trap in the caller:
 *   - kiln_caller_trap(caller, message) for a trap with the host's message;
 *   - kiln_caller_exit(caller, status) to end the whole call chain, as WASI
 *     proc_exit does (the outermost kiln_instance_call returns KILN_ERR_EXIT
 *     with err->exit_code).
 */
/* Outside the guard: kiln.h declares what this header uses and includes
 * it back at its end, so either header may be included first. */
#include "kiln.h"

#ifndef KILN_HOST_H
#define KILN_HOST_H

#include <stdint.h>

typedef struct kiln_caller kiln_caller;

/* The calling instance's memory 0: base pointer and size in bytes, or NULL
 * and 0 when it has none. Valid until the host function returns or calls
 * back into wasm (memory.grow may change the size, never the base). */
uint8_t *kiln_caller_memory(kiln_caller *caller, uint64_t *size_bytes);
/* The calling instance, e.g. to call back into wasm. */
struct kiln_instance *kiln_caller_instance(kiln_caller *caller);
/* Records a trap with message; return the result from the host function. */
kiln_status kiln_caller_trap(kiln_caller *caller, const char *message);
/* Records a process exit with status; return the result from the host. */
kiln_status kiln_caller_exit(kiln_caller *caller, int status);

typedef kiln_status (*kiln_host_fn)(kiln_caller *caller, void *user_data,
                                    const struct kiln_val *args, struct kiln_val *results);

#endif /* KILN_HOST_H */
