/*
 * val_: the WebAssembly 2.0 validator (plus threads atomics).
 *
 * val_module checks the module-level rules (indices, limits, constant
 * expressions, exports, start, segments); val_function runs the spec's
 * operand-stack/control-stack algorithm over one decoded body. Both report
 * KILN_ERR_INVALID with the spec test suite's message first, then detail,
 * and the byte offset of the offending item.
 *
 * Invariants of the function validator:
 * - The operand stack holds value types; VAL_UNKNOWN is the bottom type
 *   produced by popping below the height of an unreachable frame, and it
 *   matches every type (the spec's polymorphic stack).
 * - Every frame records the operand height at its entry; popping below it
 *   is an error unless the frame is unreachable.
 * - Instructions with a generic signature (opsig.h) are typed by table;
 *   the rest by the switch in check_special.
 */
#include <stdlib.h>
#include <string.h>

#include "kiln_common.h"
#include "module.h"
#include "opsig.h"

#define VAL_UNKNOWN 0
#define WASM_MAX_PAGES 65536u

static const char *type_name(wasm_valtype t)
{
    switch (t) {
    case WASM_I32:
        return "i32";
    case WASM_I64:
        return "i64";
    case WASM_F32:
        return "f32";
    case WASM_F64:
        return "f64";
    case WASM_V128:
        return "v128";
    case WASM_FUNCREF:
        return "funcref";
    case WASM_EXTERNREF:
        return "externref";
    default:
        return "unknown";
    }
}

static bool is_ref(wasm_valtype t)
{
    return t == WASM_FUNCREF || t == WASM_EXTERNREF;
}

/* single_types[t] is t: a one-element type list for block types. */
static const wasm_valtype single_types[256] = {
    [WASM_I32] = WASM_I32,         [WASM_I64] = WASM_I64,   [WASM_F32] = WASM_F32,
    [WASM_F64] = WASM_F64,         [WASM_V128] = WASM_V128, [WASM_FUNCREF] = WASM_FUNCREF,
    [WASM_EXTERNREF] = WASM_EXTERNREF,
};

static wasm_valtype letter_type(char c)
{
    switch (c) {
    case 'i':
        return WASM_I32;
    case 'I':
        return WASM_I64;
    case 'f':
        return WASM_F32;
    case 'F':
        return WASM_F64;
    default:
        return WASM_V128;
    }
}

/* ---- module-level -------------------------------------------------------- */

static kiln_status check_limits(const wasm_limits *l, uint64_t bound, bool is_memory,
                                uint32_t offset, const char *what, kiln_error *err)
{
    if (is_memory && l->min > bound)
        return kiln_error_set(err, KILN_ERR_INVALID, offset,
                              "memory size must be at most 65536 pages (4GiB): %s minimum "
                              "%llu",
                              what, (unsigned long long)l->min);
    if (l->has_max && is_memory && l->max > bound)
        return kiln_error_set(err, KILN_ERR_INVALID, offset,
                              "memory size must be at most 65536 pages (4GiB): %s maximum "
                              "%llu",
                              what, (unsigned long long)l->max);
    if (l->has_max && l->min > l->max)
        return kiln_error_set(err, KILN_ERR_INVALID, offset,
                              "size minimum must not be greater than maximum: %s %llu > %llu",
                              what, (unsigned long long)l->min, (unsigned long long)l->max);
    if (l->shared && !l->has_max)
        return kiln_error_set(err, KILN_ERR_INVALID, offset,
                              "shared memory must have maximum: %s", what);
    return KILN_OK;
}

/*
 * A constant expression: one value of type `expected` from const
 * instructions, ref.null, ref.func and global.get of an imported immutable
 * global (only imported globals are visible to 2.0 constant expressions).
 */
