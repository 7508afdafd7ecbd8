/*
 * The container loader (ld_): validates a .aot container against this host
 * and builds a kiln_module (module.h), then maps and relocates its code.
 *
 * Order of checks (each with its own status): .wasm magic, kiln magic,
 * truncation, format version, checksum, header strings, target triple,
 * pointer width, byte order, bounds mode, CPU features, helpers, then every
 * section (CORRUPT, naming the section and file offset), then symbols
 * (LINK). Every read goes through a bounded reader (ld_reader) whose end is
 * the end of the section, so no input can make the loader read outside the
 * buffer; counts are checked against the bytes left before anything is
 * allocated for them.
 *
 * Code mapping is W^X: copy the image into a RW mapping, apply relocations,
 * then make the whole mapping read+execute.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "backtrace.h"
#include "check.h"
#include "helpers.h"
#include "kiln_common.h"
#include "module.h"
#include "platform/platform.h"
#include "reloc/reloc.h"
#include "trap.h"

/* ---- bounded reader ---------------------------------------------------------- */

/* Reads are sticky: after the first read past `end`, `failed` is set, every
 * further read returns 0, and fail_at is the file offset of that read. */
typedef struct ld_reader {
    const uint8_t *bytes; /* whole file */
    size_t pos;
    size_t end;
    bool failed;
    size_t fail_at;
} ld_reader;

static bool rd_take(ld_reader *r, size_t n)
{
    if (r->failed)
        return false;
    if (n > r->end - r->pos) {
        r->failed = true;
        r->fail_at = r->pos;
        return false;
    }
    return true;
}

static uint8_t rd_u8(ld_reader *r)
{
    if (!rd_take(r, 1))
        return 0;
    return r->bytes[r->pos++];
}

static uint32_t rd_u32(ld_reader *r)
{
    if (!rd_take(r, 4))
        return 0;
    uint32_t v = kiln_read_u32le(r->bytes + r->pos);
    r->pos += 4;
    return v;
}

static uint64_t rd_u64(ld_reader *r)
{
    if (!rd_take(r, 8))
        return 0;
    uint64_t v = kiln_read_u64le(r->bytes + r->pos);
    r->pos += 8;
    return v;
}

/* Returns a pointer to n bytes (NULL on failure). */
static const uint8_t *rd_bytes(ld_reader *r, size_t n)
{
    if (!rd_take(r, n))
        return NULL;
    const uint8_t *p = r->bytes + r->pos;
    r->pos += n;
    return p;
}

static size_t rd_left(const ld_reader *r)
{
    return r->failed ? 0 : r->end - r->pos;
}

/* ---- load context and error messages ------------------------------------------- */

typedef struct ld_ctx {
    const uint8_t *bytes;
    size_t size; /* the container's file_size (<= buffer size) */
    kiln_module *m;
    kiln_error *err;
    ld_section sections[KILN_SEC_MAX_ID + 1];
    uint32_t code_section_image; /* file offset of the code image */
    bool mapped; /* bytes are a private read-only mapping of the whole file */
    const uint8_t **symbol_names;
    uint32_t *symbol_sizes;
    uint32_t symbol_count;
} ld_ctx;

/* "corrupt container: section X at offset N: detail". Section 0 is the
 * header and section table. */
static kiln_status corrupt(ld_ctx *c, uint32_t section, size_t offset, const char *fmt, ...)
    KILN_PRINTF(4, 5);
static kiln_status corrupt(ld_ctx *c, uint32_t section, size_t offset, const char *fmt, ...)
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
static kiln_status overrun(ld_ctx *c, uint32_t section, const ld_reader *r, const char *what,
                           uint32_t index)
{
    return corrupt(c, section, r->fail_at, "%s %u runs past the end of the section (which ends at %zu)",
                   what, index, r->end);
}

static ld_reader section_reader(const ld_ctx *c, uint32_t id)
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
static kiln_status check_count(ld_ctx *c, uint32_t section, const ld_reader *r, uint32_t count,
                               size_t min_size, const char *what)
{
    if (r->failed)
        return corrupt(c, section, r->fail_at, "the %s count runs past the end of the section",
                       what);
    if ((uint64_t)count * min_size > rd_left(r))
        return corrupt(c, section, r->pos,
                       "%u %s need at least %llu bytes, the section has %zu left", count, what,
                       (unsigned long long)count * min_size, rd_left(r));
    return KILN_OK;
}

/* The count of defined items that opens an optional section (0 when the
 * section is absent), checked against the bytes left at min_size each. */
static kiln_status read_defined_count(ld_ctx *c, uint32_t section, ld_reader *r,
                                      size_t min_size, const char *what, uint32_t *count)
{
    *count = 0;
    if (!c->sections[section].present)
        return KILN_OK;
    *count = rd_u32(r);
    return check_count(c, section, r, *count, min_size, what);
}

const char *ld_valtype_name(uint8_t valtype)
{
    switch (valtype) {
    case KILN_I32: return "i32";
    case KILN_I64: return "i64";
    case KILN_F32: return "f32";
    case KILN_F64: return "f64";
    case KILN_V128: return "v128";
    case KILN_FUNCREF: return "funcref";
    case KILN_EXTERNREF: return "externref";
    default: return "unknown type";
    }
}

const char *ld_extern_kind_name(uint8_t kind)
{
    switch (kind) {
    case KILN_EXTERN_FUNC: return "function";
    case KILN_EXTERN_TABLE: return "table";
    case KILN_EXTERN_MEMORY: return "memory";
    case KILN_EXTERN_GLOBAL: return "global";
    default: return "unknown kind";
    }
}

static bool valtype_ok(uint8_t v)
{
    return v == KILN_I32 || v == KILN_I64 || v == KILN_F32 || v == KILN_F64 || v == KILN_V128 ||
           v == KILN_FUNCREF || v == KILN_EXTERNREF;
}

