/*
 * Table and reference instructions.
 *
 * table.get/set/size are inline: the vmctx tables region holds per table a
 * definition pointer {void **elements at 0; u32 size at W}; the definition
 * pointer is fixed at instantiation (invariant), elements and size change on
 * grow so they are loaded at every use. An index >= size traps "out of
 * bounds table access". table.grow/fill/copy/init, elem.drop and ref.func
 * call runtime helpers (which trap themselves on bad arguments).
 * References are pointers; ref.null is the null pointer.
 */
#include <stdlib.h>

#include "cg_internal.h"

static LLVMValueRef u32_const(cg_func *fn, uint32_t v)
{
    return LLVMConstInt(fn->cgm->t_i32, v, 0);
}

/* Checks index against table `table`'s size; returns the element address. */
static LLVMValueRef element_addr(cg_func *fn, uint32_t table, LLVMValueRef index)
{
    cg_module *cgm = fn->cgm;
    unsigned w = cgm->config.pointer_width;
    LLVMValueRef tdef = cg_vmctx_load(fn, cgm->layout.tables + table * w, cgm->t_ptr, true,
                                      "table");
    LLVMValueRef off = LLVMConstInt(cgm->t_i64, KILN_TABLEDEF_SIZE_OFFSET(w), 0);
    LLVMValueRef size_addr = LLVMBuildGEP2(fn->b, cgm->t_i8, tdef, &off, 1, "");
    LLVMValueRef size = LLVMBuildLoad2(fn->b, cgm->t_i32, size_addr, "table.size");
    LLVMSetAlignment(size, 4);
    cg_set_tbaa_vmctx(cgm, size);
    cg_trap_if(fn, LLVMBuildICmp(fn->b, LLVMIntUGE, index, size, ""),
               KILN_TRAP_OUT_OF_BOUNDS_TABLE);
    _Static_assert(KILN_TABLEDEF_ELEMENTS_OFFSET(8) == 0 && KILN_TABLEDEF_ELEMENTS_OFFSET(4) == 0,
                   "the table's elements are loaded from its definition's address");
    LLVMValueRef elements = LLVMBuildLoad2(fn->b, cgm->t_ptr, tdef, "table.elements");
    LLVMSetAlignment(elements, w);
    cg_set_tbaa_vmctx(cgm, elements);
    LLVMValueRef idx64 = LLVMBuildZExt(fn->b, index, cgm->t_i64, "");
    return LLVMBuildGEP2(fn->b, cgm->t_ptr, elements, &idx64, 1, "");
}

