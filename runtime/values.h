/*
 * kiln_val <-> kiln_slot (the 16-byte cells the entry and host trampolines
 * pass values in, see aot_format.h), and value kinds for messages. Shared by
 * calls into wasm (instance.c), host functions (host.c) and the linker's
 * signature messages (linker.c).
 */
#ifndef KILN_RT_VALUES_H
#define KILN_RT_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln/aot_format.h"

/* Stores v as a value of kind in slot, zeroing the bytes it does not use. */
void rt_val_to_slot(kiln_slot *slot, kiln_valkind kind, const kiln_val *v);

/* Reads a value of kind from slot into *v. */
void rt_slot_to_val(kiln_val *v, kiln_valkind kind, const kiln_slot *slot);

/* "i32, f64, externref" into buf (always NUL-terminated, may be cut). */
void rt_format_kinds(char *buf, size_t size, const kiln_valkind *kinds, uint32_t count);

#endif /* KILN_RT_VALUES_H */
