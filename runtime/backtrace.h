/*
 * Trap backtraces (bt_): a map from machine-code addresses to wasm
 * functions, built once per module at load time, so that a trap can be
 * reported as a list of wasm function names without any bookkeeping in
 * compiled code.
 *
 * Capturing (trap.c) only records raw code addresses while it walks the
 * frame-pointer chain, which is safe inside the fault handler; this file
 * turns them into (module, function index, name) afterwards, outside the
 * handler, under a lock. A module's map lives exactly as long as the module.
 */
#ifndef KILN_RT_BACKTRACE_H
#define KILN_RT_BACKTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln/aot_format.h"

typedef struct bt_map bt_map;

/*
 * Builds and registers the address map of a module whose code is mapped
 * (m->code_base, m->funcs set). names/names_size is the NAMES section
 * payload (NULL/0 when the container has none), names_offset its file
 * offset for messages. KILN_ERR_CORRUPT when NAMES is malformed.
 */
kiln_status bt_map_new(const kiln_module *m, const uint8_t *names, size_t names_size,
                       uint32_t names_offset, bt_map **out, kiln_error *err);
/* Unregisters and frees; NULL is a no-op. */
void bt_map_free(bt_map *map);
/* The module name from the NAMES section, or NULL. */
const char *bt_map_module_name(const bt_map *map);

/*
 * Finds the wasm function whose code contains address, in any loaded
 * module. false when none does (trampolines, veneers, host code).
 */
bool bt_resolve(uintptr_t address, kiln_frame *out);

#endif /* KILN_RT_BACKTRACE_H */
