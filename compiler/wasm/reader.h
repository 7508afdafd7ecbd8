/*
 * dec_reader: a bounded cursor over a WebAssembly binary, used by the decoder.
 *
 * Invariants: base <= p <= end <= base + module size. Every read checks
 * against `end` before touching a byte, so no read ever leaves the input;
 * a failed read fills the kiln_error with KILN_ERR_MALFORMED and the byte
 * offset (p - base) where the bad item starts, and leaves p unspecified (the
 * caller abandons the reader). LEB128 reads follow the spec: at most
 * ceil(N/7) bytes ("integer representation too long"), and the unused bits
 * of the last byte must be zero (unsigned) or a sign extension (signed)
 * ("integer too large").
 *
 * `end_message` is the spec test suite's text for running off `end`:
 * "unexpected end" at the top level, "unexpected end of section or function"
 * inside a section or a function body.
 */
#ifndef KILN_WASM_READER_H
#define KILN_WASM_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln/aot_format.h"
#include "kiln/status.h"

typedef struct dec_reader {
    const uint8_t *base; /* start of the module: offsets are relative to it */
    const uint8_t *p;    /* next byte to read */
    const uint8_t *end;  /* one past the last readable byte */
    const uint8_t *input_end; /* end of the whole input (>= end): only
                                 peeked at to name an overlong LEB128 that
                                 runs past `end` the way the spec does */
    const char *end_message;
} dec_reader;

extern const char DEC_END_TOP[];     /* "unexpected end" */
extern const char DEC_END_SECTION[]; /* "unexpected end of section or function" */

void dec_reader_init(dec_reader *r, const uint8_t *base, const uint8_t *p,
                     const uint8_t *end, const uint8_t *input_end, const char *end_message);

static inline uint32_t dec_offset(const dec_reader *r)
{
    return (uint32_t)(r->p - r->base);
}
static inline size_t dec_remaining(const dec_reader *r)
{
    return (size_t)(r->end - r->p);
}
static inline bool dec_at_end(const dec_reader *r)
{
    return r->p >= r->end;
}

/* Fails with r->end_message naming `what` and the bytes needed. */
kiln_status dec_fail_end(const dec_reader *r, kiln_error *err, const char *what,
                         size_t needed);

kiln_status dec_u8(dec_reader *r, uint8_t *out, kiln_error *err);
kiln_status dec_u32_slow(dec_reader *r, uint32_t *out, kiln_error *err);
kiln_status dec_i32(dec_reader *r, int32_t *out, kiln_error *err);
kiln_status dec_i64(dec_reader *r, int64_t *out, kiln_error *err);
kiln_status dec_u64(dec_reader *r, uint64_t *out, kiln_error *err);
/* Signed 33-bit LEB (blocktype index), widened. */
kiln_status dec_s33(dec_reader *r, int64_t *out, kiln_error *err);
/* Fixed little-endian reads (f32/f64 bits). */
kiln_status dec_u32_fixed(dec_reader *r, uint32_t *out, kiln_error *err);
kiln_status dec_u64_fixed(dec_reader *r, uint64_t *out, kiln_error *err);
/* Points *out at the next n bytes and skips them. */
kiln_status dec_bytes(dec_reader *r, size_t n, const uint8_t **out, kiln_error *err);
/* Reads a vec(byte) name: length, bounds ("length out of bounds" /
 * end_message), UTF-8 ("malformed UTF-8 encoding"). *out points into the
 * input; not NUL-terminated. */
kiln_status dec_name(dec_reader *r, const uint8_t **out, uint32_t *size, kiln_error *err);

/* True when bytes[0..size) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool dec_utf8_valid(const uint8_t *bytes, size_t size);

/* Unsigned LEB128 u32, with the one-byte case inline: it is most reads. */
static inline kiln_status dec_u32(dec_reader *r, uint32_t *out, kiln_error *err)
{
    if (r->p < r->end && *r->p < 0x80) {
        *out = *r->p++;
        return KILN_OK;
    }
    return dec_u32_slow(r, out, err);
}

#endif /* KILN_WASM_READER_H */
