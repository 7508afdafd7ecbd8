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