kiln_status cg_emit_table(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    unsigned w = cgm->config.pointer_width;
    switch ((wasm_op)in->op) {
    case WASM_OP_TABLE_GET: {
        LLVMValueRef addr = element_addr(fn, in->imm.index, cg_pop(fn));
        LLVMValueRef v = LLVMBuildLoad2(fn->b, cgm->t_ptr, addr, "");
        LLVMSetAlignment(v, w);
        cg_set_tbaa_vmctx(cgm, v);
        cg_push(fn, v);
        return KILN_OK;
    }
    case WASM_OP_TABLE_SET: {
        LLVMValueRef v = cg_pop(fn);
        LLVMValueRef addr = element_addr(fn, in->imm.index, cg_pop(fn));
        LLVMValueRef st = LLVMBuildStore(fn->b, v, addr);
        LLVMSetAlignment(st, w);
        cg_set_tbaa_vmctx(cgm, st);
        return KILN_OK;
    }
    case WASM_OP_TABLE_SIZE: {
        LLVMValueRef tdef = cg_vmctx_load(fn, cgm->layout.tables + in->imm.index * w,
                                          cgm->t_ptr, true, "table");
        LLVMValueRef off = LLVMConstInt(cgm->t_i64, KILN_TABLEDEF_SIZE_OFFSET(w), 0);
        LLVMValueRef addr = LLVMBuildGEP2(fn->b, cgm->t_i8, tdef, &off, 1, "");
        LLVMValueRef size = LLVMBuildLoad2(fn->b, cgm->t_i32, addr, "table.size");
        LLVMSetAlignment(size, 4);
        cg_set_tbaa_vmctx(cgm, size);
        cg_push(fn, size);
        return KILN_OK;
    }
    case WASM_OP_TABLE_GROW: {
        LLVMValueRef n = cg_pop(fn), init = cg_pop(fn);
        LLVMValueRef args[3] = {u32_const(fn, in->imm.index), init, n};
        cg_push(fn, cg_call_helper(fn, KILN_HELPER_TABLE_GROW, args, 3));
        return KILN_OK;
    }
    case WASM_OP_TABLE_FILL: {
        LLVMValueRef n = cg_pop(fn), value = cg_pop(fn), dst = cg_pop(fn);
        LLVMValueRef args[4] = {u32_const(fn, in->imm.index), dst, value, n};
        cg_call_helper(fn, KILN_HELPER_TABLE_FILL, args, 4);
        return KILN_OK;
    }
    case WASM_OP_TABLE_COPY: {
        /* imm.pair: a = destination table, b = source table. */
        LLVMValueRef n = cg_pop(fn), src = cg_pop(fn), dst = cg_pop(fn);
        LLVMValueRef args[5] = {u32_const(fn, in->imm.pair.a), u32_const(fn, in->imm.pair.b),
                                dst, src, n};
        cg_call_helper(fn, KILN_HELPER_TABLE_COPY, args, 5);
        return KILN_OK;
    }
    case WASM_OP_TABLE_INIT: {
        /* imm.pair: a = element segment, b = table. */
        LLVMValueRef n = cg_pop(fn), src = cg_pop(fn), dst = cg_pop(fn);
        LLVMValueRef args[5] = {u32_const(fn, in->imm.pair.b), u32_const(fn, in->imm.pair.a),
                                dst, src, n};
        cg_call_helper(fn, KILN_HELPER_TABLE_INIT, args, 5);
        return KILN_OK;
    }
    case WASM_OP_ELEM_DROP: {
        LLVMValueRef arg = u32_const(fn, in->imm.index);
        cg_call_helper(fn, KILN_HELPER_ELEM_DROP, &arg, 1);
        return KILN_OK;
    }
    default:
        return cg_unsupported(fn, in);
    }
}

kiln_status cg_emit_reference(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    switch ((wasm_op)in->op) {
    case WASM_OP_REF_NULL:
        cg_push(fn, LLVMConstPointerNull(cgm->t_ptr));
        return KILN_OK;
    case WASM_OP_REF_IS_NULL:
        cg_push(fn, cg_bool_to_i32(fn, LLVMBuildIsNull(fn->b, cg_pop(fn), "")));
        return KILN_OK;
    case WASM_OP_REF_FUNC: {
        LLVMValueRef arg = u32_const(fn, in->imm.index);
        cg_push(fn, cg_call_helper(fn, KILN_HELPER_FUNC_REF, &arg, 1));
        return KILN_OK;
    }
    default:
        return cg_unsupported(fn, in);
    }
}

/*
 * Sealed tables. A table is sealed when nothing but instantiation can ever
 * write it: defined here (not imported), not exported, no table.set,
 * table.grow, table.fill, table.copy into it or table.init of it in any
 * body, and every active segment for it has an i32.const offset and ref.func
 * / ref.null items. Its contents are then those the active segments write,
 * in order, into a table of `min` nulls, and its size stays `min`: the
 * runtime applies the same segments the same way, and an instantiation whose
 * segment does not fit fails before any code runs. Bodies are decoded once
 * more for the scan, so only modules compiled as one unit (no partitions,
 * each of which would repeat it) and small tables (TABLE_SEALED_MAX
 * entries, each a switch case at every call_indirect) qualify.
 */
#define TABLE_SEALED_MAX 64u

