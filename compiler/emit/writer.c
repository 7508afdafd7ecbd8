/*
 * Container writer: lays out header, section table and section payloads of
 * a kiln container (include/kiln/aot_format.h) in one growable buffer.
 *
 * Order of work: header with its strings, a zeroed section table, then each
 * payload (8-aligned, in section-id order) while recording its offset and
 * size, then the table and the header's size fields are patched, and the
 * checksum is computed last over the finished bytes.
 *
 * Invariants: every section id appears at most once; START is written only
 * when the module has a start function; every other section is always
 * present (possibly with a zero count) so a reader needs no defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_common.h"
#include "writer.h"

/* ---- buffer ----------------------------------------------------------------- */

void wr_buf_init(wr_buf *buf)
{
    memset(buf, 0, sizeof *buf);
}

void wr_buf_free(wr_buf *buf)
{
    free(buf->data);
    memset(buf, 0, sizeof *buf);
}

static bool reserve(wr_buf *buf, size_t more)
{
    if (buf->failed)
        return false;
    if (more <= buf->capacity - buf->size)
        return true;
    size_t cap = buf->capacity ? buf->capacity : 256;
    while (cap - buf->size < more) {
        if (cap > SIZE_MAX / 2) {
            buf->failed = true;
            return false;
        }
        cap *= 2;
    }
    uint8_t *grown = realloc(buf->data, cap);
    if (grown == NULL) {
        buf->failed = true;
        return false;
    }
    buf->data = grown;
    buf->capacity = cap;
    return true;
}

void wr_bytes(wr_buf *buf, const void *bytes, size_t size)
{
    if (size == 0 || !reserve(buf, size))
        return;
    memcpy(buf->data + buf->size, bytes, size);
    buf->size += size;
}

void wr_u8(wr_buf *buf, uint8_t v)
{
    wr_bytes(buf, &v, 1);
}

void wr_u32(wr_buf *buf, uint32_t v)
{
    uint8_t b[4];
    kiln_write_u32le(b, v);
    wr_bytes(buf, b, 4);
}

void wr_u64(wr_buf *buf, uint64_t v)
{
    uint8_t b[8];
    kiln_write_u64le(b, v);
    wr_bytes(buf, b, 8);
}

void wr_str(wr_buf *buf, const char *s, size_t size)
{
    wr_u32(buf, (uint32_t)size);
    wr_bytes(buf, s, size);
}

void wr_align(wr_buf *buf, size_t align)
{
    wr_align_phase(buf, align, 0);
}

void wr_align_phase(wr_buf *buf, size_t align, size_t phase)
{
    static const uint8_t zeros[64];
    size_t pad = (align + phase - (buf->size & (align - 1))) & (align - 1);
    while (pad > 0) {
        size_t n = pad < sizeof zeros ? pad : sizeof zeros;
        wr_bytes(buf, zeros, n);
        pad -= n;
    }
}

/* ---- pieces ------------------------------------------------------------------ */

static void write_name(wr_buf *buf, const wasm_name *name)
{
    wr_str(buf, name->bytes != NULL ? name->bytes : "", name->bytes != NULL ? name->size : 0);
}

static void write_limits(wr_buf *buf, const wasm_limits *l)
{
    uint8_t flags = 0;
    if (l->has_max)
        flags |= KILN_LIMITS_HAS_MAX;
    if (l->shared)
        flags |= KILN_LIMITS_SHARED;
    if (l->is64)
        flags |= KILN_LIMITS_IS64;
    wr_u8(buf, flags);
    wr_u64(buf, l->min);
    wr_u64(buf, l->has_max ? l->max : 0);
}

