/*
 * Variable instructions: local.get/set/tee on the entry-block allocas
 * (mem2reg turns them into SSA), global.get/set on the vmctx global slots.
 *
 * Global slot i is at layout.globals + 16 * i. A defined global holds its
 * value in the slot; an imported one holds a pointer to the exporter's
 * 16-byte cell (set at instantiation, so that pointer load is invariant).
 * Immutable globals never change after instantiation: their value loads are
 * invariant too, so LLVM may hoist them out of loops.
 */
#include "cg_internal.h"

/* Address of global `index`'s value. */
static LLVMValueRef global_addr(cg_func *fn, uint32_t index)
{
    cg_module *cgm = fn->cgm;
    uint32_t slot = cgm->layout.globals + index * KILN_GLOBAL_SLOT_SIZE;
    if (!cgm->wasm->globals[index].imported)
        return cg_vmctx_addr(fn, slot, "global");
    return cg_vmctx_load(fn, slot, cgm->t_ptr, true, "global.cell");
}

/* Our own slots are 16-aligned; an imported cell may come from the host,
 * so only natural alignment (capped at 8) is assumed for it. */
static unsigned global_align(const cg_module *cgm, uint32_t index)
{
    const wasm_global *g = &cgm->wasm->globals[index];
    if (!g->imported)
        return KILN_GLOBAL_SLOT_SIZE;
    if (g->type.valtype == WASM_I32 || g->type.valtype == WASM_F32)
        return 4;
    if (g->type.valtype == WASM_FUNCREF || g->type.valtype == WASM_EXTERNREF)
        return cgm->config.pointer_width;
    return 8;
}

kiln_status cg_emit_variable(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    switch ((wasm_op)in->op) {
    case WASM_OP_LOCAL_GET: {
        uint32_t i = in->imm.index;
        LLVMTypeRef t = cg_valtype(cgm, fn->local_types[i]);
        cg_push(fn, LLVMBuildLoad2(fn->b, t, fn->locals[i], ""));
        return KILN_OK;
    }
    case WASM_OP_LOCAL_SET:
        LLVMBuildStore(fn->b, cg_pop(fn), fn->locals[in->imm.index]);
        return KILN_OK;
    case WASM_OP_LOCAL_TEE:
        LLVMBuildStore(fn->b, cg_peek(fn, 0), fn->locals[in->imm.index]);
        return KILN_OK;
    case WASM_OP_GLOBAL_GET: {
        const wasm_global *g = &cgm->wasm->globals[in->imm.index];
        LLVMTypeRef t = cg_valtype(cgm, g->type.valtype);
        LLVMValueRef v = LLVMBuildLoad2(fn->b, t, global_addr(fn, in->imm.index), "");
        LLVMSetAlignment(v, global_align(cgm, in->imm.index));
        cg_set_tbaa_vmctx(cgm, v);
        if (!g->type.is_mutable)
            cg_set_invariant(cgm, v);
        cg_push(fn, v);
        return KILN_OK;
    }
    case WASM_OP_GLOBAL_SET: {
        LLVMValueRef v = cg_pop(fn);
        LLVMValueRef st = LLVMBuildStore(fn->b, v, global_addr(fn, in->imm.index));
        LLVMSetAlignment(st, global_align(cgm, in->imm.index));
        cg_set_tbaa_vmctx(cgm, st);
        return KILN_OK;
    }
    default:
        return cg_unsupported(fn, in);
    }
}