static bool reftype_ok(uint8_t v)
{
    return v == KILN_FUNCREF || v == KILN_EXTERNREF;
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

static kiln_status nomem(ld_ctx *c, const char *what)
{
    return kiln_error_set(c->err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                          "out of memory loading a container (%s)", what);
}

/* ---- header -------------------------------------------------------------------- */

static kiln_status check_header(ld_ctx *c, size_t buffer_size)
{
    return ld_check_header(c->bytes, buffer_size, c->sections, &c->size, c->err);
}

/* ---- constant expressions -------------------------------------------------------- */

#define CEXPR_MAX_DEPTH 16

/* Validates the cexpr at r (typed stack, indices in range) and leaves r
 * after its END. global_limit: globals [0, global_limit) may be read. */
static kiln_status check_cexpr(ld_ctx *c, uint32_t section, ld_reader *r, uint8_t expected,
                               uint32_t global_limit, const uint8_t **out)
{
    const kiln_module *m = c->m;
    size_t start = r->pos;
    uint8_t stack[CEXPR_MAX_DEPTH];
    unsigned depth = 0;
    for (;;) {
        size_t at = r->pos;
        uint8_t op = rd_u8(r);
        uint8_t pushed = 0;
        uint32_t index;
        if (r->failed)
            return corrupt(c, section, start, "constant expression has no end");
        switch (op) {
        case KILN_CEXPR_END:
            if (depth != 1 || stack[0] != expected)
                return corrupt(c, section, start,
                               "constant expression leaves %u value%s (%s), expected one %s",
                               depth, depth == 1 ? "" : "s",
                               depth > 0 ? ld_valtype_name(stack[depth - 1]) : "none",
                               ld_valtype_name(expected));
            *out = r->bytes + start;
            return KILN_OK;
        case KILN_CEXPR_I32_CONST: rd_u32(r); pushed = KILN_I32; break;
        case KILN_CEXPR_I64_CONST: rd_u64(r); pushed = KILN_I64; break;
        case KILN_CEXPR_F32_CONST: rd_u32(r); pushed = KILN_F32; break;
        case KILN_CEXPR_F64_CONST: rd_u64(r); pushed = KILN_F64; break;
        case KILN_CEXPR_V128_CONST: rd_bytes(r, 16); pushed = KILN_V128; break;
        case KILN_CEXPR_GLOBAL_GET:
            index = rd_u32(r);
            if (r->failed)
                break;
            if (index >= global_limit)
                return corrupt(c, section, at,
                               "global.get %u in a constant expression: only globals below "
                               "%u may be read here",
                               index, global_limit);
            pushed = m->globals[index].valtype;
            break;
        case KILN_CEXPR_REF_NULL:
            pushed = rd_u8(r);
            if (!r->failed && !reftype_ok(pushed))
                return corrupt(c, section, at, "ref.null of non-reference type 0x%02x",
                               (unsigned)pushed);
            break;
        case KILN_CEXPR_REF_FUNC:
            index = rd_u32(r);
            if (r->failed)
                break;
            if (index >= m->func_count)
                return corrupt(c, section, at, "ref.func %u: the module has %u functions",
                               index, m->func_count);
            if (index >= m->func_import_count && m->funcs[index].code_offset == KILN_AOT_NONE)
                return corrupt(c, section, at, "ref.func %u names a function without code",
                               index);
            pushed = KILN_FUNCREF;
            break;
        case KILN_CEXPR_I32_ADD:
        case KILN_CEXPR_I32_SUB:
        case KILN_CEXPR_I32_MUL:
        case KILN_CEXPR_I64_ADD:
        case KILN_CEXPR_I64_SUB:
        case KILN_CEXPR_I64_MUL: {
            uint8_t t = op <= KILN_CEXPR_I32_MUL ? KILN_I32 : KILN_I64;
            if (depth < 2 || stack[depth - 1] != t || stack[depth - 2] != t)
                return corrupt(c, section, at,
                               "arithmetic in a constant expression needs two %s operands",
                               ld_valtype_name(t));
            depth -= 2;
            pushed = t;
            break;
        }
        default:
            return corrupt(c, section, at, "unknown constant expression op %u", (unsigned)op);
        }
        if (r->failed)
            return corrupt(c, section, start, "constant expression runs past the section");
        if (depth == CEXPR_MAX_DEPTH)
            return corrupt(c, section, at, "constant expression deeper than %d values",
                           CEXPR_MAX_DEPTH);
        stack[depth++] = pushed;
    }
}

/* ---- sections --------------------------------------------------------------------- */

static kiln_status read_limits(ld_ctx *c, uint32_t section, ld_reader *r, ld_limits *l,
                               uint64_t max_allowed, const char *what, uint32_t index)
{
    size_t at = r->pos;
    l->flags = rd_u8(r);
    l->min = rd_u64(r);
    l->max = rd_u64(r);
    if (r->failed)
        return overrun(c, section, r, what, index);
    if ((l->flags & ~(unsigned)(KILN_LIMITS_HAS_MAX | KILN_LIMITS_SHARED | KILN_LIMITS_IS64)) != 0)
        return corrupt(c, section, at, "%s %u has unknown limit flags 0x%x", what, index,
                       (unsigned)l->flags);
    if (l->flags & KILN_LIMITS_IS64)
        return kiln_error_set(c->err, KILN_ERR_UNSUPPORTED, at,
                              "%s %u is 64-bit (memory64/table64), which this runtime does not "
                              "support",
                              what, index);
    if (l->min > max_allowed || ((l->flags & KILN_LIMITS_HAS_MAX) && (l->max > max_allowed ||
                                                                      l->min > l->max)))
        return corrupt(c, section, at, "%s %u has limits min %llu max %llu (at most %llu)", what,
                       index, (unsigned long long)l->min, (unsigned long long)l->max,
                       (unsigned long long)max_allowed);
    return KILN_OK;
}

static kiln_status parse_code_header(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_CODE].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_CODE);
    m->exec_size = rd_u32(&r);
    m->image_size = rd_u32(&r);
    uint32_t align = rd_u32(&r);
    uint32_t reserved = rd_u32(&r);
    size_t header = c->sections[KILN_SEC_CODE].offset;
    if (r.failed)
        return corrupt(c, KILN_SEC_CODE, r.fail_at, "the code header runs past the section");
    if (reserved != 0)
        return corrupt(c, KILN_SEC_CODE, header + 12,
                       "the reserved field of the code header is 0x%08x, the format requires 0",
                       reserved);
    if (m->exec_size > m->image_size)
        return corrupt(c, KILN_SEC_CODE, header,
                       "exec_size %u exceeds image_size %u", m->exec_size, m->image_size);
    if (m->image_size != rd_left(&r))
        return corrupt(c, KILN_SEC_CODE, r.pos,
                       "image_size %u differs from the %zu bytes left in the section",
                       m->image_size, rd_left(&r));
    if (align == 0)
        return corrupt(c, KILN_SEC_CODE, header + 8u,
                       "image_align is 0: an image needs an alignment of at least 1 byte");
    if ((align & (align - 1u)) != 0 || align > os_page_size())
        return corrupt(c, KILN_SEC_CODE, header + 8u,
                       "image_align %u is not a power of two up to the page size %zu", align,
                       os_page_size());
    c->code_section_image = (uint32_t)r.pos;
    return KILN_OK;
}