/* A constant expression in the normalised KILN_CEXPR_* encoding. */
static kiln_status write_cexpr(wr_buf *buf, const wasm_expr *expr, kiln_error *err)
{
    for (uint32_t i = 0; i < expr->count; i++) {
        const wasm_instr *in = &expr->code[i];
        switch ((wasm_op)in->op) {
        case WASM_OP_END:
            wr_u8(buf, KILN_CEXPR_END);
            return KILN_OK;
        case WASM_OP_I32_CONST:
            wr_u8(buf, KILN_CEXPR_I32_CONST);
            wr_u32(buf, (uint32_t)in->imm.i32);
            break;
        case WASM_OP_I64_CONST:
            wr_u8(buf, KILN_CEXPR_I64_CONST);
            wr_u64(buf, (uint64_t)in->imm.i64);
            break;
        case WASM_OP_F32_CONST:
            wr_u8(buf, KILN_CEXPR_F32_CONST);
            wr_u32(buf, in->imm.f32_bits);
            break;
        case WASM_OP_F64_CONST:
            wr_u8(buf, KILN_CEXPR_F64_CONST);
            wr_u64(buf, in->imm.f64_bits);
            break;
        case WASM_OP_V128_CONST:
            wr_u8(buf, KILN_CEXPR_V128_CONST);
            wr_bytes(buf, in->imm.v128, 16);
            break;
        case WASM_OP_GLOBAL_GET:
            wr_u8(buf, KILN_CEXPR_GLOBAL_GET);
            wr_u32(buf, in->imm.index);
            break;
        case WASM_OP_REF_NULL:
            wr_u8(buf, KILN_CEXPR_REF_NULL);
            wr_u8(buf, in->imm.reftype);
            break;
        case WASM_OP_REF_FUNC:
            wr_u8(buf, KILN_CEXPR_REF_FUNC);
            wr_u32(buf, in->imm.index);
            break;
        case WASM_OP_I32_ADD: wr_u8(buf, KILN_CEXPR_I32_ADD); break;
        case WASM_OP_I32_SUB: wr_u8(buf, KILN_CEXPR_I32_SUB); break;
        case WASM_OP_I32_MUL: wr_u8(buf, KILN_CEXPR_I32_MUL); break;
        case WASM_OP_I64_ADD: wr_u8(buf, KILN_CEXPR_I64_ADD); break;
        case WASM_OP_I64_SUB: wr_u8(buf, KILN_CEXPR_I64_SUB); break;
        case WASM_OP_I64_MUL: wr_u8(buf, KILN_CEXPR_I64_MUL); break;
        default:
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, in->offset,
                                  "constant expression instruction %s has no container "
                                  "encoding",
                                  wasm_op_name((wasm_op)in->op));
        }
    }
    /* The decoder guarantees a final end; an expression without one (e.g.
     * built by hand) still gets its terminator. */
    wr_u8(buf, KILN_CEXPR_END);
    return KILN_OK;
}

/* ---- sections ------------------------------------------------------------------ */

static uint32_t symbol_offset(const emit_image *image, const char *prefix, uint32_t index,
                              uint32_t *size)
{
    char name[48];
    snprintf(name, sizeof name, "%s%u", prefix, index);
    const emit_symbol *s = emit_image_find(image, name);
    if (size != NULL)
        *size = s != NULL ? s->size : 0;
    return s != NULL ? s->offset : KILN_AOT_NONE;
}

static kiln_status write_types(wr_buf *b, const wasm_module *m, const emit_image *img,
                               kiln_error *err)
{
    (void)err;
    wr_u32(b, m->type_count);
    for (uint32_t t = 0; t < m->type_count; t++) {
        const wasm_functype *ft = &m->types[t];
        wr_u32(b, ft->param_count);
        wr_u32(b, ft->result_count);
        wr_bytes(b, ft->types, (size_t)ft->param_count + ft->result_count);
        wr_u32(b, symbol_offset(img, "kiln_entry_t", t, NULL));
        wr_u32(b, symbol_offset(img, "kiln_host_t", t, NULL));
    }
    return KILN_OK;
}

static kiln_status write_imports(wr_buf *b, const wasm_module *m, const emit_image *img,
                                 kiln_error *err)
{
    (void)img;
    wr_u32(b, m->import_count);
    for (uint32_t i = 0; i < m->import_count; i++) {
        const wasm_import *im = &m->imports[i];
        write_name(b, &im->module);
        write_name(b, &im->field);
        wr_u8(b, im->kind);
        switch ((kiln_extern_kind)im->kind) {
        case KILN_EXTERN_FUNC: wr_u32(b, im->desc.type_index); break;
        case KILN_EXTERN_TABLE:
            wr_u8(b, im->desc.table.reftype);
            write_limits(b, &im->desc.table.limits);
            break;
        case KILN_EXTERN_MEMORY: write_limits(b, &im->desc.memory); break;
        case KILN_EXTERN_GLOBAL:
            wr_u8(b, im->desc.global.valtype);
            wr_u8(b, im->desc.global.is_mutable ? 1 : 0);
            break;
        default:
            return kiln_error_set(err, KILN_ERR_INVALID, im->offset,
                                  "import %u has unknown kind %u", i, im->kind);
        }
    }
    return KILN_OK;
}