static kiln_status check_const_expr(const wasm_module *m, const wasm_expr *e,
                                    wasm_valtype expected, const char *what, kiln_error *err)
{
    wasm_valtype stack[2];
    uint32_t depth = 0;
    for (uint32_t i = 0; i < e->count; i++) {
        const wasm_instr *in = &e->code[i];
        wasm_valtype t;
        switch (in->op) {
        case WASM_OP_I32_CONST:
            t = WASM_I32;
            break;
        case WASM_OP_I64_CONST:
            t = WASM_I64;
            break;
        case WASM_OP_F32_CONST:
            t = WASM_F32;
            break;
        case WASM_OP_F64_CONST:
            t = WASM_F64;
            break;
        case WASM_OP_V128_CONST:
            t = WASM_V128;
            break;
        case WASM_OP_REF_NULL:
            t = in->imm.reftype;
            break;
        case WASM_OP_REF_FUNC:
            if (in->imm.index >= m->func_count)
                return kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                      "unknown function: ref.func %u in %s, %u functions",
                                      in->imm.index, what, m->func_count);
            t = WASM_FUNCREF;
            break;
        case WASM_OP_GLOBAL_GET:
            if (in->imm.index >= m->global_import_count)
                return kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                      "unknown global: global.get %u in %s, %u imported "
                                      "globals visible",
                                      in->imm.index, what, m->global_import_count);
            if (m->globals[in->imm.index].type.is_mutable)
                return kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                      "constant expression required: global.get %u of a "
                                      "mutable global in %s",
                                      in->imm.index, what);
            t = m->globals[in->imm.index].type.valtype;
            break;
        case WASM_OP_END:
            if (i + 1 != e->count)
                return kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                      "constant expression required: %s", what);
            if (depth != 1 || stack[0] != expected)
                return kiln_error_set(err, KILN_ERR_INVALID, e->offset,
                                      "type mismatch: %s must produce one %s, got %u "
                                      "value(s)%s%s",
                                      what, type_name(expected), depth,
                                      depth ? " of type " : "", depth ? type_name(stack[0]) : "");
            return KILN_OK;
        default:
            return kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                  "constant expression required: %s in %s",
                                  wasm_op_name((wasm_op)in->op), what);
        }
        if (depth == 2)
            return kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                  "type mismatch: %s produces more than one value", what);
        stack[depth++] = t;
    }
    return kiln_error_set(err, KILN_ERR_INVALID, e->offset,
                          "constant expression required: %s has no end", what);
}

typedef struct name_ref {
    const char *bytes;
    uint32_t size;
    uint32_t index;
} name_ref;

static int cmp_name(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    int c = memcmp(x->bytes, y->bytes, x->size);
    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

static kiln_status check_exports(const wasm_module *m, kiln_error *err)
{
    for (uint32_t i = 0; i < m->export_count; i++) {
        const wasm_export *ex = &m->exports[i];
        uint32_t limit = 0;
        const char *what = "function";
        switch (ex->kind) {
        case KILN_EXTERN_FUNC:
            limit = m->func_count;
            break;
        case KILN_EXTERN_TABLE:
            limit = m->table_count;
            what = "table";
            break;
        case KILN_EXTERN_MEMORY:
            limit = m->memory_count;
            what = "memory";
            break;
        default:
            limit = m->global_count;
            what = "global";
            break;
        }
        if (ex->index >= limit)
            return kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                                  "unknown %s: export \"%s\" names %s %u, %u defined", what,
                                  ex->name.bytes, what, ex->index, limit);
    }
    if (m->export_count < 2)
        return KILN_OK;
    name_ref *names = malloc((size_t)m->export_count * sizeof *names);
    if (names == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory: exports");
    for (uint32_t i = 0; i < m->export_count; i++) {
        names[i].bytes = m->exports[i].name.bytes;
        names[i].size = m->exports[i].name.size;
        names[i].index = i;
    }
    qsort(names, m->export_count, sizeof *names, cmp_name);
    kiln_status st = KILN_OK;
    for (uint32_t i = 1; i < m->export_count; i++) {
        if (names[i].size == names[i - 1].size &&
            memcmp(names[i].bytes, names[i - 1].bytes, names[i].size) == 0) {
            st = kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                                "duplicate export name: \"%s\" (exports %u and %u)",
                                names[i].bytes, names[i - 1].index, names[i].index);
            break;
        }
    }
    free(names);
    return st;
}