static kiln_status check_code_offset(ld_ctx *c, uint32_t section, size_t at, uint32_t offset,
                                     const char *what, uint32_t index)
{
    if (offset == KILN_AOT_NONE || offset < c->m->exec_size)
        return KILN_OK;
    return corrupt(c, section, at, "%s %u: code offset %u is outside the code (%u bytes)", what,
                   index, offset, c->m->exec_size);
}

static kiln_status parse_types(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_TYPES].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_TYPES);
    uint32_t count = rd_u32(&r);
    kiln_status st = check_count(c, KILN_SEC_TYPES, &r, count, 16, "types");
    if (st != KILN_OK)
        return st;
    m->types = kiln_calloc(count, sizeof *m->types);
    m->type_ids = kiln_calloc(count, sizeof *m->type_ids);
    if (m->types == NULL || m->type_ids == NULL)
        return nomem(c, "types");
    m->type_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_type *t = &m->types[i];
        size_t at = r.pos;
        t->param_count = rd_u32(&r);
        t->result_count = rd_u32(&r);
        uint64_t n = (uint64_t)t->param_count + t->result_count;
        if (r.failed || n > rd_left(&r))
            return corrupt(c, KILN_SEC_TYPES, at,
                           "type %u declares %llu value types, more than the section holds", i,
                           (unsigned long long)n);
        t->kinds = kiln_alloc((size_t)n * sizeof *t->kinds);
        if (t->kinds == NULL)
            return nomem(c, "types");
        for (uint64_t k = 0; k < n; k++) {
            uint8_t v = rd_u8(&r);
            if (!valtype_ok(v))
                return corrupt(c, KILN_SEC_TYPES, r.pos - 1, "type %u has unknown value type 0x%02x",
                               i, (unsigned)v);
            t->kinds[k] = (kiln_valkind)v;
        }
        at = r.pos;
        t->entry_trampoline = rd_u32(&r);
        t->host_trampoline = rd_u32(&r);
        if (r.failed)
            return overrun(c, KILN_SEC_TYPES, &r, "type", i);
        st = check_code_offset(c, KILN_SEC_TYPES, at, t->entry_trampoline, "entry trampoline of type", i);
        if (st == KILN_OK)
            st = check_code_offset(c, KILN_SEC_TYPES, at + 4, t->host_trampoline, "host trampoline of type", i);
        if (st != KILN_OK)
            return st;
        st = ld_type_intern(t->kinds, t->param_count, t->result_count, &t->canonical_id, c->err);
        if (st != KILN_OK)
            return st;
        m->type_ids[i] = t->canonical_id;
    }
    return KILN_OK;
}

/* Reads a name. With out_len (exports) the name may contain NUL bytes, as
 * wasm allows, and its length is returned; without (imports, resolved by
 * C-string names through the linker) a NUL byte is refused. */
static kiln_status read_name(ld_ctx *c, uint32_t section, ld_reader *r, char **out,
                             uint32_t *out_len, const char *what, uint32_t index)
{
    uint32_t n = rd_u32(r);
    const uint8_t *p = rd_bytes(r, n);
    if (r->failed)
        return overrun(c, section, r, what, index);
    *out = dup_string(p, n);
    if (*out == NULL)
        return nomem(c, what);
    if (out_len != NULL) {
        *out_len = n;
        return KILN_OK;
    }
    if (memchr(p, 0, n) != NULL)
        return corrupt(c, section, (size_t)(p - c->bytes), "%s %u: the name contains a NUL byte",
                       what, index);
    return KILN_OK;
}

/* Imports: fills imports[] and counts each kind; the index spaces are
 * allocated later (parse_index_spaces), when defined counts are known. */
static kiln_status parse_imports(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_IMPORTS].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_IMPORTS);
    uint32_t count = rd_u32(&r);
    kiln_status st = check_count(c, KILN_SEC_IMPORTS, &r, count, 11, "imports");
    if (st != KILN_OK)
        return st;
    m->imports = kiln_calloc(count, sizeof *m->imports);
    if (m->imports == NULL)
        return nomem(c, "imports");
    m->import_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_import *im = &m->imports[i];
        st = read_name(c, KILN_SEC_IMPORTS, &r, &im->module_name, NULL, "import", i);
        if (st == KILN_OK)
            st = read_name(c, KILN_SEC_IMPORTS, &r, &im->field_name, NULL, "import", i);
        if (st != KILN_OK)
            return st;
        size_t at = r.pos;
        im->kind = rd_u8(&r);
        switch (im->kind) {
        case KILN_EXTERN_FUNC:
            im->type_index = rd_u32(&r);
            if (!r.failed && im->type_index >= m->type_count)
                return corrupt(c, KILN_SEC_IMPORTS, at + 1,
                               "import %u (%s.%s) uses type %u, the module has %u types", i,
                               im->module_name, im->field_name, im->type_index, m->type_count);
            m->func_import_count++;
            break;
        case KILN_EXTERN_TABLE:
            im->reftype = rd_u8(&r);
            if (!r.failed && !reftype_ok(im->reftype))
                return corrupt(c, KILN_SEC_IMPORTS, at + 1, "import %u: table of type 0x%02x", i,
                               (unsigned)im->reftype);
            st = read_limits(c, KILN_SEC_IMPORTS, &r, &im->limits, UINT32_MAX, "import", i);
            if (st != KILN_OK)
                return st;
            m->table_import_count++;
            break;
        case KILN_EXTERN_MEMORY:
            st = read_limits(c, KILN_SEC_IMPORTS, &r, &im->limits, 65536, "import", i);
            if (st != KILN_OK)
                return st;
            m->memory_import_count++;
            break;
        case KILN_EXTERN_GLOBAL:
            im->valtype = rd_u8(&r);
            im->is_mutable = rd_u8(&r) != 0;
            if (!r.failed && !valtype_ok(im->valtype))
                return corrupt(c, KILN_SEC_IMPORTS, at + 1, "import %u: global of type 0x%02x",
                               i, (unsigned)im->valtype);
            m->global_import_count++;
            break;
        default:
            if (r.failed)
                break;
            return corrupt(c, KILN_SEC_IMPORTS, at, "import %u has unknown kind %u", i,
                           (unsigned)im->kind);
        }
        if (r.failed)
            return overrun(c, KILN_SEC_IMPORTS, &r, "import", i);
    }
    return KILN_OK;
}