static kiln_status write_funcs(wr_buf *b, const wasm_module *m, const emit_image *img,
                               kiln_error *err)
{
    (void)err;
    wr_u32(b, m->func_import_count);
    wr_u32(b, m->func_count - m->func_import_count);
    for (uint32_t f = m->func_import_count; f < m->func_count; f++) {
        uint32_t size;
        uint32_t offset = symbol_offset(img, "kiln_f", f, &size);
        wr_u32(b, m->funcs[f].type_index);
        wr_u32(b, offset);
        wr_u32(b, offset == KILN_AOT_NONE ? 0 : size);
    }
    return KILN_OK;
}

static kiln_status write_tables(wr_buf *b, const wasm_module *m, const emit_image *img,
                                kiln_error *err)
{
    (void)img;
    (void)err;
    wr_u32(b, m->table_count - m->table_import_count);
    for (uint32_t t = m->table_import_count; t < m->table_count; t++) {
        wr_u8(b, m->tables[t].reftype);
        write_limits(b, &m->tables[t].limits);
    }
    return KILN_OK;
}

static kiln_status write_memories(wr_buf *b, const wasm_module *m, const emit_image *img,
                                  kiln_error *err)
{
    (void)img;
    (void)err;
    wr_u32(b, m->memory_count - m->memory_import_count);
    for (uint32_t i = m->memory_import_count; i < m->memory_count; i++)
        write_limits(b, &m->memories[i]);
    return KILN_OK;
}

