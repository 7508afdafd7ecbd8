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
    const char *name = kiln_aot_valtype_name(t);
    return name != NULL ? name : "unknown";
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
                                uint64_t offset, const char *what, kiln_error *err)
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
                                      "unknown function %u: ref.func in %s, %u functions",
                                      in->imm.index, what, m->func_count);
            t = WASM_FUNCREF;
            break;
        case WASM_OP_GLOBAL_GET:
            if (in->imm.index >= m->global_import_count)
                return kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                      "unknown global %u: global.get in %s, %u imported "
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
                                  "unknown %s %u: export \"%s\", %u defined", what,
                                  ex->index, ex->name.bytes, limit);
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
                                "unknown type %u: import %u, %u types",
                                im->desc.type_index, i, m->type_count);
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
                                  "unknown type %u: function %u, %u types",
                                  m->funcs[i].type_index, i, m->type_count);
    }
    for (uint32_t i = m->table_import_count; i < m->table_count; i++) {
        st = check_limits(&m->tables[i].limits, UINT32_MAX, false, KILN_NO_OFFSET,
                          "table", err);
        if (st != KILN_OK)
            return st;
    }
    if (m->memory_count > 1)
        return kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                              "multiple memories: %u declared, at most 1", m->memory_count);
    for (uint32_t i = m->memory_import_count; i < m->memory_count; i++) {
        st = check_limits(&m->memories[i], WASM_MAX_PAGES, true, KILN_NO_OFFSET,
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
                                  "unknown function %u: start function, %u functions",
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
                                      "unknown table %u: element segment %u, %u tables",
                                      e->table_index, i, m->table_count);
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
                                  "unknown memory %u: data segment %u, %u memories",
                                  d->memory_index, i, m->memory_count);
        st = check_const_expr(m, &d->offset, WASM_I32, "data segment offset", err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

/* ---- function bodies ----------------------------------------------------- */

typedef struct ctrl_frame {
    uint16_t op; /* WASM_OP_BLOCK/LOOP/IF/ELSE, or WASM_OP_CALL for the function */
    bool unreachable;
    const wasm_valtype *params;
    uint32_t param_count;
    const wasm_valtype *results;
    uint32_t result_count;
    uint32_t height; /* operand stack height at entry */
} ctrl_frame;

typedef struct val_state {
    const wasm_module *m;
    const wasm_body *body;
    const wasm_functype *ft;
    wasm_valtype *vals;
    uint32_t val_count, val_cap;
    ctrl_frame *ctrls;
    uint32_t ctrl_count, ctrl_cap;
    const wasm_instr *in; /* the instruction being checked, for messages */
    kiln_error *err;
} val_state;

static kiln_status fail(val_state *v, const char *fmt_head, const char *detail)
{
    return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset, "%s: %s %s at offset %u",
                          fmt_head, wasm_op_name((wasm_op)v->in->op), detail, v->in->offset);
}

static kiln_status nomem_v(val_state *v)
{
    return kiln_error_set(v->err, KILN_ERR_NOMEM, v->in->offset, "out of memory: validator");
}

static kiln_status push(val_state *v, wasm_valtype t)
{
    if (v->val_count == v->val_cap) {
        uint32_t cap = v->val_cap ? v->val_cap * 2 : 64;
        wasm_valtype *p = realloc(v->vals, cap);
        if (p == NULL)
            return nomem_v(v);
        v->vals = p;
        v->val_cap = cap;
    }
    v->vals[v->val_count++] = t;
    return KILN_OK;
}

static kiln_status pop(val_state *v, wasm_valtype *out)
{
    ctrl_frame *f = &v->ctrls[v->ctrl_count - 1];
    if (v->val_count == f->height) {
        if (f->unreachable) {
            *out = VAL_UNKNOWN;
            return KILN_OK;
        }
        return fail(v, "type mismatch", "needs an operand but the stack is empty");
    }
    *out = v->vals[--v->val_count];
    return KILN_OK;
}

