/*
 * The declaration sections (decode_internal.h): type, import, function,
 * table, memory, global, export, start. Each fills its part of the
 * wasm_module and the index spaces (imports first), holding counts to the
 * implementation limits of limits.h before allocating.
 */
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

kiln_status dec_sec_type(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = dec_read_count_limited(r, "types", WASM_LIMIT_TYPES, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->types = calloc(n ? n : 1, sizeof *m->types);
    if (m->types == NULL)
        return dec_nomem(err, dec_offset(r), "types");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = dec_offset(r);
        uint8_t form;
        st = dec_u8(r, &form, err);
        if (st != KILN_OK)
            return st;
        if (form != 0x60)
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "integer representation too long: type %u form 0x%02X at "
                                  "offset %u is not func (0x60)",
                                  i, form, at);
        uint32_t np, nr;
        const uint8_t *params, *results;
        st = dec_read_count_limited(r, "parameter types", WASM_LIMIT_FUNCTION_PARAMS, 0, &np, err);
        if (st == KILN_OK)
            st = dec_bytes(r, np, &params, err);
        if (st == KILN_OK)
            st = dec_read_count_limited(r, "result types", WASM_LIMIT_FUNCTION_RESULTS, 0, &nr,
                                    err);
        if (st == KILN_OK)
            st = dec_bytes(r, nr, &results, err);
        if (st != KILN_OK)
            return st;
        wasm_functype *ft = &m->types[i];
        ft->types = malloc((size_t)np + nr + 1);
        if (ft->types == NULL)
            return dec_nomem(err, at, "function type");
        memcpy(ft->types, params, np);
        memcpy(ft->types + np, results, nr);
        ft->param_count = np;
        ft->result_count = nr;
        m->type_count = i + 1;
        for (uint32_t k = 0; k < np + nr; k++) {
            if (!dec_is_valtype(ft->types[k]))
                return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                      "malformed value type: 0x%02X in type %u at offset %u",
                                      ft->types[k], i, at);
            m->features |= dec_valtype_feature(ft->types[k]);
        }
        if (nr > 1)
            m->features |= KILN_FEATURE_MULTI_VALUE;
    }
    m->type_count = n;
    return KILN_OK;
}

/* A wasm name may contain U+0000, but the runtime resolves imports by
 * C-string names (the linker's define calls; kiln_module_load refuses an
 * import name with a NUL byte): such a module is refused here, before
 * kilnc writes a container that could never load. */
static kiln_status check_import_name(const wasm_name *name, uint32_t offset, uint32_t index,
                                    const char *which, kiln_error *err)
{
    if (memchr(name->bytes, 0, name->size) == NULL)
        return KILN_OK;
    return kiln_error_set(err, KILN_ERR_UNSUPPORTED, offset,
                          "import %u: the %s name contains a NUL byte (kiln resolves imports "
                          "by C-string name)",
                          index, which);
}

kiln_status dec_sec_import(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = dec_read_count_limited(r, "imports", WASM_LIMIT_IMPORTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->imports = calloc(n ? n : 1, sizeof *m->imports);
    if (m->imports == NULL)
        return dec_nomem(err, dec_offset(r), "imports");
    uint32_t counts[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        wasm_import *im = &m->imports[i];
        im->offset = dec_offset(r);
        m->import_count = i + 1;
        st = dec_copy_name(r, &im->module, err);
        if (st == KILN_OK)
            st = dec_copy_name(r, &im->field, err);
        if (st == KILN_OK)
            st = check_import_name(&im->module, im->offset, i, "module", err);
        if (st == KILN_OK)
            st = check_import_name(&im->field, im->offset, i, "field", err);
        if (st != KILN_OK)
            return st;
        uint32_t at = dec_offset(r);
        uint8_t kind;
        st = dec_u8(r, &kind, err);
        if (st != KILN_OK)
            return st;
        im->kind = kind;
        switch (kind) {
        case KILN_EXTERN_FUNC:
            st = dec_u32(r, &im->desc.type_index, err);
            break;
        case KILN_EXTERN_TABLE:
            st = dec_read_tabletype(r, &im->desc.table, err);
            break;
        case KILN_EXTERN_MEMORY:
            st = dec_read_limits(r, true, &im->desc.memory, err);
            if (st == KILN_OK && im->desc.memory.shared)
                m->features |= KILN_FEATURE_THREADS;
            break;
        case KILN_EXTERN_GLOBAL:
            st = dec_read_globaltype(r, &im->desc.global, err);
            if (st == KILN_OK) {
                m->features |= dec_valtype_feature(im->desc.global.valtype);
                if (im->desc.global.is_mutable)
                    m->features |= KILN_FEATURE_MUTABLE_GLOBALS;
            }
            break;
        default:
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "malformed import kind: 0x%02X at offset %u", kind, at);
        }
        if (st != KILN_OK)
            return st;
        counts[kind]++;
        static const wasm_limit kind_limits[4] = {WASM_LIMIT_FUNCTIONS, WASM_LIMIT_TABLES,
                                                  WASM_LIMIT_MEMORIES, WASM_LIMIT_GLOBALS};
        st = wasm_limit_check(kind_limits[kind], counts[kind], im->offset, "(imports so far)",
                              err);
        if (st != KILN_OK)
            return st;
    }
    /* Index spaces start with the imports; defined entries are appended by
     * their sections; dec_module preallocated empty ones. */
    free(m->funcs);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    m->funcs = calloc(counts[0] ? counts[0] : 1, sizeof *m->funcs);
    m->tables = calloc(counts[1] ? counts[1] : 1, sizeof *m->tables);
    m->memories = calloc(counts[2] ? counts[2] : 1, sizeof *m->memories);
    m->globals = calloc(counts[3] ? counts[3] : 1, sizeof *m->globals);
    if (!m->funcs || !m->tables || !m->memories || !m->globals)
        return dec_nomem(err, dec_offset(r), "import index spaces");
    for (uint32_t i = 0; i < n; i++) {
        const wasm_import *im = &m->imports[i];
        switch (im->kind) {
        case KILN_EXTERN_FUNC:
            m->funcs[m->func_count].type_index = im->desc.type_index;
            m->funcs[m->func_count++].imported = true;
            break;
        case KILN_EXTERN_TABLE:
            m->tables[m->table_count++] = im->desc.table;
            break;
        case KILN_EXTERN_MEMORY:
            m->memories[m->memory_count++] = im->desc.memory;
            break;
        default:
            m->globals[m->global_count].type = im->desc.global;
            m->globals[m->global_count++].imported = true;
            break;
        }
    }
    m->func_import_count = m->func_count;
    m->table_import_count = m->table_count;
    m->memory_import_count = m->memory_count;
    m->global_import_count = m->global_count;
    return KILN_OK;
}