static kiln_status write_globals(wr_buf *b, const wasm_module *m, const emit_image *img,
                                 kiln_error *err)
{
    (void)img;
    wr_u32(b, m->global_count - m->global_import_count);
    for (uint32_t g = m->global_import_count; g < m->global_count; g++) {
        const wasm_global *gl = &m->globals[g];
        wr_u8(b, gl->type.valtype);
        wr_u8(b, gl->type.is_mutable ? 1 : 0);
        kiln_status st = write_cexpr(b, &gl->init, err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status write_exports(wr_buf *b, const wasm_module *m, const emit_image *img,
                                 kiln_error *err)
{
    (void)img;
    (void)err;
    wr_u32(b, m->export_count);
    for (uint32_t e = 0; e < m->export_count; e++) {
        write_name(b, &m->exports[e].name);
        wr_u8(b, m->exports[e].kind);
        wr_u32(b, m->exports[e].index);
    }
    return KILN_OK;
}

static kiln_status write_start(wr_buf *b, const wasm_module *m, const emit_image *img,
                               kiln_error *err)
{
    (void)img;
    (void)err;
    wr_u32(b, m->start_func);
    return KILN_OK;
}

static kiln_status write_elems(wr_buf *b, const wasm_module *m, const emit_image *img,
                               kiln_error *err)
{
    (void)img;
    wr_u32(b, m->elem_count);
    for (uint32_t e = 0; e < m->elem_count; e++) {
        const wasm_elem *el = &m->elems[e];
        wr_u8(b, el->mode);
        wr_u8(b, el->reftype);
        wr_u32(b, el->table_index);
        kiln_status st = KILN_OK;
        if (el->mode == KILN_SEGMENT_ACTIVE)
            st = write_cexpr(b, &el->offset, err);
        if (st != KILN_OK)
            return st;
        wr_u32(b, el->item_count);
        for (uint32_t i = 0; i < el->item_count; i++) {
            st = write_cexpr(b, &el->items[i], err);
            if (st != KILN_OK)
                return st;
        }
    }
    return KILN_OK;
}

static kiln_status write_datas(wr_buf *b, const wasm_module *m, const emit_image *img,
                               kiln_error *err)
{
    (void)img;
    wr_u32(b, m->data_count);
    for (uint32_t d = 0; d < m->data_count; d++) {
        const wasm_data *dt = &m->datas[d];
        wr_u8(b, dt->mode);
        wr_u32(b, dt->memory_index);
        if (dt->mode == KILN_SEGMENT_ACTIVE) {
            kiln_status st = write_cexpr(b, &dt->offset, err);
            if (st != KILN_OK)
                return st;
        }
        wr_u32(b, dt->size);
        wr_bytes(b, dt->bytes, dt->size);
    }
    return KILN_OK;
}

static kiln_status write_code(wr_buf *b, const wasm_module *m, const emit_image *img,
                              kiln_error *err)
{
    (void)m;
    (void)err;
    wr_u32(b, img->exec_size);
    wr_u32(b, img->image_size);
    wr_u32(b, img->image_align);
    wr_u32(b, 0);
    wr_bytes(b, img->bytes, img->image_size);
    return KILN_OK;
}

static kiln_status write_relocs(wr_buf *b, const wasm_module *m, const emit_image *img,
                                kiln_error *err)
{
    (void)m;
    (void)err;
    wr_u32(b, img->reloc_count);
    for (uint32_t r = 0; r < img->reloc_count; r++) {
        const emit_reloc *rel = &img->relocs[r];
        wr_u32(b, rel->offset);
        wr_u8(b, rel->kind);
        wr_u8(b, 0);
        wr_u8(b, 0);
        wr_u8(b, 0);
        wr_u32(b, rel->symbol);
        wr_u64(b, (uint64_t)rel->addend);
    }
    return KILN_OK;
}

static kiln_status write_symbols(wr_buf *b, const wasm_module *m, const emit_image *img,
                                 kiln_error *err)
{
    (void)m;
    (void)err;
    wr_u32(b, img->extern_count);
    for (uint32_t s = 0; s < img->extern_count; s++)
        wr_str(b, img->externs[s], strlen(img->externs[s]));
    return KILN_OK;
}

/* LAYOUT depends on the pointer width, so it is written from the target
 * info rather than through the section_writer signature. */
static void write_layout(wr_buf *b, const wasm_module *m, const wr_target_info *t)
{
    kiln_vmctx_layout l = kiln_vmctx_layout_compute(t->pointer_width, m->func_import_count,
                                                    m->memory_count, m->table_count,
                                                    m->global_count);
    wr_u32(b, l.size);
    wr_u32(b, l.func_imports);
    wr_u32(b, l.memories);
    wr_u32(b, l.tables);
    wr_u32(b, l.globals);
}

static kiln_status write_names(wr_buf *b, const wasm_module *m, const emit_image *img,
                               kiln_error *err)
{
    (void)img;
    (void)err;
    const char *mod = m->module_name != NULL ? m->module_name : "";
    wr_str(b, mod, strlen(mod));
    uint32_t count = 0;
    for (uint32_t f = 0; f < m->func_count; f++)
        count += m->funcs[f].name != NULL;
    wr_u32(b, count);
    for (uint32_t f = 0; f < m->func_count; f++) {
        if (m->funcs[f].name == NULL)
            continue;
        wr_u32(b, f);
        wr_str(b, m->funcs[f].name, strlen(m->funcs[f].name));
    }
    return KILN_OK;
}

/* Whether the custom section `name` is copied: never "name" (its function
 * names go to the names section), else as keep_custom says (wr_target_info).
 * Debug info (.debug_*, often most of a module compiled with -g) and
 * producer sections are dropped by default. */
static bool keep_custom_section(const wasm_name *name, const char *keep)
{
    size_t len = name->size;
    if ((len == 4 && memcmp(name->bytes, "name", 4) == 0) || keep == NULL || keep[0] == '\0')
        return false;
    if (strcmp(keep, "all") == 0)
        return true;
    for (const char *p = keep; *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && memcmp(p, name->bytes, n) == 0)
            return true;
        p += n + (end != NULL);
    }
    return false;
}

static void write_customs(wr_buf *b, const wasm_module *m, const wr_target_info *t)
{
    uint32_t count = 0;
    for (uint32_t c = 0; c < m->custom_count; c++)
        count += keep_custom_section(&m->customs[c].name, t->keep_custom);
    wr_u32(b, count);
    for (uint32_t c = 0; c < m->custom_count; c++) {
        const wasm_custom *cs = &m->customs[c];
        if (!keep_custom_section(&cs->name, t->keep_custom))
            continue;
        write_name(b, &cs->name);
        wr_u32(b, cs->size);
        wr_bytes(b, cs->bytes, cs->size);
    }
}

typedef kiln_status (*section_writer)(wr_buf *, const wasm_module *, const emit_image *,
                                      kiln_error *);

/* ---- container ------------------------------------------------------------------ */

static void write_string_ref(uint8_t *header, uint32_t field, uint32_t offset, size_t size)
{
    kiln_write_u32le(header + field, offset);
    kiln_write_u32le(header + field + 4, (uint32_t)size);
}

/* START only with a start function; a bundle member's code is the
 * bundle's (CODE, RELOCS and SYMBOLS are in the outer container). */
static bool section_written(kiln_aot_section_id id, const wasm_module *module,
                            const wr_target_info *target)
{
    if (id == KILN_SEC_START)
        return module->has_start;
    if (id == KILN_SEC_CODE || id == KILN_SEC_RELOCS || id == KILN_SEC_SYMBOLS)
        return !target->bundle_member;
    return true;
}

/* The fixed header's fields, its strings and the section table (placed:
 * id, offset, size), then the checksum over the finished bytes. */
static void finish_header(wr_buf *b, const wr_target_info *target, uint32_t features,
                          uint32_t header_size, const uint32_t *string_offsets,
                          const size_t *string_sizes, size_t table_offset,
                          uint32_t placed[][3], uint32_t entry)
{
    static const uint32_t string_fields[4] = {KILN_AOT_OFF_TRIPLE, KILN_AOT_OFF_CPU,
                                              KILN_AOT_OFF_CPU_FEATURES,
                                              KILN_AOT_OFF_COMPILER_VERSION};
    uint8_t *h = b->data;
    h[0] = KILN_AOT_MAGIC_0;
    h[1] = KILN_AOT_MAGIC_1;
    h[2] = KILN_AOT_MAGIC_2;
    h[3] = KILN_AOT_MAGIC_3;
    kiln_write_u32le(h + KILN_AOT_OFF_VERSION, KILN_AOT_FORMAT_VERSION);
    kiln_write_u32le(h + KILN_AOT_OFF_HEADER_SIZE, header_size);
    kiln_write_u64le(h + KILN_AOT_OFF_FILE_SIZE, b->size);
    h[KILN_AOT_OFF_POINTER_WIDTH] = (uint8_t)target->pointer_width;
    h[KILN_AOT_OFF_ENDIANNESS] = 0;
    h[KILN_AOT_OFF_BOUNDS_CHECKS] = (uint8_t)target->bounds;
    h[KILN_AOT_OFF_FLAGS] = target->xip ? (uint8_t)KILN_AOT_FLAG_XIP : 0;
    kiln_write_u32le(h + KILN_AOT_OFF_WASM_FEATURES, features);
    kiln_write_u64le(h + KILN_AOT_OFF_HELPERS_USED, target->helpers_used);
    kiln_write_u32le(h + KILN_AOT_OFF_SECTION_COUNT, entry);
    kiln_write_u32le(h + KILN_AOT_OFF_SECTION_TABLE, (uint32_t)table_offset);
    for (int i = 0; i < 4; i++)
        write_string_ref(h, string_fields[i], string_offsets[i], string_sizes[i]);
    for (uint32_t i = 0; i < entry; i++) {
        uint8_t *e = h + table_offset + (size_t)i * KILN_AOT_SECTION_ENTRY_SIZE;
        kiln_write_u32le(e, placed[i][0]);
        kiln_write_u32le(e + 4, placed[i][1]);
        kiln_write_u32le(e + 8, placed[i][2]);
        kiln_write_u32le(e + 12, 0);
    }
    kiln_write_u32le(h + KILN_AOT_OFF_CHECKSUM, kiln_container_checksum(h, b->size));
}

/* The fixed header (zeroed, patched by finish_header) and its strings;
 * returns the header size. */
static uint32_t start_header(wr_buf *b, const wr_target_info *target, uint32_t *string_offsets,
                             size_t *string_sizes)
{
    const char *strings[4] = {target->triple, target->cpu, target->cpu_features,
                              target->compiler_version};
    static const uint8_t fixed[KILN_AOT_HEADER_FIXED_SIZE];
    wr_bytes(b, fixed, sizeof fixed);
    for (int i = 0; i < 4; i++) {
        const char *s = strings[i] != NULL ? strings[i] : "";
        string_offsets[i] = (uint32_t)b->size;
        string_sizes[i] = strlen(s);
        wr_bytes(b, s, string_sizes[i]);
    }
    wr_align(b, 8);
    return (uint32_t)b->size;
}

kiln_status wr_container(const wasm_module *module, const emit_image *image,
                         const wr_target_info *target, uint8_t **out, size_t *out_size,
                         kiln_error *err)
{
    static const struct {
        kiln_aot_section_id id;
        section_writer write; /* NULL: LAYOUT and CUSTOM, written from the target */
    } sections[] = {
        {KILN_SEC_TYPES, write_types},     {KILN_SEC_IMPORTS, write_imports},
        {KILN_SEC_FUNCS, write_funcs},     {KILN_SEC_TABLES, write_tables},
        {KILN_SEC_MEMORIES, write_memories}, {KILN_SEC_GLOBALS, write_globals},
        {KILN_SEC_EXPORTS, write_exports}, {KILN_SEC_START, write_start},
        {KILN_SEC_ELEMS, write_elems},     {KILN_SEC_DATA, write_datas},
        {KILN_SEC_CODE, write_code},       {KILN_SEC_RELOCS, write_relocs},
        {KILN_SEC_SYMBOLS, write_symbols}, {KILN_SEC_LAYOUT, NULL},
        {KILN_SEC_NAMES, write_names},     {KILN_SEC_CUSTOM, NULL},
    };
    const size_t section_total = sizeof sections / sizeof sections[0];
    kiln_status st = KILN_OK;
    wr_buf b;
    wr_buf_init(&b);

    uint32_t string_offsets[4];
    size_t string_sizes[4];
    uint32_t header_size = start_header(&b, target, string_offsets, string_sizes);

    uint32_t section_count = 0;
    for (size_t i = 0; i < section_total; i++)
        section_count += section_written(sections[i].id, module, target);
    size_t table_offset = b.size;
    for (uint32_t i = 0; i < section_count * KILN_AOT_SECTION_ENTRY_SIZE; i++)
        wr_u8(&b, 0);

    uint32_t entry = 0;
    uint32_t placed[KILN_SEC_MAX_ID + 1][3]; /* id, offset, size */
    for (size_t i = 0; i < section_total; i++) {
        if (!section_written(sections[i].id, module, target))
            continue;
        bool code = sections[i].id == KILN_SEC_CODE;
        bool page_aligned = code && target->page_size != 0 &&
                            image->image_size >= KILN_AOT_IMAGE_PAGE_ALIGN_MIN;
        if (page_aligned) /* the image, after the 16-byte CODE header, on a page */
            wr_align_phase(&b, target->page_size, target->page_size - 16);
        else
            wr_align(&b, code ? 16 : 8);
        size_t start = b.size;
        if (sections[i].write != NULL)
            st = sections[i].write(&b, module, image, err);
        else if (sections[i].id == KILN_SEC_LAYOUT)
            write_layout(&b, module, target);
        else
            write_customs(&b, module, target);
        if (st != KILN_OK)
            goto out;
        if (b.size - start > UINT32_MAX || b.size > UINT32_MAX) {
            st = kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                "container would exceed 4 GiB");
            goto out;
        }
        placed[entry][0] = (uint32_t)sections[i].id;
        placed[entry][1] = (uint32_t)start;
        placed[entry][2] = (uint32_t)(b.size - start);
        entry++;
        if (page_aligned) /* no other section shares the image's last page */
            wr_align(&b, target->page_size);
    }
    if (b.failed) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                            "out of memory writing the container");
        goto out;
    }

    finish_header(&b, target, module->features, header_size, string_offsets, string_sizes,
                  table_offset, placed, entry);