static kiln_status parse_funcs(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = section_reader(c, KILN_SEC_FUNCS);
    uint32_t imported = 0, defined = 0;
    if (c->sections[KILN_SEC_FUNCS].present) {
        imported = rd_u32(&r);
        defined = rd_u32(&r);
        kiln_status st = check_count(c, KILN_SEC_FUNCS, &r, defined, 12, "functions");
        if (st != KILN_OK)
            return st;
        if (imported != m->func_import_count)
            return corrupt(c, KILN_SEC_FUNCS, c->sections[KILN_SEC_FUNCS].offset,
                           "imported_count %u differs from the %u function imports", imported,
                           m->func_import_count);
    }
    m->func_count = m->func_import_count + defined;
    if (m->func_count < defined)
        return corrupt(c, KILN_SEC_FUNCS, c->sections[KILN_SEC_FUNCS].offset,
                       "too many functions");
    m->funcs = kiln_calloc(m->func_count, sizeof *m->funcs);
    if (m->funcs == NULL)
        return nomem(c, "functions");
    uint32_t f = 0;
    for (uint32_t i = 0; i < m->import_count; i++) {
        if (m->imports[i].kind != KILN_EXTERN_FUNC)
            continue;
        m->funcs[f].type_index = m->imports[i].type_index;
        m->funcs[f].code_offset = KILN_AOT_NONE;
        f++;
    }
    for (uint32_t i = 0; i < defined; i++) {
        ld_func *fn = &m->funcs[m->func_import_count + i];
        size_t at = r.pos;
        fn->type_index = rd_u32(&r);
        fn->code_offset = rd_u32(&r);
        fn->code_size = rd_u32(&r);
        if (r.failed)
            return overrun(c, KILN_SEC_FUNCS, &r, "function", i);
        if (fn->type_index >= m->type_count)
            return corrupt(c, KILN_SEC_FUNCS, at, "function %u uses type %u, the module has %u types",
                           m->func_import_count + i, fn->type_index, m->type_count);
        /* Bit 0 of a Thumb entry point is not part of the address. */
        if (fn->code_offset != KILN_AOT_NONE &&
            (uint64_t)(fn->code_offset & ~1u) + fn->code_size > m->exec_size)
            return corrupt(c, KILN_SEC_FUNCS, at + 4,
                           "function %u: code [%u, %llu) is outside the code (%u bytes)",
                           m->func_import_count + i, fn->code_offset,
                           (unsigned long long)fn->code_offset + fn->code_size, m->exec_size);
    }
    return KILN_OK;
}