static void mark_mutated(const wasm_instr *in, bool *mutated, uint32_t table_count)
{
    uint32_t t = UINT32_MAX;
    switch ((wasm_op)in->op) {
    case WASM_OP_TABLE_SET:
    case WASM_OP_TABLE_GROW:
    case WASM_OP_TABLE_FILL:
        t = in->imm.index;
        break;
    case WASM_OP_TABLE_COPY:
        t = in->imm.pair.a; /* destination */
        break;
    case WASM_OP_TABLE_INIT:
        t = in->imm.pair.b; /* table */
        break;
    default:
        return;
    }
    if (t < table_count)
        mutated[t] = true;
}

/* Applies segment `e` to contents[] (func index or UINT32_MAX for null);
 * false when it cannot be known at compile time or does not fit. */
static bool apply_segment(const wasm_module *m, const wasm_elem *e, uint32_t size,
                          uint32_t *contents)
{
    if (e->offset.count != 2 || e->offset.code[0].op != WASM_OP_I32_CONST)
        return false;
    uint64_t at = (uint32_t)e->offset.code[0].imm.i32;
    if (at + e->item_count > size)
        return false;
    for (uint32_t j = 0; j < e->item_count; j++) {
        const wasm_expr *item = &e->items[j];
        if (item->count != 2)
            return false;
        if (item->code[0].op == WASM_OP_REF_FUNC && item->code[0].imm.index < m->func_count)
            contents[at + j] = item->code[0].imm.index;
        else if (item->code[0].op == WASM_OP_REF_NULL)
            contents[at + j] = UINT32_MAX;
        else
            return false;
    }
    return true;
}

void cg_tables_seal(cg_module *cgm)
{
    const wasm_module *m = cgm->wasm;
    if (cgm->partitioned || m->table_count == m->table_import_count)
        return;
    bool *mutated = calloc(m->table_count, sizeof *mutated);
    cgm->sealed = calloc(m->table_count, sizeof *cgm->sealed);
    if (mutated == NULL || cgm->sealed == NULL)
        goto out;
    for (uint32_t i = 0; i < m->table_import_count; i++)
        mutated[i] = true;
    for (uint32_t i = 0; i < m->export_count; i++)
        if (m->exports[i].kind == KILN_EXTERN_TABLE && m->exports[i].index < m->table_count)
            mutated[m->exports[i].index] = true;
    for (uint32_t f = m->func_import_count; f < m->func_count; f++) {
        wasm_body body;
        kiln_error ignored = {0};
        if (dec_function_body(m, f, &body, &ignored) != KILN_OK) {
            /* Codegen reports it; nothing is sealed meanwhile. */
            for (uint32_t t = 0; t < m->table_count; t++)
                mutated[t] = true;
            break;
        }
        for (uint32_t i = 0; i < body.code_count; i++)
            mark_mutated(&body.code[i], mutated, m->table_count);
        dec_body_free(&body);
    }
    for (uint32_t t = m->table_import_count; t < m->table_count; t++) {
        const wasm_tabletype *tt = &m->tables[t];
        if (mutated[t] || tt->reftype != WASM_FUNCREF || tt->limits.min > TABLE_SEALED_MAX)
            continue;
        uint32_t size = (uint32_t)tt->limits.min;
        uint32_t *contents = malloc((size ? size : 1) * sizeof *contents);
        if (contents == NULL)
            continue;
        for (uint32_t i = 0; i < size; i++)
            contents[i] = UINT32_MAX;
        bool known = true;
        for (uint32_t i = 0; i < m->elem_count && known; i++) {
            const wasm_elem *e = &m->elems[i];
            if (e->mode == KILN_SEGMENT_ACTIVE && e->table_index == t)
                known = apply_segment(m, e, size, contents);
        }
        if (!known) {
            free(contents);
            continue;
        }
        cgm->sealed[t] = contents; /* tables[t].limits.min entries */
    }
out:
    free(mutated);
}