out:
    if (st != KILN_OK) {
        wr_buf_free(&b);
        return st;
    }
    *out = b.data;
    *out_size = b.size;
    return KILN_OK;
}

/* BUNDLE: the member table, the pre-linked imports, then each member's
 * container (8-aligned; its offset patched into the table). */
static void write_bundle_section(wr_buf *b, const wr_bundle_member *members,
                                 uint32_t member_count, const wr_prelink *prelinks,
                                 uint32_t prelink_count)
{
    wr_u32(b, member_count);
    size_t at[member_count > 0 ? member_count : 1];
    for (uint32_t i = 0; i < member_count; i++) {
        wr_str(b, members[i].name, strlen(members[i].name));
        at[i] = b->size;
        wr_u32(b, 0);
        wr_u32(b, (uint32_t)members[i].size);
    }
    wr_u32(b, prelink_count);
    for (uint32_t i = 0; i < prelink_count; i++) {
        wr_u32(b, prelinks[i].member);
        wr_u32(b, prelinks[i].import_index);
        wr_u32(b, prelinks[i].callee_member);
        wr_u32(b, prelinks[i].callee_func);
    }
    for (uint32_t i = 0; i < member_count; i++) {
        wr_align(b, 8);
        size_t offset = b->size;
        wr_bytes(b, members[i].container, members[i].size);
        if (!b->failed)
            kiln_write_u32le(b->data + at[i], (uint32_t)offset);
    }
}