static kiln_status parse_tables(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = section_reader(c, KILN_SEC_TABLES);
    uint32_t defined;
    kiln_status st = read_defined_count(c, KILN_SEC_TABLES, &r, 18, "tables", &defined);
    if (st != KILN_OK)
        return st;
    m->table_count = m->table_import_count + defined;
    m->tables = kiln_calloc(m->table_count, sizeof *m->tables);
    if (m->tables == NULL)
        return nomem(c, "tables");
    uint32_t t = 0;
    for (uint32_t i = 0; i < m->import_count; i++) {
        if (m->imports[i].kind != KILN_EXTERN_TABLE)
            continue;
        m->tables[t].reftype = m->imports[i].reftype;
        m->tables[t].limits = m->imports[i].limits;
        t++;
    }
    for (uint32_t i = 0; i < defined; i++) {
        ld_table *tb = &m->tables[m->table_import_count + i];
        size_t at = r.pos;
        tb->reftype = rd_u8(&r);
        if (!r.failed && !reftype_ok(tb->reftype))
            return corrupt(c, KILN_SEC_TABLES, at, "table %u has element type 0x%02x", i,
                           (unsigned)tb->reftype);
        st = read_limits(c, KILN_SEC_TABLES, &r, &tb->limits, UINT32_MAX, "table", i);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status parse_memories(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = section_reader(c, KILN_SEC_MEMORIES);
    uint32_t defined;
    kiln_status st = read_defined_count(c, KILN_SEC_MEMORIES, &r, 17, "memories", &defined);
    if (st != KILN_OK)
        return st;
    m->memory_count = m->memory_import_count + defined;
    m->memories = kiln_calloc(m->memory_count, sizeof *m->memories);
    if (m->memories == NULL)
        return nomem(c, "memories");
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->import_count; i++) {
        if (m->imports[i].kind == KILN_EXTERN_MEMORY)
            m->memories[k++] = m->imports[i].limits;
    }
    for (uint32_t i = 0; i < defined; i++) {
        st = read_limits(c, KILN_SEC_MEMORIES, &r,
                         &m->memories[m->memory_import_count + i], 65536, "memory", i);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status parse_globals(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = section_reader(c, KILN_SEC_GLOBALS);
    uint32_t defined;
    kiln_status st = read_defined_count(c, KILN_SEC_GLOBALS, &r, 3, "globals", &defined);
    if (st != KILN_OK)
        return st;
    m->global_count = m->global_import_count + defined;
    m->globals = kiln_calloc(m->global_count, sizeof *m->globals);
    if (m->globals == NULL)
        return nomem(c, "globals");
    uint32_t g = 0;
    for (uint32_t i = 0; i < m->import_count; i++) {
        if (m->imports[i].kind != KILN_EXTERN_GLOBAL)
            continue;
        m->globals[g].valtype = m->imports[i].valtype;
        m->globals[g].is_mutable = m->imports[i].is_mutable;
        g++;
    }
    for (uint32_t i = 0; i < defined; i++) {
        uint32_t index = m->global_import_count + i;
        ld_global *gl = &m->globals[index];
        size_t at = r.pos;
        gl->valtype = rd_u8(&r);
        gl->is_mutable = rd_u8(&r) != 0;
        if (r.failed)
            return overrun(c, KILN_SEC_GLOBALS, &r, "global", index);
        if (!valtype_ok(gl->valtype))
            return corrupt(c, KILN_SEC_GLOBALS, at, "global %u has unknown type 0x%02x", index,
                           (unsigned)gl->valtype);
        /* An initialiser reads imported or earlier globals only. */
        st = check_cexpr(c, KILN_SEC_GLOBALS, &r, gl->valtype, index, &gl->init);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static uint32_t index_space_size(const kiln_module *m, uint8_t kind)
{
    switch (kind) {
    case KILN_EXTERN_FUNC: return m->func_count;
    case KILN_EXTERN_TABLE: return m->table_count;
    case KILN_EXTERN_MEMORY: return m->memory_count;
    case KILN_EXTERN_GLOBAL: return m->global_count;
    default: return 0;
    }
}

/* A function the host calls (export, start) needs code and an entry
 * trampoline for its type. */
static kiln_status check_callable(ld_ctx *c, uint32_t section, size_t at, uint32_t func_index,
                                  const char *what)
{
    const kiln_module *m = c->m;
    const ld_func *f = &m->funcs[func_index];
    if (func_index >= m->func_import_count && f->code_offset == KILN_AOT_NONE)
        return corrupt(c, section, at, "%s: function %u has no code", what, func_index);
    if (m->types[f->type_index].entry_trampoline == KILN_AOT_NONE)
        return corrupt(c, section, at, "%s: type %u of function %u has no entry trampoline",
                       what, f->type_index, func_index);
    return KILN_OK;
}

static kiln_status parse_exports(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_EXPORTS].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_EXPORTS);
    uint32_t count = rd_u32(&r);
    kiln_status st = check_count(c, KILN_SEC_EXPORTS, &r, count, 9, "exports");
    if (st != KILN_OK)
        return st;
    m->exports = kiln_calloc(count, sizeof *m->exports);
    if (m->exports == NULL)
        return nomem(c, "exports");
    m->export_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_export *e = &m->exports[i];
        st = read_name(c, KILN_SEC_EXPORTS, &r, &e->name, &e->name_len, "export", i);
        if (st != KILN_OK)
            return st;
        size_t at = r.pos;
        e->kind = rd_u8(&r);
        e->index = rd_u32(&r);
        if (r.failed)
            return overrun(c, KILN_SEC_EXPORTS, &r, "export", i);
        if (e->kind > KILN_EXTERN_GLOBAL)
            return corrupt(c, KILN_SEC_EXPORTS, at, "export \"%s\" has unknown kind %u", e->name,
                           (unsigned)e->kind);
        if (e->index >= index_space_size(m, e->kind))
            return corrupt(c, KILN_SEC_EXPORTS, at + 1,
                           "export \"%s\" names %s %u, the module has %u", e->name,
                           ld_extern_kind_name(e->kind), e->index,
                           index_space_size(m, e->kind));
        if (e->kind == KILN_EXTERN_FUNC) {
            st = check_callable(c, KILN_SEC_EXPORTS, at + 1, e->index, "export");
            if (st != KILN_OK)
                return st;
        }
    }
    return KILN_OK;
}

static kiln_status parse_start(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_START].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_START);
    size_t at = r.pos;
    uint32_t index = rd_u32(&r);
    if (r.failed)
        return overrun(c, KILN_SEC_START, &r, "start function", 0);
    if (index >= m->func_count)
        return corrupt(c, KILN_SEC_START, at, "start function %u, the module has %u functions",
                       index, m->func_count);
    const ld_type *t = &m->types[m->funcs[index].type_index];
    if (t->param_count != 0 || t->result_count != 0)
        return corrupt(c, KILN_SEC_START, at,
                       "start function %u takes %u parameters and returns %u results, "
                       "expected none",
                       index, t->param_count, t->result_count);
    kiln_status st = check_callable(c, KILN_SEC_START, at, index, "start");
    if (st != KILN_OK)
        return st;
    m->has_start = true;
    m->start_func = index;
    return KILN_OK;
}

static kiln_status parse_elems(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_ELEMS].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_ELEMS);
    uint32_t count = rd_u32(&r);
    kiln_status st = check_count(c, KILN_SEC_ELEMS, &r, count, 10, "element segments");
    if (st != KILN_OK)
        return st;
    m->elems = kiln_calloc(count, sizeof *m->elems);
    if (m->elems == NULL)
        return nomem(c, "element segments");
    m->elem_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_elem *e = &m->elems[i];
        size_t at = r.pos;
        e->mode = rd_u8(&r);
        e->reftype = rd_u8(&r);
        e->table_index = rd_u32(&r);
        if (r.failed)
            return overrun(c, KILN_SEC_ELEMS, &r, "element segment", i);
        if (e->mode > KILN_SEGMENT_DECLARATIVE || !reftype_ok(e->reftype))
            return corrupt(c, KILN_SEC_ELEMS, at, "element segment %u has mode %u, type 0x%02x",
                           i, (unsigned)e->mode, (unsigned)e->reftype);
        if (e->mode == KILN_SEGMENT_ACTIVE) {
            if (e->table_index >= m->table_count)
                return corrupt(c, KILN_SEC_ELEMS, at + 2,
                               "element segment %u targets table %u, the module has %u", i,
                               e->table_index, m->table_count);
            if (m->tables[e->table_index].reftype != e->reftype)
                return corrupt(c, KILN_SEC_ELEMS, at + 1,
                               "element segment %u of %s targets a table of %s", i,
                               ld_valtype_name(e->reftype),
                               ld_valtype_name(m->tables[e->table_index].reftype));
            st = check_cexpr(c, KILN_SEC_ELEMS, &r, KILN_I32, m->global_count, &e->offset);
            if (st != KILN_OK)
                return st;
        }
        e->item_count = rd_u32(&r);
        st = check_count(c, KILN_SEC_ELEMS, &r, e->item_count, 2, "element items");
        if (st != KILN_OK)
            return st;
        e->items = kiln_calloc(e->item_count, sizeof *e->items);
        if (e->items == NULL)
            return nomem(c, "element segments");
        for (uint32_t k = 0; k < e->item_count; k++) {
            st = check_cexpr(c, KILN_SEC_ELEMS, &r, e->reftype, m->global_count, &e->items[k]);
            if (st != KILN_OK)
                return st;
        }
    }
    return KILN_OK;
}

