/*
 * Per-architecture pieces of the loader: applying normalised relocations
 * (rel_) and describing the host (arch_: its triple; CPU features are
 * common/kiln_cpu.h's, probed by the platform layer). Each architecture's
 * file also defines the TRAP helper, hlp_trap (helpers.h): where a trap
 * backtrace can start depends on the frames the host compiler builds. One file per
 * architecture implements this header; CMake compiles all of them and each
 * is guarded as a whole by its architecture macro.
 *
 * Relocation invariants: the image is writable while rel_apply runs and is
 * not executable; P (the patched field's address) is the final run-time
 * address, because the mapping is made executable in place afterwards.
 */
#ifndef KILN_RT_RELOC_H
#define KILN_RT_RELOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln/aot_format.h"

/* Bytes a relocation of this kind patches, or 0 for an unknown kind. */
uint32_t rel_field_size(uint8_t kind);

/*
 * Patches the field at image + offset (the caller checked that the field is
 * inside the image) for symbol address S and addend A. symbol (symbol_len
 * bytes, not NUL-terminated; NULL for the image itself) is only read for an
 * error message. Errors: KILN_ERR_LINK (value out of range; the message
 * names the kind, the image offset and the symbol), KILN_ERR_CORRUPT
 * (unknown kind).
 */
kiln_status rel_apply(uint8_t *image, uint32_t offset, uint8_t kind, uint64_t symbol_address,
                      int64_t addend, const char *symbol, size_t symbol_len, kiln_error *err);

/* The host's canonical triple, e.g. "x86_64-unknown-linux-gnu". */
const char *arch_host_triple(void);

#endif /* KILN_RT_RELOC_H */