kiln_status wr_bundle(const wr_bundle_member *members, uint32_t member_count,
                      const wr_prelink *prelinks, uint32_t prelink_count, uint32_t features,
                      const emit_image *image, const wr_target_info *target, uint8_t **out,
                      size_t *out_size, kiln_error *err)
{
    static const kiln_aot_section_id ids[] = {KILN_SEC_CODE, KILN_SEC_RELOCS, KILN_SEC_SYMBOLS,
                                              KILN_SEC_BUNDLE};
    const uint32_t count = sizeof ids / sizeof ids[0];
    kiln_status st = KILN_OK;
    wr_buf b;
    wr_buf_init(&b);
    uint32_t string_offsets[4];
    size_t string_sizes[4];
    uint32_t header_size = start_header(&b, target, string_offsets, string_sizes);
    size_t table_offset = b.size;
    for (uint32_t i = 0; i < count * KILN_AOT_SECTION_ENTRY_SIZE; i++)
        wr_u8(&b, 0);
    uint32_t placed[KILN_SEC_MAX_ID + 1][3];
    for (uint32_t i = 0; i < count; i++) {
        bool code = ids[i] == KILN_SEC_CODE;
        bool page_aligned = code && target->page_size != 0 &&
                            image->image_size >= KILN_AOT_IMAGE_PAGE_ALIGN_MIN;
        if (page_aligned)
            wr_align_phase(&b, target->page_size, target->page_size - 16);
        else
            wr_align(&b, code ? 16 : 8);
        size_t start = b.size;
        switch (ids[i]) {
        case KILN_SEC_CODE: write_code(&b, NULL, image, err); break;
        case KILN_SEC_RELOCS: write_relocs(&b, NULL, image, err); break;
        case KILN_SEC_SYMBOLS: write_symbols(&b, NULL, image, err); break;
        default:
            write_bundle_section(&b, members, member_count, prelinks, prelink_count);
            break;
        }
        if (b.size > UINT32_MAX) {
            st = kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                "container would exceed 4 GiB");
            goto out;
        }
        placed[i][0] = (uint32_t)ids[i];
        placed[i][1] = (uint32_t)start;
        placed[i][2] = (uint32_t)(b.size - start);
        if (page_aligned)
            wr_align(&b, target->page_size);
    }
    if (b.failed) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                            "out of memory writing the bundle");
        goto out;
    }
    finish_header(&b, target, features, header_size, string_offsets, string_sizes,
                  table_offset, placed, count);
out:
    if (st != KILN_OK) {
        wr_buf_free(&b);
        return st;
    }
    *out = b.data;
    *out_size = b.size;
    return KILN_OK;
}