static kiln_status parse_data(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_DATA].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_DATA);
    uint32_t count = rd_u32(&r);
    kiln_status st = check_count(c, KILN_SEC_DATA, &r, count, 9, "data segments");
    if (st != KILN_OK)
        return st;
    m->datas = kiln_calloc(count, sizeof *m->datas);
    if (m->datas == NULL)
        return nomem(c, "data segments");
    m->data_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_data *d = &m->datas[i];
        size_t at = r.pos;
        d->mode = rd_u8(&r);
        d->memory_index = rd_u32(&r);
        if (r.failed)
            return overrun(c, KILN_SEC_DATA, &r, "data segment", i);
        if (d->mode > KILN_SEGMENT_PASSIVE)
            return corrupt(c, KILN_SEC_DATA, at, "data segment %u has mode %u", i,
                           (unsigned)d->mode);
        if (d->mode == KILN_SEGMENT_ACTIVE) {
            if (d->memory_index >= m->memory_count)
                return corrupt(c, KILN_SEC_DATA, at + 1,
                               "data segment %u targets memory %u, the module has %u", i,
                               d->memory_index, m->memory_count);
            st = check_cexpr(c, KILN_SEC_DATA, &r, KILN_I32, m->global_count, &d->offset);
            if (st != KILN_OK)
                return st;
        }
        d->size = rd_u32(&r);
        d->bytes = rd_bytes(&r, d->size);
        if (r.failed)
            return overrun(c, KILN_SEC_DATA, &r, "data segment", i);
    }
    return KILN_OK;
}

static kiln_status parse_layout(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_LAYOUT].present)
        return corrupt(c, 0, KILN_AOT_OFF_SECTION_TABLE, "the LAYOUT section is missing");
    ld_reader r = section_reader(c, KILN_SEC_LAYOUT);
    kiln_vmctx_layout got;
    got.size = rd_u32(&r);
    got.func_imports = rd_u32(&r);
    got.memories = rd_u32(&r);
    got.tables = rd_u32(&r);
    got.globals = rd_u32(&r);
    if (r.failed)
        return overrun(c, KILN_SEC_LAYOUT, &r, "layout", 0);
    kiln_vmctx_layout want = kiln_vmctx_layout_compute((uint32_t)sizeof(void *),
                                                       m->func_import_count, m->memory_count,
                                                       m->table_count, m->global_count);
    if (got.size != want.size || got.func_imports != want.func_imports ||
        got.memories != want.memories || got.tables != want.tables ||
        got.globals != want.globals)
        return corrupt(c, KILN_SEC_LAYOUT, c->sections[KILN_SEC_LAYOUT].offset,
                       "vmctx layout {size %u, func_imports %u, memories %u, tables %u, "
                       "globals %u} differs from this runtime's {size %u, func_imports %u, "
                       "memories %u, tables %u, globals %u}",
                       got.size, got.func_imports, got.memories, got.tables, got.globals,
                       want.size, want.func_imports, want.memories, want.tables, want.globals);
    m->layout = want;
    return KILN_OK;
}

static kiln_status parse_symbols(ld_ctx *c)
{
    if (!c->sections[KILN_SEC_SYMBOLS].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_SYMBOLS);
    uint32_t count = rd_u32(&r);
    kiln_status st = check_count(c, KILN_SEC_SYMBOLS, &r, count, 4, "symbols");
    if (st != KILN_OK)
        return st;
    c->symbol_names = kiln_calloc(count, sizeof *c->symbol_names);
    c->symbol_sizes = kiln_calloc(count, sizeof *c->symbol_sizes);
    if (c->symbol_names == NULL || c->symbol_sizes == NULL)
        return nomem(c, "symbols");
    c->symbol_count = count;
    for (uint32_t i = 0; i < count; i++) {
        c->symbol_sizes[i] = rd_u32(&r);
        c->symbol_names[i] = rd_bytes(&r, c->symbol_sizes[i]);
        if (r.failed)
            return overrun(c, KILN_SEC_SYMBOLS, &r, "symbol", i);
    }
    return KILN_OK;
}

/* Validates every relocation before any is applied. */
static kiln_status check_relocs(ld_ctx *c)
{
    const kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_RELOCS].present)
        return KILN_OK;
    ld_reader r = section_reader(c, KILN_SEC_RELOCS);
    uint32_t count = rd_u32(&r);
    kiln_status st = check_count(c, KILN_SEC_RELOCS, &r, count, KILN_AOT_RELOC_ENTRY_SIZE,
                                 "relocations");
    if (st != KILN_OK)
        return st;
    if (count != 0 && !c->sections[KILN_SEC_CODE].present)
        return corrupt(c, KILN_SEC_RELOCS, r.pos, "relocations without a CODE section");
    for (uint32_t i = 0; i < count; i++) {
        size_t at = r.pos;
        uint32_t offset = rd_u32(&r);
        uint8_t kind = rd_u8(&r);
        const uint8_t *reserved = rd_bytes(&r, 3);
        uint32_t symbol = rd_u32(&r);
        rd_u64(&r);
        if (r.failed)
            return overrun(c, KILN_SEC_RELOCS, &r, "relocation", i);
        uint32_t field = rel_field_size(kind);
        if (field == 0)
            return corrupt(c, KILN_SEC_RELOCS, at + 4, "relocation %u has unknown kind %u", i,
                           (unsigned)kind);
        if (reserved[0] != 0 || reserved[1] != 0 || reserved[2] != 0)
            return corrupt(c, KILN_SEC_RELOCS, at + 5,
                           "relocation %u has reserved bytes %02x %02x %02x, the format "
                           "requires 0",
                           i, (unsigned)reserved[0], (unsigned)reserved[1],
                           (unsigned)reserved[2]);
        if ((uint64_t)offset + field > m->image_size)
            return corrupt(c, KILN_SEC_RELOCS, at,
                           "relocation %u patches [%u, %llu), outside the image (%u bytes)", i,
                           offset, (unsigned long long)offset + field, m->image_size);
        /* Code is mapped from the file and shared; a patched instruction
         * would also defeat the W^X argument: only data is relocated. */
        if (offset < m->exec_size)
            return corrupt(c, KILN_SEC_RELOCS, at,
                           "relocation %u patches [%u, %llu), inside the executable part of "
                           "the image [0, %u): relocations may patch only data",
                           i, offset, (unsigned long long)offset + field, m->exec_size);
        if (symbol != KILN_RELOC_SYM_IMAGE && symbol >= c->symbol_count)
            return corrupt(c, KILN_SEC_RELOCS, at + 8,
                           "relocation %u names symbol %u, the module has %u symbols", i,
                           symbol, c->symbol_count);
    }
    return KILN_OK;
}