kiln_status val_module(const wasm_module *m, kiln_error *err)
{
    kiln_status st;
    if (m == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "no module");
    for (uint32_t i = 0; i < m->import_count; i++) {
        const wasm_import *im = &m->imports[i];
        st = KILN_OK;
        if (im->kind == KILN_EXTERN_FUNC && im->desc.type_index >= m->type_count)
            st = kiln_error_set(err, KILN_ERR_INVALID, im->offset,
                                "unknown type: import %u uses type %u, %u types", i,
                                im->desc.type_index, m->type_count);
        else if (im->kind == KILN_EXTERN_TABLE)
            st = check_limits(&im->desc.table.limits, UINT32_MAX, false, im->offset,
                              "imported table", err);
        else if (im->kind == KILN_EXTERN_MEMORY)
            st = check_limits(&im->desc.memory, WASM_MAX_PAGES, true, im->offset,
                              "imported memory", err);
        if (st != KILN_OK)
            return st;
    }
    for (uint32_t i = m->func_import_count; i < m->func_count; i++) {
        if (m->funcs[i].type_index >= m->type_count)
            return kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                                  "unknown type: function %u uses type %u, %u types", i,
                                  m->funcs[i].type_index, m->type_count);
    }
    for (uint32_t i = m->table_import_count; i < m->table_count; i++) {
        st = check_limits(&m->tables[i].limits, UINT32_MAX, false, KILN_NO_OFFSET >> 32,
                          "table", err);
        if (st != KILN_OK)
            return st;
    }
    if (m->memory_count > 1)
        return kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                              "multiple memories: %u declared, at most 1", m->memory_count);
    for (uint32_t i = m->memory_import_count; i < m->memory_count; i++) {
        st = check_limits(&m->memories[i], WASM_MAX_PAGES, true, KILN_NO_OFFSET >> 32,
                          "memory", err);
        if (st != KILN_OK)
            return st;
    }
    for (uint32_t i = m->global_import_count; i < m->global_count; i++) {
        st = check_const_expr(m, &m->globals[i].init, m->globals[i].type.valtype,
                              "global initializer", err);
        if (st != KILN_OK)
            return st;
    }
    st = check_exports(m, err);
    if (st != KILN_OK)
        return st;
    if (m->has_start) {
        if (m->start_func >= m->func_count)
            return kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                                  "unknown function: start function %u, %u functions",
                                  m->start_func, m->func_count);
        const wasm_functype *ft = wasm_func_type(m, m->start_func);
        if (ft->param_count != 0 || ft->result_count != 0)
            return kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                                  "start function: function %u has type with %u params, %u "
                                  "results; expected [] -> []",
                                  m->start_func, ft->param_count, ft->result_count);
    }
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const wasm_elem *e = &m->elems[i];
        if (e->mode == KILN_SEGMENT_ACTIVE) {
            if (e->table_index >= m->table_count)
                return kiln_error_set(err, KILN_ERR_INVALID, e->offset.offset,
                                      "unknown table: element segment %u uses table %u, %u "
                                      "tables",
                                      i, e->table_index, m->table_count);
            if (m->tables[e->table_index].reftype != e->reftype)
                return kiln_error_set(err, KILN_ERR_INVALID, e->offset.offset,
                                      "type mismatch: element segment %u of %s for table %u "
                                      "of %s",
                                      i, type_name(e->reftype), e->table_index,
                                      type_name(m->tables[e->table_index].reftype));
            st = check_const_expr(m, &e->offset, WASM_I32, "element segment offset", err);
            if (st != KILN_OK)
                return st;
        }
        for (uint32_t k = 0; k < e->item_count; k++) {
            st = check_const_expr(m, &e->items[k], e->reftype, "element segment item", err);
            if (st != KILN_OK)
                return st;
        }
    }
    for (uint32_t i = 0; i < m->data_count; i++) {
        const wasm_data *d = &m->datas[i];
        if (d->mode != KILN_SEGMENT_ACTIVE)
            continue;
        if (d->memory_index >= m->memory_count)
            return kiln_error_set(err, KILN_ERR_INVALID, d->offset.offset,
                                  "unknown memory: data segment %u uses memory %u, %u "
                                  "memories",
                                  i, d->memory_index, m->memory_count);
        st = check_const_expr(m, &d->offset, WASM_I32, "data segment offset", err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}