/* Makes room for n more entries after *count in an index space. */
static kiln_status extend_space(void **array, uint32_t count, uint32_t n, size_t elem,
                                uint32_t at, kiln_error *err)
{
    if ((uint64_t)count + n > UINT32_MAX)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at, "too many entries at offset %u", at);
    void *p = realloc(*array, ((size_t)count + n + 1) * elem);
    if (p == NULL)
        return dec_nomem(err, at, "index space");
    memset((char *)p + (size_t)count * elem, 0, ((size_t)n + 1) * elem);
    *array = p;
    return KILN_OK;
}

kiln_status dec_sec_function(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        dec_read_count_limited(r, "functions", WASM_LIMIT_FUNCTIONS, m->func_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->funcs, m->func_count, n, sizeof *m->funcs, dec_offset(r), err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        wasm_func *f = &m->funcs[m->func_count];
        st = dec_u32(r, &f->type_index, err);
        if (st != KILN_OK)
            return st;
        m->func_count++;
    }
    d->defined_func_count = n;
    d->has_func_section = true;
    return KILN_OK;
}

kiln_status dec_sec_table(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        dec_read_count_limited(r, "tables", WASM_LIMIT_TABLES, m->table_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->tables, m->table_count, n, sizeof *m->tables, dec_offset(r),
                      err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        st = dec_read_tabletype(r, &m->tables[m->table_count], err);
        if (st != KILN_OK)
            return st;
        m->table_count++;
    }
    if (m->table_count > 1)
        m->features |= KILN_FEATURE_REFERENCE_TYPES;
    return KILN_OK;
}

kiln_status dec_sec_memory(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        dec_read_count_limited(r, "memories", WASM_LIMIT_MEMORIES, m->memory_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->memories, m->memory_count, n, sizeof *m->memories,
                      dec_offset(r), err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        st = dec_read_limits(r, true, &m->memories[m->memory_count], err);
        if (st != KILN_OK)
            return st;
        if (m->memories[m->memory_count].shared)
            m->features |= KILN_FEATURE_THREADS;
        m->memory_count++;
    }
    return KILN_OK;
}


kiln_status dec_sec_global(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        dec_read_count_limited(r, "globals", WASM_LIMIT_GLOBALS, m->global_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->globals, m->global_count, n, sizeof *m->globals,
                      dec_offset(r), err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        wasm_global *g = &m->globals[m->global_count];
        st = dec_read_globaltype(r, &g->type, err);
        if (st == KILN_OK)
            st = dec_expr(r, &d->sink, &g->init, err);
        if (st != KILN_OK)
            return st;
        m->features |= dec_valtype_feature(g->type.valtype) | dec_expr_features(&g->init);
        m->global_count++;
    }
    return KILN_OK;
}

kiln_status dec_sec_export(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = dec_read_count_limited(r, "exports", WASM_LIMIT_EXPORTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->exports = calloc(n ? n : 1, sizeof *m->exports);
    if (m->exports == NULL)
        return dec_nomem(err, dec_offset(r), "exports");
    for (uint32_t i = 0; i < n; i++) {
        wasm_export *ex = &m->exports[i];
        st = dec_copy_name(r, &ex->name, err);
        if (st != KILN_OK)
            return st;
        m->export_count = i + 1;
        uint32_t at = dec_offset(r);
        uint8_t kind;
        st = dec_u8(r, &kind, err);
        if (st != KILN_OK)
            return st;
        if (kind > KILN_EXTERN_GLOBAL)
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "malformed export kind: 0x%02X at offset %u", kind, at);
        ex->kind = kind;
        st = dec_u32(r, &ex->index, err);
        if (st != KILN_OK)
            return st;
        if (kind == KILN_EXTERN_GLOBAL && ex->index < m->global_count &&
            m->globals[ex->index].type.is_mutable)
            m->features |= KILN_FEATURE_MUTABLE_GLOBALS;
    }
    return KILN_OK;
}

kiln_status dec_sec_start(dec_state *d, kiln_error *err)
{
    kiln_status st = dec_u32(&d->r, &d->m->start_func, err);
    if (st == KILN_OK)
        d->m->has_start = true;
    return st;
}