static kiln_status pop_expect(val_state *v, wasm_valtype expected, wasm_valtype *out)
{
    ctrl_frame *f = &v->ctrls[v->ctrl_count - 1];
    wasm_valtype actual;
    if (v->val_count == f->height) {
        if (f->unreachable) {
            if (out)
                *out = expected;
            return KILN_OK;
        }
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "type mismatch: %s expects %s but the stack is empty at "
                              "offset %u",
                              wasm_op_name((wasm_op)v->in->op), type_name(expected),
                              v->in->offset);
    }
    actual = v->vals[--v->val_count];
    if (actual != expected && actual != VAL_UNKNOWN && expected != VAL_UNKNOWN)
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "type mismatch: %s expects %s but got %s at offset %u",
                              wasm_op_name((wasm_op)v->in->op), type_name(expected),
                              type_name(actual), v->in->offset);
    if (out)
        *out = actual == VAL_UNKNOWN ? expected : actual;
    return KILN_OK;
}

static kiln_status pop_types(val_state *v, const wasm_valtype *types, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;) {
        kiln_status st = pop_expect(v, types[i], NULL);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status push_types(val_state *v, const wasm_valtype *types, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        kiln_status st = push(v, types[i]);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status push_ctrl(val_state *v, uint16_t op, const wasm_valtype *params,
                             uint32_t param_count, const wasm_valtype *results,
                             uint32_t result_count)
{
    if (v->ctrl_count == v->ctrl_cap) {
        uint32_t cap = v->ctrl_cap ? v->ctrl_cap * 2 : 16;
        ctrl_frame *p = realloc(v->ctrls, (size_t)cap * sizeof *p);
        if (p == NULL)
            return nomem_v(v);
        v->ctrls = p;
        v->ctrl_cap = cap;
    }
    ctrl_frame *f = &v->ctrls[v->ctrl_count++];
    f->op = op;
    f->unreachable = false;
    f->params = params;
    f->param_count = param_count;
    f->results = results;
    f->result_count = result_count;
    f->height = v->val_count;
    return push_types(v, params, param_count);
}

/* Pops the frame's results and checks that nothing else is left. */
static kiln_status pop_frame_results(val_state *v)
{
    ctrl_frame *f = &v->ctrls[v->ctrl_count - 1];
    kiln_status st = pop_types(v, f->results, f->result_count);
    if (st != KILN_OK)
        return st;
    if (v->val_count != f->height)
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "type mismatch: %u extra value(s) on the stack at %s, block "
                              "returns %u at offset %u",
                              v->val_count - f->height, wasm_op_name((wasm_op)v->in->op),
                              f->result_count, v->in->offset);
    return KILN_OK;
}

static void set_unreachable(val_state *v)
{
    ctrl_frame *f = &v->ctrls[v->ctrl_count - 1];
    v->val_count = f->height;
    f->unreachable = true;
}

static void label_types(const ctrl_frame *f, const wasm_valtype **types, uint32_t *n)
{
    if (f->op == WASM_OP_LOOP) {
        *types = f->params;
        *n = f->param_count;
    } else {
        *types = f->results;
        *n = f->result_count;
    }
}

static kiln_status get_label(val_state *v, uint32_t depth, const ctrl_frame **out)
{
    if (depth >= v->ctrl_count)
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "unknown label: %s depth %u, %u enclosing blocks at offset %u",
                              wasm_op_name((wasm_op)v->in->op), depth, v->ctrl_count,
                              v->in->offset);
    *out = &v->ctrls[v->ctrl_count - 1 - depth];
    return KILN_OK;
}

/* Checks the top n operands against types without popping (br_table). */
static kiln_status check_top(val_state *v, const wasm_valtype *types, uint32_t n)
{
    ctrl_frame *f = &v->ctrls[v->ctrl_count - 1];
    for (uint32_t i = 0; i < n; i++) {
        wasm_valtype want = types[n - 1 - i];
        if (v->val_count - f->height <= i) {
            if (f->unreachable)
                return KILN_OK;
            return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                                  "type mismatch: br_table target expects %s but the stack "
                                  "is empty at offset %u",
                                  type_name(want), v->in->offset);
        }
        wasm_valtype have = v->vals[v->val_count - 1 - i];
        if (have != want && have != VAL_UNKNOWN)
            return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                                  "type mismatch: br_table target expects %s but got %s at "
                                  "offset %u",
                                  type_name(want), type_name(have), v->in->offset);
    }
    return KILN_OK;
}

