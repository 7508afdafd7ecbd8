/*
 * The loader's error messages and the readers every section shares
 * (load.h): section readers, counts checked against the bytes left, names,
 * limits. Messages name the section and the file offset.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "load.h"

/* "corrupt container: section X at offset N: detail". Section 0 is the
 * header and section table. */
kiln_status ld_corrupt(ld_ctx *c, uint32_t section, size_t offset, const char *fmt, ...)
{
    char detail[KILN_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (section == 0)
        return kiln_error_set(c->err, KILN_ERR_CORRUPT, offset,
                              "corrupt container: header at offset %zu: %s", offset, detail);
    return kiln_error_set(c->err, KILN_ERR_CORRUPT, offset,
                          "corrupt container: section %s at offset %zu: %s",
                          ld_section_name(section), offset, detail);
}

/* The reader of a failed record: name what ran past the end. */
kiln_status ld_overrun(ld_ctx *c, uint32_t section, const ld_reader *r, const char *what,
                           uint32_t index)
{
    return ld_corrupt(c, section, r->fail_at, "%s %u runs past the end of the section (which ends at %zu)",
                   what, index, r->end);
}

ld_reader ld_section_reader(const ld_ctx *c, uint32_t id)
{
    ld_reader r;
    r.bytes = c->bytes;
    r.pos = c->sections[id].offset;
    r.end = (size_t)c->sections[id].offset + c->sections[id].size;
    r.failed = false;
    r.fail_at = 0;
    return r;
}

/* Checks count records of at least min_size bytes can fit in what is left. */
kiln_status ld_check_count(ld_ctx *c, uint32_t section, const ld_reader *r, uint32_t count,
                               size_t min_size, const char *what)
{
    if (r->failed)
        return ld_corrupt(c, section, r->fail_at, "the %s count runs past the end of the section",
                       what);
    if ((uint64_t)count * min_size > rd_left(r))
        return ld_corrupt(c, section, r->pos,
                       "%u %s need at least %llu bytes, the section has %zu left", count, what,
                       (unsigned long long)count * min_size, rd_left(r));
    return KILN_OK;
}

/* The count of defined items that opens an optional section (0 when the
 * section is absent), checked against the bytes left at min_size each. */
kiln_status ld_read_defined_count(ld_ctx *c, uint32_t section, ld_reader *r,
                                      size_t min_size, const char *what, uint32_t *count)
{
    *count = 0;
    if (!c->sections[section].present)
        return KILN_OK;
    *count = rd_u32(r);
    return ld_check_count(c, section, r, *count, min_size, what);
}

static char *dup_string(const uint8_t *p, uint32_t n)
{
    char *s = kiln_alloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    if (n != 0)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

kiln_status ld_nomem(ld_ctx *c, const char *what)
{
    return kiln_error_set(c->err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                          "out of memory loading a container (%s)", what);
}

kiln_status ld_read_limits(ld_ctx *c, uint32_t section, ld_reader *r, ld_limits *l,
                               uint64_t max_allowed, const char *what, uint32_t index)
{
    size_t at = r->pos;
    l->flags = rd_u8(r);
    l->min = rd_u64(r);
    l->max = rd_u64(r);
    if (r->failed)
        return ld_overrun(c, section, r, what, index);
    if ((l->flags & ~(unsigned)(KILN_LIMITS_HAS_MAX | KILN_LIMITS_SHARED | KILN_LIMITS_IS64)) != 0)
        return ld_corrupt(c, section, at, "%s %u has unknown limit flags 0x%x", what, index,
                       (unsigned)l->flags);
    if (l->flags & KILN_LIMITS_IS64)
        return kiln_error_set(c->err, KILN_ERR_UNSUPPORTED, at,
                              "%s %u is 64-bit (memory64/table64), which this runtime does not "
                              "support",
                              what, index);
    if (l->min > max_allowed || ((l->flags & KILN_LIMITS_HAS_MAX) && (l->max > max_allowed ||
                                                                      l->min > l->max)))
        return ld_corrupt(c, section, at, "%s %u has limits min %llu max %llu (at most %llu)", what,
                       index, (unsigned long long)l->min, (unsigned long long)l->max,
                       (unsigned long long)max_allowed);
    return KILN_OK;
}

/* Reads a name. With out_len (exports) the name may contain NUL bytes, as
 * wasm allows, and its length is returned; without (imports, resolved by
 * C-string names through the linker) a NUL byte is refused. */
kiln_status ld_read_name(ld_ctx *c, uint32_t section, ld_reader *r, char **out,
                             uint32_t *out_len, const char *what, uint32_t index)
{
    uint32_t n = rd_u32(r);
    const uint8_t *p = rd_bytes(r, n);
    if (r->failed)
        return ld_overrun(c, section, r, what, index);
    *out = dup_string(p, n);
    if (*out == NULL)
        return ld_nomem(c, what);
    if (out_len != NULL) {
        *out_len = n;
        return KILN_OK;
    }
    if (memchr(p, 0, n) != NULL)
        return ld_corrupt(c, section, (size_t)(p - c->bytes), "%s %u: the name contains a NUL byte",
                       what, index);
    return KILN_OK;
}
