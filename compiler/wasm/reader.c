/*
 * The bounded byte reader behind the decoder: LEB128 with the spec's length
 * and unused-bit rules, fixed-width little-endian values, byte ranges and
 * UTF-8-checked names. See reader.h for the invariants.
 */
#include "reader.h"

#include "kiln_common.h"

const char DEC_END_TOP[] = "unexpected end";
const char DEC_END_SECTION[] = "unexpected end of section or function";

void dec_reader_init(dec_reader *r, const uint8_t *base, const uint8_t *p,
                     const uint8_t *end, const uint8_t *input_end, const char *end_message)
{
    r->input_end = input_end;
    r->base = base;
    r->p = p;
    r->end = end;
    r->end_message = end_message;
}

kiln_status dec_fail_end(const dec_reader *r, kiln_error *err, const char *what,
                         size_t needed)
{
    return kiln_error_set(err, KILN_ERR_MALFORMED, dec_offset(r),
                          "%s: %s needs %zu bytes at offset %u, %zu remain",
                          r->end_message, what, needed, dec_offset(r), dec_remaining(r));
}

kiln_status dec_u8(dec_reader *r, uint8_t *out, kiln_error *err)
{
    if (r->p >= r->end)
        return dec_fail_end(r, err, "byte", 1);
    *out = *r->p++;
    return KILN_OK;
}

/*
 * Reads an LEB128 integer of `bits` bits. For unsigned, the bits of the
 * last byte above `bits` must be zero; for signed, they must all equal the
 * sign bit (the spec's "unused bits" rule).
 */
static kiln_status read_leb(dec_reader *r, unsigned bits, bool is_signed, uint64_t *out,
                            kiln_error *err)
{
    const uint8_t *start = r->p;
    unsigned max_bytes = (bits + 6) / 7;
    uint64_t value = 0;
    unsigned shift = 0;
    for (unsigned i = 0;; i++) {
        if (r->p >= r->end) {
            /* The spec's decoder reads LEB128s from the whole stream and
             * checks section bounds afterwards, so an overlong encoding
             * that crosses `end` is reported as overlong. */
            const uint8_t *peek = r->p;
            for (unsigned k = i; k < max_bytes && peek < r->input_end; k++) {
                uint8_t b = *peek++;
                if (!(b & 0x80))
                    break;
                if (k == max_bytes - 1)
                    return kiln_error_set(err, KILN_ERR_MALFORMED, (uint64_t)(start - r->base),
                                          "integer representation too long: LEB128 at "
                                          "offset %u runs past its section",
                                          (unsigned)(start - r->base));
            }
            kiln_status st = dec_fail_end(r, err, "LEB128 integer", 1);
            if (err != NULL)
                err->offset = (uint64_t)(start - r->base);
            return st;
        }
        uint8_t byte = *r->p++;
        if (i == max_bytes - 1) {
            /* Last permitted byte: check continuation and unused bits. */
            if (byte & 0x80)
                return kiln_error_set(err, KILN_ERR_MALFORMED, (uint64_t)(start - r->base),
                                      "integer representation too long: LEB128 u%u/s%u "
                                      "longer than %u bytes at offset %u",
                                      bits, bits, max_bytes, (unsigned)(start - r->base));
            unsigned used = bits - shift; /* payload bits this byte may carry */
            uint8_t payload = byte & 0x7F;
            if (used < 7) {
                uint8_t unused = (uint8_t)(payload >> used);
                uint8_t allowed_hi = (uint8_t)(0x7F >> used);
                bool ok;
                if (!is_signed) {
                    ok = unused == 0;
                } else {
                    bool sign = (payload >> (used - 1)) & 1;
                    ok = unused == (sign ? allowed_hi : 0);
                }
                if (!ok)
                    return kiln_error_set(err, KILN_ERR_MALFORMED,
                                          (uint64_t)(start - r->base),
                                          "integer too large: LEB128 %c%u at offset %u has "
                                          "non-%s unused bits",
                                          is_signed ? 's' : 'u', bits,
                                          (unsigned)(start - r->base),
                                          is_signed ? "sign-extension" : "zero");
            }
            value |= (uint64_t)payload << shift;
            shift += 7;
            break;
        }
        value |= (uint64_t)(byte & 0x7F) << shift;
        shift += 7;
        if (!(byte & 0x80))
            break;
    }
    if (is_signed && shift < 64 && (value >> (shift - 1)) & 1)
        value |= ~(uint64_t)0 << shift;
    *out = value;
    return KILN_OK;
}

