/*
 * The declaration sections of the container: TYPES (interned to canonical
 * ids), IMPORTS, then the index spaces FUNCS, TABLES, MEMORIES, GLOBALS
 * (imported entries first), EXPORTS and START. Each section is read with
 * the earlier ones' counts known, so every index is checked when read.
 */
#include <string.h>

#include "alloc.h"
#include "load.h"

kiln_status ld_parse_types(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_TYPES].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_TYPES);
    uint32_t count = rd_u32(&r);
    kiln_status st = ld_check_count(c, KILN_SEC_TYPES, &r, count, 16, "types");
    if (st != KILN_OK)
        return st;
    m->types = kiln_calloc(count, sizeof *m->types);
    m->type_ids = kiln_calloc(count, sizeof *m->type_ids);
    if (m->types == NULL || m->type_ids == NULL)
        return ld_nomem(c, "types");
    m->type_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_type *t = &m->types[i];
        size_t at = r.pos;
        t->param_count = rd_u32(&r);
        t->result_count = rd_u32(&r);
        uint64_t n = (uint64_t)t->param_count + t->result_count;
        if (r.failed || n > rd_left(&r))
            return ld_corrupt(c, KILN_SEC_TYPES, at,
                           "type %u declares %llu value types, more than the section holds", i,
                           (unsigned long long)n);
        t->kinds = kiln_alloc((size_t)n * sizeof *t->kinds);
        if (t->kinds == NULL)
            return ld_nomem(c, "types");
        for (uint64_t k = 0; k < n; k++) {
            uint8_t v = rd_u8(&r);
            if (!ld_valtype_ok(v))
                return ld_corrupt(c, KILN_SEC_TYPES, r.pos - 1, "type %u has unknown value type 0x%02x",
                               i, (unsigned)v);
            t->kinds[k] = (kiln_valkind)v;
        }
        at = r.pos;
        t->entry_trampoline = rd_u32(&r);
        t->host_trampoline = rd_u32(&r);
        if (r.failed)
            return ld_overrun(c, KILN_SEC_TYPES, &r, "type", i);
        st = ld_check_code_offset(c, KILN_SEC_TYPES, at, t->entry_trampoline, "entry trampoline of type", i);
        if (st == KILN_OK)
            st = ld_check_code_offset(c, KILN_SEC_TYPES, at + 4, t->host_trampoline, "host trampoline of type", i);
        if (st != KILN_OK)
            return st;
        st = ld_type_intern(t->kinds, t->param_count, t->result_count, &t->canonical_id, c->err);
        if (st != KILN_OK)
            return st;
        m->type_ids[i] = t->canonical_id;
    }
    return KILN_OK;
}

/* Imports: fills imports[] and counts each kind; the index spaces are
 * allocated later (parse_index_spaces), when defined counts are known. */