static kiln_status block_sig(val_state *v, const wasm_instr *in, const wasm_valtype **params,
                             uint32_t *np, const wasm_valtype **results, uint32_t *nr)
{
    *params = NULL;
    *np = 0;
    *results = NULL;
    *nr = 0;
    switch ((wasm_blocktype_kind)in->imm.block.kind) {
    case WASM_BLOCK_EMPTY:
        break;
    case WASM_BLOCK_VALTYPE:
        *results = &single_types[in->imm.block.valtype];
        *nr = 1;
        break;
    case WASM_BLOCK_TYPE_IDX: {
        if (in->imm.block.type_index >= v->m->type_count)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "unknown type %u: block type, %u types at offset %u",
                                  in->imm.block.type_index, v->m->type_count, in->offset);
        const wasm_functype *ft = &v->m->types[in->imm.block.type_index];
        *params = ft->types;
        *np = ft->param_count;
        *results = ft->types + ft->param_count;
        *nr = ft->result_count;
        break;
    }
    }
    return KILN_OK;
}

static kiln_status need_memory(val_state *v, uint32_t index)
{
    if (index >= v->m->memory_count)
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "unknown memory %u: %s, %u memories at offset %u", index,
                              wasm_op_name((wasm_op)v->in->op), v->m->memory_count,
                              v->in->offset);
    return KILN_OK;
}

static kiln_status need_table(val_state *v, uint32_t index)
{
    if (index >= v->m->table_count)
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "unknown table %u: %s, %u tables at offset %u", index,
                              wasm_op_name((wasm_op)v->in->op), v->m->table_count,
                              v->in->offset);
    return KILN_OK;
}

static kiln_status need_elem(val_state *v, uint32_t index)
{
    if (index >= v->m->elem_count)
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "unknown elem segment %u: %u segments at offset %u", index,
                              v->m->elem_count, v->in->offset);
    return KILN_OK;
}

static kiln_status need_data(val_state *v, uint32_t index)
{
    if (index >= v->m->data_count)
        return kiln_error_set(v->err, KILN_ERR_INVALID, v->in->offset,
                              "unknown data segment %u: %u segments at offset %u", index,
                              v->m->data_count, v->in->offset);
    return KILN_OK;
}

/* True when func_index appears in C.refs: element segment items, exports
 * or global initializers. Scanned on demand: ref.func in bodies is rare. */
static bool func_declared(const wasm_module *m, uint32_t func_index)
{
    for (uint32_t i = 0; i < m->export_count; i++)
        if (m->exports[i].kind == KILN_EXTERN_FUNC && m->exports[i].index == func_index)
            return true;
    for (uint32_t i = 0; i < m->elem_count; i++)
        for (uint32_t k = 0; k < m->elems[i].item_count; k++) {
            const wasm_expr *e = &m->elems[i].items[k];
            for (uint32_t j = 0; j < e->count; j++)
                if (e->code[j].op == WASM_OP_REF_FUNC && e->code[j].imm.index == func_index)
                    return true;
        }
    for (uint32_t i = m->global_import_count; i < m->global_count; i++) {
        const wasm_expr *e = &m->globals[i].init;
        for (uint32_t j = 0; j < e->count; j++)
            if (e->code[j].op == WASM_OP_REF_FUNC && e->code[j].imm.index == func_index)
                return true;
    }
    return false;
}

