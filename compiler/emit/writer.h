/*
 * Container writer (prefix wr_): a decoded module plus its code image ->
 * the bytes of a kiln container, exactly as include/kiln/aot_format.h
 * describes them. Also the growable little-endian byte buffer it writes
 * with, and the checksum rule, shared with the inspector and the tests.
 *
 * Invariant: a wr_buf that failed to grow stays failed (every later write
 * is dropped), so a writer checks `failed` once at the end instead of after
 * each byte; the bytes written so far are never half-updated.
 */
#ifndef KILN_EMIT_WRITER_H
#define KILN_EMIT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "module.h"

typedef struct wr_buf {
    uint8_t *data; /* owned; NULL until the first write */
    size_t size;   /* bytes written */
    size_t capacity;
    bool failed;   /* an allocation failed; size no longer grows */
} wr_buf;

void wr_buf_init(wr_buf *buf);
void wr_buf_free(wr_buf *buf);
void wr_u8(wr_buf *buf, uint8_t v);
void wr_u32(wr_buf *buf, uint32_t v);
void wr_u64(wr_buf *buf, uint64_t v);
void wr_bytes(wr_buf *buf, const void *bytes, size_t size);
/* "str": u32 length + bytes. */
void wr_str(wr_buf *buf, const char *s, size_t size);
/* Zero bytes up to a multiple of align (a power of two). */
void wr_align(wr_buf *buf, size_t align);
/* Zero bytes until the size is phase more than a multiple of align. */
void wr_align_phase(wr_buf *buf, size_t align, size_t phase);

/* What the header records about the target and the compiler. */
typedef struct wr_target_info {
    const char *triple;
    const char *cpu;
    const char *cpu_features;
    const char *compiler_version;
    unsigned pointer_width;  /* 4 or 8 */
    unsigned page_size;      /* file alignment of a large code image (0: none) */
    kiln_bounds_mode bounds;
    bool xip;                /* header flag KILN_AOT_FLAG_XIP */
    uint64_t helpers_used;   /* KILN_HELPER_* bits */
    const char *keep_custom; /* custom sections to copy: NULL/"" none, "all", "a,b" */
    /* A member of a pre-linked bundle: no CODE, RELOCS or SYMBOLS (the
     * bundle's container holds the one image its offsets refer to). */
    bool bundle_member;
} wr_target_info;

/*
 * Writes the container. On success *out (malloc'd, the caller frees it) holds
 * *out_size bytes. KILN_ERR_UNSUPPORTED for a constant expression with an
 * instruction the format cannot encode, KILN_ERR_NOMEM.
 */
kiln_status wr_container(const wasm_module *module, const emit_image *image,
                         const wr_target_info *target, uint8_t **out, size_t *out_size,
                         kiln_error *err);

/* A member of a pre-linked bundle: its registered name and its container
 * (wr_container with bundle_member set). Not owned. */
typedef struct wr_bundle_member {
    const char *name;
    const uint8_t *container;
    size_t size;
} wr_bundle_member;

/* An import called directly: import import_index of member `member` is
 * function callee_func of member callee_member. */
typedef struct wr_prelink {
    uint32_t member;
    uint32_t import_index;
    uint32_t callee_member;
    uint32_t callee_func;
} wr_prelink;

/*
 * Writes a bundle container (aot_format.h, BUNDLE): the header of the
 * target with the members' wasm features, the one code image (CODE,
 * RELOCS, SYMBOLS) and the BUNDLE section. Errors as wr_container.
 */
kiln_status wr_bundle(const wr_bundle_member *members, uint32_t member_count,
                      const wr_prelink *prelinks, uint32_t prelink_count, uint32_t features,
                      const emit_image *image, const wr_target_info *target, uint8_t **out,
                      size_t *out_size, kiln_error *err);

#endif /* KILN_EMIT_WRITER_H */
