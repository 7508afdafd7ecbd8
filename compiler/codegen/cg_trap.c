/*
 * Traps and runtime helper calls.
 *
 * Each function has at most one trap block per trap code, created on first
 * use at the end of the function: it calls KILN_HELPER_TRAP(vmctx, code),
 * which never returns (the runtime unwinds to the host), then `unreachable`.
 * Branches into a trap block carry branch weights so LLVM lays them out cold.
 *
 * Helpers are reached through vmctx->helpers[id] (never by symbol), so code
 * stays position independent; every use sets the id's bit in helpers_used.
 */
#include "cg_internal.h"

LLVMValueRef cg_call_helper(cg_func *fn, kiln_helper_id id, LLVMTypeRef ret,
                            LLVMValueRef *args, unsigned arg_count)
{
    cg_module *cgm = fn->cgm;
    unsigned w = cgm->config.pointer_width;
    cgm->helpers_used |= UINT64_C(1) << id;

    LLVMValueRef table = cg_vmctx_load(fn, KILN_VMCTX_HELPERS * w, cgm->t_ptr, true, "helpers");
    LLVMValueRef slot_index = LLVMConstInt(cgm->t_i64, id, 0);
    LLVMValueRef slot = LLVMBuildGEP2(fn->b, cgm->t_ptr, table, &slot_index, 1, "");
    LLVMValueRef helper = LLVMBuildLoad2(fn->b, cgm->t_ptr, slot, "helper");
    LLVMSetAlignment(helper, w);
    cg_set_invariant(cgm, helper);
    cg_set_tbaa_vmctx(cgm, helper);

    LLVMValueRef full_args[arg_count + 1];
    LLVMTypeRef param_types[arg_count + 1];
    full_args[0] = fn->vmctx;
    param_types[0] = cgm->t_ptr;
    for (unsigned i = 0; i < arg_count; i++) {
        full_args[i + 1] = args[i];
        param_types[i + 1] = LLVMTypeOf(args[i]);
    }
    LLVMTypeRef fty = LLVMFunctionType(ret, param_types, arg_count + 1, 0);
    return LLVMBuildCall2(fn->b, fty, helper, full_args, arg_count + 1, "");
}

static const char *trap_block_name(kiln_trap_code code)
{
    switch (code) {
    case KILN_TRAP_UNREACHABLE:
        return "trap.unreachable";
    case KILN_TRAP_INT_DIV_BY_ZERO:
        return "trap.div_by_zero";
    case KILN_TRAP_INT_OVERFLOW:
        return "trap.int_overflow";
    case KILN_TRAP_INVALID_CONVERSION:
        return "trap.invalid_conversion";
    case KILN_TRAP_OUT_OF_BOUNDS_MEMORY:
        return "trap.oob_memory";
    case KILN_TRAP_CALL_STACK_EXHAUSTED:
        return "trap.stack_exhausted";
    case KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH:
        return "trap.indirect_type";
    case KILN_TRAP_UNDEFINED_ELEMENT:
        return "trap.undefined_element";
    case KILN_TRAP_UNINITIALIZED_ELEMENT:
        return "trap.uninitialized_element";
    case KILN_TRAP_OUT_OF_BOUNDS_TABLE:
        return "trap.oob_table";
    case KILN_TRAP_NULL_REFERENCE:
        return "trap.null_reference";
    case KILN_TRAP_UNALIGNED_ATOMIC:
        return "trap.unaligned_atomic";
    case KILN_TRAP_HOST:
        return "trap.host";
    case KILN_TRAP_INTERRUPTED:
        return "trap.interrupted";
    case KILN_TRAP_NONE:
    case KILN_TRAP_COUNT:
        break;
    }
    return "trap";
}

static LLVMBasicBlockRef trap_block(cg_func *fn, kiln_trap_code code)
{
    if (fn->trap_bbs[code])
        return fn->trap_bbs[code];
    cg_module *cgm = fn->cgm;
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(fn->b);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(cgm->ctx, fn->fn, trap_block_name(code));
    LLVMPositionBuilderAtEnd(fn->b, bb);
    LLVMValueRef arg = LLVMConstInt(cgm->t_i32, (unsigned long long)code, 0);
    LLVMValueRef call = cg_call_helper(fn, KILN_HELPER_TRAP, cgm->t_void, &arg, 1);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_noreturn, 0));
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_cold, 0));
    LLVMBuildUnreachable(fn->b);
    if (saved)
        LLVMPositionBuilderAtEnd(fn->b, saved);
    fn->trap_bbs[code] = bb;
    return bb;
}

void cg_trap_if(cg_func *fn, LLVMValueRef cond, kiln_trap_code code)
{
    LLVMBasicBlockRef trap = trap_block(fn, code);
    LLVMBasicBlockRef cont = cg_append_block(fn, "ok");
    LLVMValueRef br = LLVMBuildCondBr(fn->b, cond, trap, cont);
    LLVMSetMetadata(br, fn->cgm->md_prof, fn->cgm->md_unlikely);
    LLVMPositionBuilderAtEnd(fn->b, cont);
}

void cg_trap(cg_func *fn, kiln_trap_code code)
{
    LLVMBuildBr(fn->b, trap_block(fn, code));
}