/* Applies every relocation to the image at base (writable). Each writes its
 * field from S, A and P alone, so applying them again is harmless. */
static kiln_status relocate(ld_ctx *c, uint8_t *base, void *const *symbol_addresses)
{
    ld_reader r = section_reader(c, KILN_SEC_RELOCS);
    uint32_t count = c->sections[KILN_SEC_RELOCS].present ? rd_u32(&r) : 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t offset = rd_u32(&r);
        uint8_t kind = rd_u8(&r);
        rd_bytes(&r, 3);
        uint32_t symbol = rd_u32(&r);
        int64_t addend = (int64_t)rd_u64(&r);
        bool external = symbol != KILN_RELOC_SYM_IMAGE;
        uint64_t s = external ? (uint64_t)(uintptr_t)symbol_addresses[symbol]
                              : (uint64_t)(uintptr_t)base;
        kiln_status st = rel_apply(base, offset, kind, s, addend,
                                   external ? (const char *)c->symbol_names[symbol] : NULL,
                                   external ? c->symbol_sizes[symbol] : 0, c->err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

/* The image's pages: its size rounded up to whole pages. */
static size_t image_map_size(const kiln_module *m)
{
    size_t page = os_page_size();
    return ((size_t)m->image_size + page - 1) & ~(page - 1);
}

/* Zero-copy: when the file is mapped privately and the writer put the
 * image on a page boundary (format 2 does for large images), the image
 * pages of that mapping become the code. Relocations only write GOT slots
 * and .data.rel.ro, so only those pages are copied (copy-on-write); the
 * rest stay shared with the page cache. False (nothing changed but
 * relocated bytes) when the mapping cannot be made executable, e.g. on a
 * noexec mount: the caller then copies. */
static bool map_code_in_place(ld_ctx *c, void *const *symbol_addresses, kiln_status *st)
{
    kiln_module *m = c->m;
    size_t map_size = image_map_size(m);
    if (!c->mapped || c->code_section_image % os_page_size() != 0)
        return false;
    uint8_t *base = (uint8_t *)c->bytes + c->code_section_image;
    if (!os_protect(base, map_size, OS_PROT_READ_WRITE))
        return false;
    *st = relocate(c, base, symbol_addresses);
    if (*st == KILN_OK && os_protect(base, map_size, OS_PROT_READ_EXEC)) {
        m->code_base = base;
        m->code_map_size = map_size;
        m->code_in_file = true;
        return true;
    }
    os_protect(base, map_size, OS_PROT_READ);
    return *st != KILN_OK; /* a relocation failed: done; not executable: copy */
}

/* Copies the image into its own mapping, relocates it, then makes it
 * read+execute. */
static kiln_status map_code_copy(ld_ctx *c, void *const *symbol_addresses)
{
    kiln_module *m = c->m;
    size_t map_size = image_map_size(m);
    uint8_t *base = os_map_rw(map_size);
    if (base == NULL)
        return kiln_error_set(c->err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "cannot map %zu bytes for the module's code", map_size);
    m->code_base = base;
    m->code_map_size = map_size;
    memcpy(base, c->bytes + c->code_section_image, m->image_size);
    kiln_status st = relocate(c, base, symbol_addresses);
    if (st != KILN_OK)
        return st;
    if (!os_protect(base, map_size, OS_PROT_READ_EXEC))
        return kiln_error_set(c->err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "cannot make the module's code executable");
    return KILN_OK;
}

/* Maps the image (in place or copied), relocated and read+execute, and
 * registers it with the fault handler. */
static kiln_status map_code(ld_ctx *c, void *const *symbol_addresses)
{
    kiln_module *m = c->m;
    if (m->image_size == 0)
        return KILN_OK;
    kiln_status st = KILN_OK;
    if (!map_code_in_place(c, symbol_addresses, &st))
        st = map_code_copy(c, symbol_addresses);
    if (st != KILN_OK)
        return st;
    /* The code was written through the data side (copied, or relocated in
     * place): instruction caches that do not snoop (aarch64, riscv64) must
     * see it before it runs. */
    os_flush_icache(m->code_base, m->image_size);
    m->code_range = trap_range_register((uintptr_t)m->code_base,
                                        (uintptr_t)m->code_base + m->code_map_size,
                                        TRAP_RANGE_CODE);
    if (m->code_range == NULL)
        return nomem(c, "code registration");
    return KILN_OK;
}

static kiln_status link_and_map(ld_ctx *c)
{
    kiln_status st = check_relocs(c);
    if (st != KILN_OK)
        return st;
    void **addresses = kiln_calloc(c->symbol_count, sizeof *addresses);
    if (addresses == NULL)
        return nomem(c, "symbols");
    for (uint32_t i = 0; i < c->symbol_count; i++) {
        addresses[i] = ld_symbol_resolve((const char *)c->symbol_names[i], c->symbol_sizes[i]);
        if (addresses[i] == NULL) {
            int n = (int)(c->symbol_sizes[i] > 200 ? 200 : c->symbol_sizes[i]);
            st = kiln_error_set(c->err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                "unresolved symbol %.*s: the code references it, and it is not "
                                "one of the libcalls this runtime provides (memcpy, memmove, "
                                "memset, fmod, ceil, floor, trunc, nearbyint, rint, roundeven, "
                                "sqrt, fmin, fmax and their f variants; on 32-bit Arm the "
                                "EABI's __aeabi_* helpers)",
                                n, (const char *)c->symbol_names[i]);
            goto out;
        }
    }
    st = map_code(c, addresses);
out:
    kiln_free(addresses);
    return st;
}

/* ---- module lifetime ----------------------------------------------------------------- */

static void module_destroy(kiln_module *m, bool free_bytes)
{
    if (m == NULL)
        return;
    trap_range_unregister(m->code_range);
    bt_map_free(m->backtrace);
    if (!m->code_in_file) /* else it goes with the file mapping below */
        os_release(m->code_base, m->code_map_size);
    for (uint32_t i = 0; i < m->type_count; i++)
        kiln_free(m->types[i].kinds);
    kiln_free(m->types);
    kiln_free(m->type_ids);
    for (uint32_t i = 0; i < m->import_count; i++) {
        kiln_free(m->imports[i].module_name);
        kiln_free(m->imports[i].field_name);
    }
    kiln_free(m->imports);
    kiln_free(m->funcs);
    kiln_free(m->tables);
    kiln_free(m->memories);
    kiln_free(m->globals);
    for (uint32_t i = 0; i < m->export_count; i++)
        kiln_free(m->exports[i].name);
    kiln_free(m->exports);
    for (uint32_t i = 0; i < m->elem_count; i++)
        kiln_free(m->elems[i].items);
    kiln_free(m->elems);
    kiln_free(m->datas);
    if (free_bytes) {
        if (m->bytes_mapped)
            os_release((void *)m->bytes, m->size);
        else
            kiln_free((void *)m->bytes);
    }
    kiln_free(m);
}

kiln_status ld_module_parse(const uint8_t *bytes, size_t size, bool mapped,
                            kiln_module **out, kiln_error *err)
{
    ld_ctx c;
    memset(&c, 0, sizeof c);
    c.bytes = bytes;
    c.size = size;
    c.err = err;
    c.mapped = mapped;
    kiln_status st = check_header(&c, size);
    if (st != KILN_OK)
        return st;
    c.m = kiln_calloc(1, sizeof *c.m);
    if (c.m == NULL)
        return nomem(&c, "module");
    st = parse_code_header(&c);
    if (st == KILN_OK)
        st = parse_types(&c);
    if (st == KILN_OK)
        st = parse_imports(&c);
    if (st == KILN_OK)
        st = parse_funcs(&c);
    if (st == KILN_OK)
        st = parse_tables(&c);
    if (st == KILN_OK)
        st = parse_memories(&c);
    if (st == KILN_OK)
        st = parse_globals(&c);
    if (st == KILN_OK)
        st = parse_exports(&c);
    if (st == KILN_OK)
        st = parse_start(&c);
    if (st == KILN_OK)
        st = parse_elems(&c);
    if (st == KILN_OK)
        st = parse_data(&c);
    if (st == KILN_OK)
        st = parse_layout(&c);
    if (st == KILN_OK)
        st = parse_symbols(&c);
    if (st == KILN_OK)
        st = link_and_map(&c);
    if (st == KILN_OK) {
        const ld_section *names = &c.sections[KILN_SEC_NAMES];
        st = bt_map_new(c.m, names->present ? bytes + names->offset : NULL,
                        names->present ? names->size : 0, names->offset, &c.m->backtrace, err);
    }
    kiln_free(c.symbol_names);
    kiln_free(c.symbol_sizes);
    if (st != KILN_OK) {
        module_destroy(c.m, false);
        return st;
    }
    c.m->bytes = bytes;
    c.m->size = size;
    c.m->bytes_mapped = mapped;
    *out = c.m;
    return KILN_OK;
}

/* ---- public API ------------------------------------------------------------------------ */

kiln_status kiln_module_load(const void *bytes, size_t size, kiln_module **out, kiln_error *err)
{
    if (bytes == NULL && size != 0)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load: bytes is NULL but size is %zu", size);
    if (out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load: out is NULL");
    /* The module keeps cexprs and data segments in place, so it needs its
     * own copy: the caller may free bytes as soon as this returns. */
    uint8_t *copy = kiln_alloc(size);
    if (copy == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory copying a %zu-byte container", size);
    if (size != 0)
        memcpy(copy, bytes, size);
    kiln_status st = ld_module_parse(copy, size, false, out, err);
    if (st != KILN_OK)
        kiln_free(copy);
    return st;
}

kiln_status kiln_module_load_file(const char *path, kiln_module **out, kiln_error *err)
{
    if (path == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load_file: path or out is NULL");
    void *base = NULL;
    size_t size = 0;
    int error_number = 0;
    if (!os_map_file(path, &base, &size, &error_number))
        return kiln_error_set(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot read %s: %s", path,
                              strerror(error_number));
    static const uint8_t empty[1] = {0};
    kiln_status st = ld_module_parse(base != NULL ? base : empty, size, base != NULL, out, err);
    if (st != KILN_OK)
        os_release(base, size);
    return st;
}

void kiln_module_free(kiln_module *module)
{
    module_destroy(module, true);
}

const ld_export *ld_find_export_n(const kiln_module *module, const char *name, size_t name_len)
{
    for (uint32_t i = 0; i < module->export_count; i++) {
        const ld_export *e = &module->exports[i];
        if (e->name_len == name_len && memcmp(e->name, name, name_len) == 0)
            return e;
    }
    return NULL;
}

const ld_export *ld_find_export(const kiln_module *module, const char *name)
{
    return ld_find_export_n(module, name, strlen(name));
}

kiln_status kiln_module_export_func_type(const kiln_module *module, const char *name,
                                         kiln_func_type *out, kiln_error *err)
{
    if (module == NULL || name == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_export_func_type: NULL argument");
    const ld_export *e = ld_find_export(module, name);
    if (e == NULL)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "the module has no export named \"%s\"", name);
    if (e->kind != KILN_EXTERN_FUNC)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "export \"%s\" is a %s, not a function", name,
                              ld_extern_kind_name(e->kind));
    const ld_type *t = &module->types[module->funcs[e->index].type_index];
    out->param_count = t->param_count;
    out->result_count = t->result_count;
    out->params = t->kinds;
    out->results = t->kinds + t->param_count;
    return KILN_OK;
}

size_t kiln_module_export_count(const kiln_module *module)
{
    return module == NULL ? 0 : module->export_count;
}

const char *kiln_module_export_name(const kiln_module *module, size_t index)
{
    if (module == NULL || index >= module->export_count)
        return NULL;
    return module->exports[index].name;
}

kiln_extern_kind kiln_module_export_kind(const kiln_module *module, size_t index)
{
    if (module == NULL || index >= module->export_count)
        return KILN_EXTERN_FUNC;
    return (kiln_extern_kind)module->exports[index].kind;
}

size_t kiln_module_import_count(const kiln_module *module)
{
    return module == NULL ? 0 : module->import_count;
}

const char *kiln_module_name(const kiln_module *module)
{
    return module != NULL ? bt_map_module_name(module->backtrace) : NULL;
}

const char *kiln_runtime_target(void)
{
    return arch_host_triple();
}
