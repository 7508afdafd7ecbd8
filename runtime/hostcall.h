/*
 * Host calls (hc_): the binding that makes a host function callable like a
 * wasm function, the kiln_caller a host function sees, and native
 * (WAMR-signature) functions.
 *
 * A function import resolved to a host function gets, in the importing
 * instance's vmctx, {the module's host trampoline for the import's type,
 * a binding}. The trampoline stores the arguments in kiln_slot cells and
 * calls binding->dispatch (the binding's first word, aot_format.h), which
 * unpacks them by the type's kinds, calls the host function with a
 * kiln_caller for the importing instance and packs the results. A host
 * error unwinds the wasm call as a trap (trap_raise_message) or, for
 * kiln_caller_exit, as an exit (trap_raise_exit).
 */
#ifndef KILN_RT_HOSTCALL_H
#define KILN_RT_HOSTCALL_H

#include "instance.h"
#include "module.h"

/* A binding for import `im` of instance, owned by the instance. */
kiln_status hc_binding_new(kiln_instance *instance, const ld_import *im, kiln_host_fn fn,
                           void *user_data, void **out, kiln_error *err);
void hc_binding_free(void *binding);

/* The host function that traps naming the import it stands for
 * (kiln_linker_trap_unknown_imports); user_data is unused. */
kiln_status hc_trap_unknown(kiln_caller *caller, void *user_data, const kiln_val *args,
                            kiln_val *results);

/* A parsed native signature, owned by the linker's definition. */
typedef struct hc_native hc_native;

/* Parses signature for fn; fills the wasm type (kinds: params then
 * results, kiln_calloc'd, owned by the caller). */
kiln_status hc_native_new(const char *signature, void *fn, hc_native **out,
                          kiln_valkind **kinds, uint32_t *param_count,
                          uint32_t *result_count, kiln_error *err);
void hc_native_free(hc_native *native);
/* The kiln_host_fn that calls a native function (user_data: hc_native). */
kiln_status hc_native_call(kiln_caller *caller, void *user_data, const kiln_val *args,
                           kiln_val *results);

#endif /* KILN_RT_HOSTCALL_H */
