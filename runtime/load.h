/*
 * The container loader's internal interface (ld_), shared by its files:
 *
 *   loader.c        the order of the stages, module lifetime, kiln_module_load*
 *   load_reader.c   error messages, section readers, counts, names, limits
 *   load_cexpr.c    constant expressions
 *   load_decls.c    TYPES, IMPORTS, FUNCS, TABLES, MEMORIES, GLOBALS, EXPORTS, START
 *   load_segments.c ELEMS, DATA
 *   load_code.c     CODE header, LAYOUT, SYMBOLS, RELOCS, mapping the code
 *
 * Every read goes through a bounded reader (ld_reader) whose end is the end
 * of the section, so no input can make the loader read outside the buffer;
 * counts are checked against the bytes left before anything is allocated
 * for them. Every ld_parse_* stage reads one section into ctx->m (or ctx)
 * and returns the first problem's status with its message in ctx->err.
 */
#ifndef KILN_RT_LOAD_H
#define KILN_RT_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "kiln_common.h"
#include "module.h"
#include "names.h"

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

static inline bool rd_take(ld_reader *r, size_t n)
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

static inline uint8_t rd_u8(ld_reader *r)
{
    if (!rd_take(r, 1))
        return 0;
    return r->bytes[r->pos++];
}

static inline uint32_t rd_u32(ld_reader *r)
{
    if (!rd_take(r, 4))
        return 0;
    uint32_t v = kiln_read_u32le(r->bytes + r->pos);
    r->pos += 4;
    return v;
}

static inline uint64_t rd_u64(ld_reader *r)
{
    if (!rd_take(r, 8))
        return 0;
    uint64_t v = kiln_read_u64le(r->bytes + r->pos);
    r->pos += 8;
    return v;
}

/* Returns a pointer to n bytes (NULL on failure). */
static inline const uint8_t *rd_bytes(ld_reader *r, size_t n)
{
    if (!rd_take(r, n))
        return NULL;
    const uint8_t *p = r->bytes + r->pos;
    r->pos += n;
    return p;
}

static inline size_t rd_left(const ld_reader *r)
{
    return r->failed ? 0 : r->end - r->pos;
}

/* ---- load context ------------------------------------------------------------- */

typedef struct ld_ctx {
    const uint8_t *bytes;
    size_t size; /* the container's file_size (<= buffer size) */
    kiln_module *m;
    kiln_error *err;
    ld_section sections[KILN_SEC_MAX_ID + 1];
    uint32_t code_section_image; /* file offset of the code image */
    bool mapped; /* bytes are a private read-only mapping of the whole file */
    bool is_static; /* bytes are the caller's, never written (kiln_module_load_static) */
    const struct kiln_linked_code *linked; /* kiln_module_load_linked: the code, else NULL */
    bool code_shared; /* a bundle member: m's code fields are the bundle's */
    const uint8_t **symbol_names;
    uint32_t *symbol_sizes;
    uint32_t symbol_count;
    uint32_t reloc_count; /* checked by check_relocs */
} ld_ctx;

/* "corrupt container: section X at offset N: detail". Section 0 is the
 * header and section table. */
kiln_status ld_corrupt(ld_ctx *c, uint32_t section, size_t offset, const char *fmt, ...)
    KILN_PRINTF(4, 5);
/* The reader of a failed record: name what ran past the end. */
kiln_status ld_overrun(ld_ctx *c, uint32_t section, const ld_reader *r, const char *what,
                       uint32_t index);
/* KILN_ERR_NOMEM naming what was being loaded. */
kiln_status ld_nomem(ld_ctx *c, const char *what);
/* A reader over section id (empty when the section is absent). */
ld_reader ld_section_reader(const ld_ctx *c, uint32_t id);
/* Checks count records of at least min_size bytes can fit in what is left. */
kiln_status ld_check_count(ld_ctx *c, uint32_t section, const ld_reader *r, uint32_t count,
                           size_t min_size, const char *what);
/* The count of defined items that opens an optional section (0 when the
 * section is absent), checked against the bytes left at min_size each. */
kiln_status ld_read_defined_count(ld_ctx *c, uint32_t section, ld_reader *r, size_t min_size,
                                  const char *what, uint32_t *count);
/* Reads a name into a heap copy (see load_reader.c for NUL bytes). */
kiln_status ld_read_name(ld_ctx *c, uint32_t section, ld_reader *r, char **out,
                         uint32_t *out_len, const char *what, uint32_t index);
/* Reads table or memory limits, at most max_allowed. */
kiln_status ld_read_limits(ld_ctx *c, uint32_t section, ld_reader *r, ld_limits *l,
                           uint64_t max_allowed, const char *what, uint32_t index);

static inline bool ld_valtype_ok(uint8_t v)
{
    return v == KILN_I32 || v == KILN_I64 || v == KILN_F32 || v == KILN_F64 || v == KILN_V128 ||
           v == KILN_FUNCREF || v == KILN_EXTERNREF;
}

static inline bool ld_reftype_ok(uint8_t v)
{
    return v == KILN_FUNCREF || v == KILN_EXTERNREF;
}

/* Validates the cexpr at r (typed stack, indices in range) and leaves r
 * after its END; *out points at its first byte. global_limit: globals
 * [0, global_limit) may be read. */
kiln_status ld_check_cexpr(ld_ctx *c, uint32_t section, ld_reader *r, uint8_t expected,
                           uint32_t global_limit, const uint8_t **out);

/* A code offset (KILN_AOT_NONE or inside the executable part), for what
 * `what` `index` names. */
kiln_status ld_check_code_offset(ld_ctx *c, uint32_t section, size_t at, uint32_t offset,
                                 const char *what, uint32_t index);

/* ---- the stages, in the order ld_module_parse runs them ------------------------ */

kiln_status ld_parse_code_header(ld_ctx *c);
kiln_status ld_parse_types(ld_ctx *c);
kiln_status ld_parse_imports(ld_ctx *c);
kiln_status ld_parse_funcs(ld_ctx *c);
kiln_status ld_parse_tables(ld_ctx *c);
kiln_status ld_parse_memories(ld_ctx *c);
kiln_status ld_parse_globals(ld_ctx *c);
kiln_status ld_parse_exports(ld_ctx *c);
kiln_status ld_parse_start(ld_ctx *c);
kiln_status ld_parse_elems(ld_ctx *c);
kiln_status ld_parse_data(ld_ctx *c);
kiln_status ld_parse_layout(ld_ctx *c);
kiln_status ld_parse_symbols(ld_ctx *c);
/* Checks the relocations, resolves the symbols, maps the code read+execute
 * and registers it with the fault handler; for a linked module, checks its
 * record against the container and registers the code where it lies. */
kiln_status ld_link_and_map(ld_ctx *c);

/* A module's stages after the CODE header (loader.c): TYPES to LAYOUT,
 * then, unless it is a bundle member (code_shared), SYMBOLS and the
 * mapping, then the backtrace map. */
kiln_status ld_parse_stages(ld_ctx *c);
/* A bundle container (load_bundle.c): maps the one image, parses every
 * member and the pre-linked imports; *out is the main module, which owns
 * bytes (as bytes_kind says) and the bundle. */
kiln_status ld_parse_bundle(ld_ctx *c, ld_bytes_kind bytes_kind, kiln_module **out);
/* Frees a bundle with its members and image (not the main module). */
void ld_bundle_free(ld_bundle *b);
/* Frees a module's parts; its bytes too when free_bytes (loader.c). */
void ld_module_destroy(kiln_module *m, bool free_bytes);

#endif /* KILN_RT_LOAD_H */
