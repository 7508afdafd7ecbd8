/*
 * Container inspector: a human-readable description of a kiln container,
 * read independently of the runtime (every offset and length is checked
 * here; nothing is mapped or executed). Used by `kilnc --inspect`.
 *
 * This header needs no LLVM and no compiler internals, so the kilnc CLI can
 * include it directly.
 */
#ifndef KILN_EMIT_INSPECT_H
#define KILN_EMIT_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/aot_format.h"
#include "kiln/status.h"

/*
 * Describes the container in bytes. On success *text is a malloc'd,
 * NUL-terminated report the caller frees. KILN_ERR_IS_WASM for a .wasm
 * binary, KILN_ERR_NOT_CONTAINER, KILN_ERR_TRUNCATED or KILN_ERR_CORRUPT
 * (with the byte offset) for a file it cannot read. A checksum mismatch is
 * reported in the text, not as an error, so damaged files can be looked at.
 */
kiln_status emit_inspect(const uint8_t *bytes, size_t size, char **text, kiln_error *err);

#endif /* KILN_EMIT_INSPECT_H */
