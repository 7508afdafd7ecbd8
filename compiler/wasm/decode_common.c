/*
 * The decoder's shared readers (decode_internal.h): value and reference
 * types, counts checked against the bytes left and the implementation
 * limits, names, limits, table and global types, and the feature bits a
 * type or a constant expression needs.
 */
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

kiln_status dec_nomem(kiln_error *err, uint32_t offset, const char *what)
{
    return kiln_error_set(err, KILN_ERR_NOMEM, offset, "out of memory: %s", what);
}

/* Grows *array (element size elem) so that it holds at least need elements,
 * doubling the capacity. */
bool dec_grow_array(void **array, uint32_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    if (need > UINT32_MAX)
        return false;
    uint64_t new_cap = *cap ? (uint64_t)*cap * 2 : 16;
    while (new_cap < need)
        new_cap *= 2;
    if (new_cap > UINT32_MAX)
        new_cap = UINT32_MAX;
    void *p = realloc(*array, (size_t)new_cap * elem);
    if (p == NULL)
        return false;
    *array = p;
    *cap = (uint32_t)new_cap;
    return true;
}

kiln_status dec_read_valtype(dec_reader *r, wasm_valtype *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t b;
    kiln_status st = dec_u8(r, &b, err);
    if (st != KILN_OK)
        return st;
    if (!dec_is_valtype(b))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed value type: 0x%02X at offset %u", b, at);
    *out = b;
    return KILN_OK;
}

kiln_status dec_read_reftype(dec_reader *r, wasm_valtype *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t b;
    kiln_status st = dec_u8(r, &b, err);
    if (st != KILN_OK)
        return st;
    if (!dec_is_reftype(b))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed reference type: 0x%02X at offset %u", b, at);
    *out = b;
    return KILN_OK;
}

kiln_status dec_read_zero_byte(dec_reader *r, const char *what, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t b;
    kiln_status st = dec_u8(r, &b, err);
    if (st != KILN_OK)
        return st;
    if (b != 0)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "zero byte expected: %s has 0x%02X at offset %u", what, b, at);
    return KILN_OK;
}

/* Reads a vector length and rejects one larger than the remaining bytes
 * (every element takes at least one), so a corrupt count never drives a
 * huge allocation. */
kiln_status dec_read_count(dec_reader *r, const char *what, uint32_t *out,
                              kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint32_t n;
    kiln_status st = dec_u32(r, &n, err);
    if (st != KILN_OK)
        return st;
    if (n > dec_remaining(r))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "%s: %u %s at offset %u, only %zu bytes remain",
                              r->end_message, n, what, at, dec_remaining(r));
    *out = n;
    return KILN_OK;
}

/* read_count, then the implementation limit on base + the count (base:
 * entries of that kind already in the index space, e.g. imported ones). */
kiln_status dec_read_count_limited(dec_reader *r, const char *what, wasm_limit limit,
                                      uint32_t base, uint32_t *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint32_t n = 0;
    kiln_status st = dec_read_count(r, what, &n, err);
    if (st == KILN_OK)
        st = wasm_limit_check(limit, (uint64_t)base + n, at, NULL, err);
    if (st == KILN_OK)
        *out = n;
    return st;
}

kiln_status dec_copy_name(dec_reader *r, wasm_name *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    const uint8_t *bytes;
    uint32_t size;
    kiln_status st = dec_name(r, &bytes, &size, err);
    if (st == KILN_OK)
        st = wasm_limit_check(WASM_LIMIT_NAME_BYTES, size, at, NULL, err);
    if (st != KILN_OK)
        return st;
    char *copy = malloc((size_t)size + 1);
    if (copy == NULL)
        return dec_nomem(err, at, "name");
    memcpy(copy, bytes, size);
    copy[size] = '\0';
    out->bytes = copy;
    out->size = size;
    return KILN_OK;
}

kiln_status dec_read_limits(dec_reader *r, bool is_memory, wasm_limits *out,
                               kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t flags;
    kiln_status st = dec_u8(r, &flags, err);
    if (st != KILN_OK)
        return st;
    /* The flags are a LEB128 of a few bits in the spec's decoder, hence its
     * messages for a continuation bit and for an unknown flag. */
    if (flags & 0x80)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "integer representation too long: %s limits flags 0x%02X at "
                              "offset %u",
                              is_memory ? "memory" : "table", flags, at);
    if (flags > (is_memory ? 3 : 1))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "integer too large: %s limits flags 0x%02X at offset %u",
                              is_memory ? "memory" : "table", flags, at);
    uint32_t min, max = 0;
    st = dec_u32(r, &min, err);
    if (st == KILN_OK && (flags & 1))
        st = dec_u32(r, &max, err);
    if (st != KILN_OK)
        return st;
    out->min = min;
    out->max = max;
    out->has_max = (flags & 1) != 0;
    out->shared = (flags & 2) != 0;
    out->is64 = false;
    return KILN_OK;
}

kiln_status dec_read_tabletype(dec_reader *r, wasm_tabletype *out, kiln_error *err)
{
    kiln_status st = dec_read_reftype(r, &out->reftype, err);
    if (st == KILN_OK)
        st = dec_read_limits(r, false, &out->limits, err);
    return st;
}

kiln_status dec_read_globaltype(dec_reader *r, wasm_globaltype *out, kiln_error *err)
{
    kiln_status st = dec_read_valtype(r, &out->valtype, err);
    if (st != KILN_OK)
        return st;
    uint32_t at = dec_offset(r);
    uint8_t mut;
    st = dec_u8(r, &mut, err);
    if (st != KILN_OK)
        return st;
    if (mut > 1)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed mutability: 0x%02X at offset %u", mut, at);
    out->is_mutable = mut == 1;
    return KILN_OK;
}

uint32_t dec_valtype_feature(wasm_valtype t)
{
    if (t == WASM_V128)
        return KILN_FEATURE_SIMD;
    if (t == WASM_FUNCREF || t == WASM_EXTERNREF)
        return KILN_FEATURE_REFERENCE_TYPES;
    return 0;
}

uint32_t dec_expr_features(const wasm_expr *e)
{
    uint32_t f = 0;
    for (uint32_t i = 0; i < e->count; i++) {
        uint16_t op = e->code[i].op;
        if (op == WASM_OP_REF_NULL || op == WASM_OP_REF_FUNC)
            f |= KILN_FEATURE_REFERENCE_TYPES;
        else if (op == WASM_OP_V128_CONST)
            f |= KILN_FEATURE_SIMD;
    }
    return f;
}