static kiln_status check_generic(val_state *v, const wasm_instr *in, wasm_sig sig)
{
    const wasm_sig_info *si = wasm_sig_get(sig);
    kiln_status st;
    if (si->align_log2 >= 0) {
        st = need_memory(v, in->imm.mem.memory);
        if (st != KILN_OK)
            return st;
        if (wasm_op_family((wasm_op)in->op) == WASM_FAM_ATOMIC) {
            if (in->imm.mem.align_log2 != (uint32_t)si->align_log2)
                return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                      "alignment must be exactly natural: %s align 2^%u, "
                                      "natural 2^%d at offset %u",
                                      wasm_op_name((wasm_op)in->op), in->imm.mem.align_log2,
                                      si->align_log2, in->offset);
        } else if (in->imm.mem.align_log2 > (uint32_t)si->align_log2) {
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "alignment must not be larger than natural: %s align 2^%u, "
                                  "natural 2^%d at offset %u",
                                  wasm_op_name((wasm_op)in->op), in->imm.mem.align_log2,
                                  si->align_log2, in->offset);
        }
    }
    if (si->lanes != 0 && in->imm.mem.lane >= si->lanes)
        return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                              "invalid lane index: %s lane %u of %u at offset %u",
                              wasm_op_name((wasm_op)in->op), in->imm.mem.lane, si->lanes,
                              in->offset);
    if (in->op == WASM_OP_I8X16_SHUFFLE) {
        for (unsigned i = 0; i < 16; i++)
            if (in->imm.v128[i] >= 32)
                return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                      "invalid lane index: i8x16.shuffle lane %u is %u at "
                                      "offset %u",
                                      i, in->imm.v128[i], in->offset);
    }
    size_t np = strlen(si->params);
    for (size_t i = np; i-- > 0;) {
        st = pop_expect(v, letter_type(si->params[i]), NULL);
        if (st != KILN_OK)
            return st;
    }
    for (const char *r = si->results; *r; r++) {
        st = push(v, letter_type(*r));
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status pop_n_i32(val_state *v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        kiln_status st = pop_expect(v, WASM_I32, NULL);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status check_special(val_state *v, const wasm_instr *in, bool *done)
{
    const wasm_module *m = v->m;
    kiln_status st = KILN_OK;
    wasm_valtype t, t2;
    const wasm_valtype *types, *params, *results;
    uint32_t n, np, nr;
    const ctrl_frame *label;
    uint32_t local_total = v->ft->param_count + v->body->local_count;
    switch (in->op) {
    case WASM_OP_UNREACHABLE:
        set_unreachable(v);
        break;
    case WASM_OP_BLOCK:
    case WASM_OP_LOOP:
    case WASM_OP_IF:
        st = block_sig(v, in, &params, &np, &results, &nr);
        if (st == KILN_OK && in->op == WASM_OP_IF)
            st = pop_expect(v, WASM_I32, NULL);
        if (st == KILN_OK)
            st = pop_types(v, params, np);
        if (st == KILN_OK)
            st = push_ctrl(v, in->op, params, np, results, nr);
        break;
    case WASM_OP_ELSE: {
        ctrl_frame *f = &v->ctrls[v->ctrl_count - 1];
        if (f->op != WASM_OP_IF)
            return fail(v, "type mismatch", "without matching if");
        st = pop_frame_results(v);
        if (st != KILN_OK)
            return st;
        f->op = WASM_OP_ELSE;
        f->unreachable = false;
        st = push_types(v, f->params, f->param_count);
        break;
    }
    case WASM_OP_END: {
        ctrl_frame *f = &v->ctrls[v->ctrl_count - 1];
        st = pop_frame_results(v);
        if (st != KILN_OK)
            return st;
        if (f->op == WASM_OP_IF &&
            (f->param_count != f->result_count ||
             (f->param_count != 0 && memcmp(f->params, f->results, f->param_count) != 0)))
            return fail(v, "type mismatch", "if without else must have equal params and "
                                            "results");
        v->ctrl_count--;
        if (v->ctrl_count == 0) {
            *done = true;
            return KILN_OK;
        }
        st = push_types(v, f->results, f->result_count);
        break;
    }
    case WASM_OP_BR:
        st = get_label(v, in->imm.index, &label);
        if (st != KILN_OK)
            return st;
        label_types(label, &types, &n);
        st = pop_types(v, types, n);
        if (st == KILN_OK)
            set_unreachable(v);
        break;
    case WASM_OP_BR_IF:
        st = get_label(v, in->imm.index, &label);
        if (st != KILN_OK)
            return st;
        label_types(label, &types, &n);
        st = pop_expect(v, WASM_I32, NULL);
        if (st == KILN_OK)
            st = pop_types(v, types, n);
        if (st == KILN_OK)
            st = push_types(v, types, n);
        break;
    case WASM_OP_BR_TABLE: {
        const wasm_valtype *dtypes;
        uint32_t dn;
        st = pop_expect(v, WASM_I32, NULL);
        if (st == KILN_OK)
            st = get_label(v, in->imm.br_table.default_depth, &label);
        if (st != KILN_OK)
            return st;
        label_types(label, &dtypes, &dn);
        for (uint32_t i = 0; i < in->imm.br_table.count; i++) {
            uint32_t depth = v->body->br_targets[in->imm.br_table.first + i];
            st = get_label(v, depth, &label);
            if (st != KILN_OK)
                return st;
            label_types(label, &types, &n);
            if (n != dn)
                return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                      "type mismatch: br_table target %u has arity %u, "
                                      "default has %u at offset %u",
                                      depth, n, dn, in->offset);
            st = check_top(v, types, n);
            if (st != KILN_OK)
                return st;
        }
        st = pop_types(v, dtypes, dn);
        if (st == KILN_OK)
            set_unreachable(v);
        break;
    }
    case WASM_OP_RETURN:
        st = pop_types(v, v->ft->types + v->ft->param_count, v->ft->result_count);
        if (st == KILN_OK)
            set_unreachable(v);
        break;
    case WASM_OP_CALL: {
        if (in->imm.index >= m->func_count)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "unknown function %u: call, %u functions at offset %u",
                                  in->imm.index, m->func_count, in->offset);
        const wasm_functype *ft = wasm_func_type(m, in->imm.index);
        st = pop_types(v, ft->types, ft->param_count);
        if (st == KILN_OK)
            st = push_types(v, ft->types + ft->param_count, ft->result_count);
        break;
    }
    case WASM_OP_CALL_INDIRECT: {
        st = need_table(v, in->imm.call_indirect.table_index);
        if (st != KILN_OK)
            return st;
        if (m->tables[in->imm.call_indirect.table_index].reftype != WASM_FUNCREF)
            return fail(v, "type mismatch", "needs a funcref table");
        if (in->imm.call_indirect.type_index >= m->type_count)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "unknown type %u: call_indirect, %u types at offset %u",
                                  in->imm.call_indirect.type_index, m->type_count, in->offset);
        const wasm_functype *ft = &m->types[in->imm.call_indirect.type_index];
        st = pop_expect(v, WASM_I32, NULL);
        if (st == KILN_OK)
            st = pop_types(v, ft->types, ft->param_count);
        if (st == KILN_OK)
            st = push_types(v, ft->types + ft->param_count, ft->result_count);
        break;
    }
    case WASM_OP_DROP:
        st = pop(v, &t);
        break;
    case WASM_OP_SELECT:
        st = pop_expect(v, WASM_I32, NULL);
        if (st == KILN_OK)
            st = pop(v, &t);
        if (st == KILN_OK)
            st = pop(v, &t2);
        if (st != KILN_OK)
            return st;
        if (is_ref(t) || is_ref(t2))
            return fail(v, "type mismatch", "without a type needs numeric or vector operands");
        if (t != t2 && t != VAL_UNKNOWN && t2 != VAL_UNKNOWN)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "type mismatch: select operands %s and %s at offset %u",
                                  type_name(t2), type_name(t), in->offset);
        st = push(v, t == VAL_UNKNOWN ? t2 : t);
        break;
    case WASM_OP_SELECT_T:
        if (in->imm.select_type == 0)
            return fail(v, "invalid result arity", "must name exactly one type");
        st = pop_expect(v, WASM_I32, NULL);
        if (st == KILN_OK)
            st = pop_expect(v, in->imm.select_type, NULL);
        if (st == KILN_OK)
            st = pop_expect(v, in->imm.select_type, NULL);
        if (st == KILN_OK)
            st = push(v, in->imm.select_type);
        break;
    case WASM_OP_LOCAL_GET:
    case WASM_OP_LOCAL_SET:
    case WASM_OP_LOCAL_TEE:
        if (in->imm.index >= local_total)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "unknown local %u: %s, %u locals at offset %u",
                                  in->imm.index, wasm_op_name((wasm_op)in->op), local_total,
                                  in->offset);
        t = in->imm.index < v->ft->param_count
                ? v->ft->types[in->imm.index]
                : v->body->local_types[in->imm.index - v->ft->param_count];
        if (in->op != WASM_OP_LOCAL_GET)
            st = pop_expect(v, t, NULL);
        if (st == KILN_OK && in->op != WASM_OP_LOCAL_SET)
            st = push(v, t);
        break;
    case WASM_OP_GLOBAL_GET:
    case WASM_OP_GLOBAL_SET:
        if (in->imm.index >= m->global_count)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "unknown global %u: %s, %u globals at offset %u",
                                  in->imm.index, wasm_op_name((wasm_op)in->op),
                                  m->global_count, in->offset);
        t = m->globals[in->imm.index].type.valtype;
        if (in->op == WASM_OP_GLOBAL_GET) {
            st = push(v, t);
        } else {
            if (!m->globals[in->imm.index].type.is_mutable)
                return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                      "global is immutable: global.set %u at offset %u",
                                      in->imm.index, in->offset);
            st = pop_expect(v, t, NULL);
        }
        break;
    case WASM_OP_TABLE_GET:
    case WASM_OP_TABLE_SET:
    case WASM_OP_TABLE_SIZE:
    case WASM_OP_TABLE_GROW:
    case WASM_OP_TABLE_FILL:
        st = need_table(v, in->imm.index);
        if (st != KILN_OK)
            return st;
        t = m->tables[in->imm.index].reftype;
        if (in->op == WASM_OP_TABLE_GET) {
            st = pop_expect(v, WASM_I32, NULL);
            if (st == KILN_OK)
                st = push(v, t);
        } else if (in->op == WASM_OP_TABLE_SET) {
            st = pop_expect(v, t, NULL);
            if (st == KILN_OK)
                st = pop_expect(v, WASM_I32, NULL);
        } else if (in->op == WASM_OP_TABLE_SIZE) {
            st = push(v, WASM_I32);
        } else if (in->op == WASM_OP_TABLE_GROW) {
            st = pop_expect(v, WASM_I32, NULL);
            if (st == KILN_OK)
                st = pop_expect(v, t, NULL);
            if (st == KILN_OK)
                st = push(v, WASM_I32);
        } else {
            st = pop_expect(v, WASM_I32, NULL);
            if (st == KILN_OK)
                st = pop_expect(v, t, NULL);
            if (st == KILN_OK)
                st = pop_expect(v, WASM_I32, NULL);
        }
        break;
    case WASM_OP_MEMORY_SIZE:
        st = need_memory(v, in->imm.index);
        if (st == KILN_OK)
            st = push(v, WASM_I32);
        break;
    case WASM_OP_MEMORY_GROW:
        st = need_memory(v, in->imm.index);
        if (st == KILN_OK)
            st = pop_expect(v, WASM_I32, NULL);
        if (st == KILN_OK)
            st = push(v, WASM_I32);
        break;
    case WASM_OP_MEMORY_INIT:
        st = need_memory(v, in->imm.pair.b);
        if (st == KILN_OK)
            st = need_data(v, in->imm.pair.a);
        if (st == KILN_OK)
            st = pop_n_i32(v, 3);
        break;
    case WASM_OP_DATA_DROP:
        st = need_data(v, in->imm.index);
        break;
    case WASM_OP_MEMORY_COPY:
        st = need_memory(v, in->imm.pair.a);
        if (st == KILN_OK)
            st = need_memory(v, in->imm.pair.b);
        if (st == KILN_OK)
            st = pop_n_i32(v, 3);
        break;
    case WASM_OP_MEMORY_FILL:
        st = need_memory(v, in->imm.index);
        if (st == KILN_OK)
            st = pop_n_i32(v, 3);
        break;
    case WASM_OP_TABLE_INIT:
        st = need_table(v, in->imm.pair.b);
        if (st == KILN_OK)
            st = need_elem(v, in->imm.pair.a);
        if (st != KILN_OK)
            return st;
        if (m->elems[in->imm.pair.a].reftype != m->tables[in->imm.pair.b].reftype)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "type mismatch: table.init of %s segment into %s table at "
                                  "offset %u",
                                  type_name(m->elems[in->imm.pair.a].reftype),
                                  type_name(m->tables[in->imm.pair.b].reftype), in->offset);
        st = pop_n_i32(v, 3);
        break;
    case WASM_OP_ELEM_DROP:
        st = need_elem(v, in->imm.index);
        break;
    case WASM_OP_TABLE_COPY:
        st = need_table(v, in->imm.pair.a);
        if (st == KILN_OK)
            st = need_table(v, in->imm.pair.b);
        if (st != KILN_OK)
            return st;
        if (m->tables[in->imm.pair.a].reftype != m->tables[in->imm.pair.b].reftype)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "type mismatch: table.copy from %s table to %s table at "
                                  "offset %u",
                                  type_name(m->tables[in->imm.pair.b].reftype),
                                  type_name(m->tables[in->imm.pair.a].reftype), in->offset);
        st = pop_n_i32(v, 3);
        break;
    case WASM_OP_REF_NULL:
        st = push(v, in->imm.reftype);
        break;
    case WASM_OP_REF_IS_NULL:
        st = pop(v, &t);
        if (st != KILN_OK)
            return st;
        if (t != VAL_UNKNOWN && !is_ref(t))
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "type mismatch: ref.is_null expects a reference but got %s "
                                  "at offset %u",
                                  type_name(t), in->offset);
        st = push(v, WASM_I32);
        break;
    case WASM_OP_REF_FUNC:
        if (in->imm.index >= m->func_count)
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "unknown function %u: ref.func, %u functions at offset %u",
                                  in->imm.index, m->func_count, in->offset);
        if (!func_declared(m, in->imm.index))
            return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                                  "undeclared function reference: ref.func %u at offset %u",
                                  in->imm.index, in->offset);
        st = push(v, WASM_FUNCREF);
        break;
    default:
        return kiln_error_set(v->err, KILN_ERR_INVALID, in->offset,
                              "internal: no validation rule for %s at offset %u",
                              wasm_op_name((wasm_op)in->op), in->offset);
    }
    return st;
}