kiln_status ld_parse_imports(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_IMPORTS].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_IMPORTS);
    uint32_t count = rd_u32(&r);
    kiln_status st = ld_check_count(c, KILN_SEC_IMPORTS, &r, count, 11, "imports");
    if (st != KILN_OK)
        return st;
    m->imports = kiln_calloc(count, sizeof *m->imports);
    if (m->imports == NULL)
        return ld_nomem(c, "imports");
    m->import_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_import *im = &m->imports[i];
        st = ld_read_name(c, KILN_SEC_IMPORTS, &r, &im->module_name, NULL, "import", i);
        if (st == KILN_OK)
            st = ld_read_name(c, KILN_SEC_IMPORTS, &r, &im->field_name, NULL, "import", i);
        if (st != KILN_OK)
            return st;
        size_t at = r.pos;
        im->kind = rd_u8(&r);
        switch (im->kind) {
        case KILN_EXTERN_FUNC:
            im->type_index = rd_u32(&r);
            if (!r.failed && im->type_index >= m->type_count)
                return ld_corrupt(c, KILN_SEC_IMPORTS, at + 1,
                               "import %u (%s.%s) uses type %u, the module has %u types", i,
                               im->module_name, im->field_name, im->type_index, m->type_count);
            m->func_import_count++;
            break;
        case KILN_EXTERN_TABLE:
            im->reftype = rd_u8(&r);
            if (!r.failed && !ld_reftype_ok(im->reftype))
                return ld_corrupt(c, KILN_SEC_IMPORTS, at + 1, "import %u: table of type 0x%02x", i,
                               (unsigned)im->reftype);
            st = ld_read_limits(c, KILN_SEC_IMPORTS, &r, &im->limits, UINT32_MAX, "import", i);
            if (st != KILN_OK)
                return st;
            m->table_import_count++;
            break;
        case KILN_EXTERN_MEMORY:
            st = ld_read_limits(c, KILN_SEC_IMPORTS, &r, &im->limits, 65536, "import", i);
            if (st != KILN_OK)
                return st;
            m->memory_import_count++;
            break;
        case KILN_EXTERN_GLOBAL:
            im->valtype = rd_u8(&r);
            im->is_mutable = rd_u8(&r) != 0;
            if (!r.failed && !ld_valtype_ok(im->valtype))
                return ld_corrupt(c, KILN_SEC_IMPORTS, at + 1, "import %u: global of type 0x%02x",
                               i, (unsigned)im->valtype);
            m->global_import_count++;
            break;
        default:
            if (r.failed)
                break;
            return ld_corrupt(c, KILN_SEC_IMPORTS, at, "import %u has unknown kind %u", i,
                           (unsigned)im->kind);
        }
        if (r.failed)
            return ld_overrun(c, KILN_SEC_IMPORTS, &r, "import", i);
    }
    return KILN_OK;
}

kiln_status ld_parse_funcs(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = ld_section_reader(c, KILN_SEC_FUNCS);
    uint32_t imported = 0, defined = 0;
    if (c->sections[KILN_SEC_FUNCS].present) {
        imported = rd_u32(&r);
        defined = rd_u32(&r);
        kiln_status st = ld_check_count(c, KILN_SEC_FUNCS, &r, defined, 12, "functions");
        if (st != KILN_OK)
            return st;
        if (imported != m->func_import_count)
            return ld_corrupt(c, KILN_SEC_FUNCS, c->sections[KILN_SEC_FUNCS].offset,
                           "imported_count %u differs from the %u function imports", imported,
                           m->func_import_count);
    }
    m->func_count = m->func_import_count + defined;
    if (m->func_count < defined)
        return ld_corrupt(c, KILN_SEC_FUNCS, c->sections[KILN_SEC_FUNCS].offset,
                       "too many functions");
    m->funcs = kiln_calloc(m->func_count, sizeof *m->funcs);
    if (m->funcs == NULL)
        return ld_nomem(c, "functions");
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
            return ld_overrun(c, KILN_SEC_FUNCS, &r, "function", i);
        if (fn->type_index >= m->type_count)
            return ld_corrupt(c, KILN_SEC_FUNCS, at, "function %u uses type %u, the module has %u types",
                           m->func_import_count + i, fn->type_index, m->type_count);
        /* Bit 0 of a Thumb entry point is not part of the address. */
        if (fn->code_offset != KILN_AOT_NONE &&
            (uint64_t)(fn->code_offset & ~1u) + fn->code_size > m->exec_size)
            return ld_corrupt(c, KILN_SEC_FUNCS, at + 4,
                           "function %u: code [%u, %llu) is outside the code (%u bytes)",
                           m->func_import_count + i, fn->code_offset,
                           (unsigned long long)fn->code_offset + fn->code_size, m->exec_size);
    }
    return KILN_OK;
}