kiln_status dec_u32_slow(dec_reader *r, uint32_t *out, kiln_error *err)
{
    uint64_t v;
    kiln_status st = read_leb(r, 32, false, &v, err);
    if (st != KILN_OK)
        return st;
    *out = (uint32_t)v;
    return KILN_OK;
}

kiln_status dec_i32(dec_reader *r, int32_t *out, kiln_error *err)
{
    uint64_t v;
    kiln_status st = read_leb(r, 32, true, &v, err);
    if (st != KILN_OK)
        return st;
    *out = (int32_t)(uint32_t)v;
    return KILN_OK;
}

kiln_status dec_i64(dec_reader *r, int64_t *out, kiln_error *err)
{
    uint64_t v;
    kiln_status st = read_leb(r, 64, true, &v, err);
    if (st != KILN_OK)
        return st;
    *out = (int64_t)v;
    return KILN_OK;
}

kiln_status dec_u64(dec_reader *r, uint64_t *out, kiln_error *err)
{
    return read_leb(r, 64, false, out, err);
}

kiln_status dec_s33(dec_reader *r, int64_t *out, kiln_error *err)
{
    uint64_t v;
    kiln_status st = read_leb(r, 33, true, &v, err);
    if (st != KILN_OK)
        return st;
    *out = (int64_t)v;
    return KILN_OK;
}

kiln_status dec_u32_fixed(dec_reader *r, uint32_t *out, kiln_error *err)
{
    if (dec_remaining(r) < 4)
        return dec_fail_end(r, err, "32-bit constant", 4);
    *out = kiln_read_u32le(r->p);
    r->p += 4;
    return KILN_OK;
}

kiln_status dec_u64_fixed(dec_reader *r, uint64_t *out, kiln_error *err)
{
    if (dec_remaining(r) < 8)
        return dec_fail_end(r, err, "64-bit constant", 8);
    *out = kiln_read_u64le(r->p);
    r->p += 8;
    return KILN_OK;
}

kiln_status dec_bytes(dec_reader *r, size_t n, const uint8_t **out, kiln_error *err)
{
    if (dec_remaining(r) < n)
        return dec_fail_end(r, err, "byte range", n);
    *out = r->p;
    r->p += n;
    return KILN_OK;
}

bool dec_utf8_valid(const uint8_t *s, size_t size)
{
    size_t i = 0;
    while (i < size) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            n = 2;
            cp = c & 0x1Fu;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0Fu;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4;
            cp = c & 0x07u;
            min = 0x10000;
        } else {
            return false;
        }
        if (size - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

kiln_status dec_name(dec_reader *r, const uint8_t **out, uint32_t *size, kiln_error *err)
{
    uint32_t start = dec_offset(r);
    uint32_t n;
    kiln_status st = dec_u32(r, &n, err);
    if (st != KILN_OK)
        return st;
    if (dec_remaining(r) < n)
        return kiln_error_set(err, KILN_ERR_MALFORMED, start,
                              "%s: name of %u bytes at offset %u, %zu remain",
                              r->end_message, n, start, dec_remaining(r));
    if (!dec_utf8_valid(r->p, n))
        return kiln_error_set(err, KILN_ERR_MALFORMED, start,
                              "malformed UTF-8 encoding: name at offset %u", start);
    *out = r->p;
    *size = n;
    r->p += n;
    return KILN_OK;
}