kiln_status val_function(const wasm_module *m, const wasm_body *body, kiln_error *err)
{
    if (m == NULL || body == NULL || body->func_index >= m->func_count ||
        body->code_count == 0)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "no function body");
    if (m->funcs[body->func_index].type_index >= m->type_count)
        return kiln_error_set(err, KILN_ERR_INVALID, KILN_NO_OFFSET,
                              "unknown type %u: function %u, %u types",
                              m->funcs[body->func_index].type_index, body->func_index,
                              m->type_count);
    val_state v;
    memset(&v, 0, sizeof v);
    v.m = m;
    v.body = body;
    v.ft = wasm_func_type(m, body->func_index);
    v.err = err;
    v.in = &body->code[0];
    kiln_status st = push_ctrl(&v, WASM_OP_CALL, NULL, 0, v.ft->types + v.ft->param_count,
                               v.ft->result_count);
    bool done = false;
    for (uint32_t pc = 0; st == KILN_OK && pc < body->code_count; pc++) {
        const wasm_instr *in = &body->code[pc];
        v.in = in;
        wasm_sig sig = wasm_op_sig(in->op);
        if (sig == WASM_SIG_SPECIAL)
            st = check_special(&v, in, &done);
        else
            st = check_generic(&v, in, sig);
        if (st == KILN_OK && done && pc + 1 != body->code_count)
            st = kiln_error_set(err, KILN_ERR_INVALID, in->offset,
                                "type mismatch: code after the function's final end at "
                                "offset %u",
                                in->offset);
    }
    if (st == KILN_OK && !done)
        st = kiln_error_set(err, KILN_ERR_INVALID, v.in->offset,
                            "type mismatch: function %u body does not close its blocks",
                            body->func_index);
    free(v.vals);
    free(v.ctrls);
    return st;
}