kiln_status ld_parse_tables(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = ld_section_reader(c, KILN_SEC_TABLES);
    uint32_t defined;
    kiln_status st = ld_read_defined_count(c, KILN_SEC_TABLES, &r, 18, "tables", &defined);
    if (st != KILN_OK)
        return st;
    m->table_count = m->table_import_count + defined;
    m->tables = kiln_calloc(m->table_count, sizeof *m->tables);
    if (m->tables == NULL)
        return ld_nomem(c, "tables");
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
        if (!r.failed && !ld_reftype_ok(tb->reftype))
            return ld_corrupt(c, KILN_SEC_TABLES, at, "table %u has element type 0x%02x", i,
                           (unsigned)tb->reftype);
        st = ld_read_limits(c, KILN_SEC_TABLES, &r, &tb->limits, UINT32_MAX, "table", i);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

kiln_status ld_parse_memories(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = ld_section_reader(c, KILN_SEC_MEMORIES);
    uint32_t defined;
    kiln_status st = ld_read_defined_count(c, KILN_SEC_MEMORIES, &r, 17, "memories", &defined);
    if (st != KILN_OK)
        return st;
    m->memory_count = m->memory_import_count + defined;
    m->memories = kiln_calloc(m->memory_count, sizeof *m->memories);
    if (m->memories == NULL)
        return ld_nomem(c, "memories");
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->import_count; i++) {
        if (m->imports[i].kind == KILN_EXTERN_MEMORY)
            m->memories[k++] = m->imports[i].limits;
    }
    for (uint32_t i = 0; i < defined; i++) {
        st = ld_read_limits(c, KILN_SEC_MEMORIES, &r,
                         &m->memories[m->memory_import_count + i], 65536, "memory", i);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

kiln_status ld_parse_globals(ld_ctx *c)
{
    kiln_module *m = c->m;
    ld_reader r = ld_section_reader(c, KILN_SEC_GLOBALS);
    uint32_t defined;
    kiln_status st = ld_read_defined_count(c, KILN_SEC_GLOBALS, &r, 3, "globals", &defined);
    if (st != KILN_OK)
        return st;
    m->global_count = m->global_import_count + defined;
    m->globals = kiln_calloc(m->global_count, sizeof *m->globals);
    if (m->globals == NULL)
        return ld_nomem(c, "globals");
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
            return ld_overrun(c, KILN_SEC_GLOBALS, &r, "global", index);
        if (!ld_valtype_ok(gl->valtype))
            return ld_corrupt(c, KILN_SEC_GLOBALS, at, "global %u has unknown type 0x%02x", index,
                           (unsigned)gl->valtype);
        /* An initialiser reads imported or earlier globals only. */
        st = ld_check_cexpr(c, KILN_SEC_GLOBALS, &r, gl->valtype, index, &gl->init);
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
        return ld_corrupt(c, section, at, "%s: function %u has no code", what, func_index);
    if (m->types[f->type_index].entry_trampoline == KILN_AOT_NONE)
        return ld_corrupt(c, section, at, "%s: type %u of function %u has no entry trampoline",
                       what, f->type_index, func_index);
    return KILN_OK;
}

kiln_status ld_parse_exports(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_EXPORTS].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_EXPORTS);
    uint32_t count = rd_u32(&r);
    kiln_status st = ld_check_count(c, KILN_SEC_EXPORTS, &r, count, 9, "exports");
    if (st != KILN_OK)
        return st;
    m->exports = kiln_calloc(count, sizeof *m->exports);
    if (m->exports == NULL)
        return ld_nomem(c, "exports");
    m->export_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_export *e = &m->exports[i];
        st = ld_read_name(c, KILN_SEC_EXPORTS, &r, &e->name, &e->name_len, "export", i);
        if (st != KILN_OK)
            return st;
        size_t at = r.pos;
        e->kind = rd_u8(&r);
        e->index = rd_u32(&r);
        if (r.failed)
            return ld_overrun(c, KILN_SEC_EXPORTS, &r, "export", i);
        if (e->kind > KILN_EXTERN_GLOBAL)
            return ld_corrupt(c, KILN_SEC_EXPORTS, at, "export \"%s\" has unknown kind %u", e->name,
                           (unsigned)e->kind);
        if (e->index >= index_space_size(m, e->kind))
            return ld_corrupt(c, KILN_SEC_EXPORTS, at + 1,
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

kiln_status ld_parse_start(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_START].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_START);
    size_t at = r.pos;
    uint32_t index = rd_u32(&r);
    if (r.failed)
        return ld_overrun(c, KILN_SEC_START, &r, "start function", 0);
    if (index >= m->func_count)
        return ld_corrupt(c, KILN_SEC_START, at, "start function %u, the module has %u functions",
                       index, m->func_count);
    const ld_type *t = &m->types[m->funcs[index].type_index];
    if (t->param_count != 0 || t->result_count != 0)
        return ld_corrupt(c, KILN_SEC_START, at,
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
