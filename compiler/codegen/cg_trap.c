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
#include <assert.h>
#include <string.h>

#include "cg_internal.h"

/* The C signature of each helper, as the text of KILN_HELPERS. */
#define HELPER_SIGNATURE(ID, id, fn, name, result, params) \
    [KILN_HELPER_##ID] = {#result, #params},
static const char *const helper_signatures[KILN_HELPER_COUNT][2] = {
    KILN_HELPERS(HELPER_SIGNATURE)};
#undef HELPER_SIGNATURE

/* The LLVM type of one C type of a KILN_HELPERS signature (len bytes,
 * maybe followed by the parameter's name); NULL for a type the list must
 * not use. */
static LLVMTypeRef helper_c_type(const cg_module *cgm, const char *text, size_t len)
{
    while (len > 0 && *text == ' ') {
        text++;
        len--;
    }
    if (memchr(text, '*', len) != NULL)
        return cgm->t_ptr;
    size_t word = 0;
    while (word < len && text[word] != ' ')
        word++;
    static const struct {
        const char *name;
        unsigned bits; /* 0: void */
    } known[] = {{"void", 0}, {"uint32_t", 32}, {"int32_t", 32}, {"uint64_t", 64},
                 {"int64_t", 64}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strlen(known[i].name) == word && memcmp(text, known[i].name, word) == 0)
            return known[i].bits == 0    ? cgm->t_void
                   : known[i].bits == 32 ? cgm->t_i32
                                         : cgm->t_i64;
    }
    return NULL;
}

LLVMTypeRef cg_helper_type(const cg_module *cgm, kiln_helper_id id)
{
    if ((unsigned)id >= KILN_HELPER_COUNT)
        return NULL;
    const char *result = helper_signatures[id][0];
    const char *params = helper_signatures[id][1];
    LLVMTypeRef ret = helper_c_type(cgm, result, strlen(result));
    size_t len = strlen(params);
    if (ret == NULL || len < 2 || params[0] != '(' || params[len - 1] != ')')
        return NULL;
    LLVMTypeRef types[8];
    unsigned count = 0;
    const char *p = params + 1, *end = params + len - 1;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma != NULL ? comma : end;
        if (count == sizeof types / sizeof types[0])
            return NULL;
        types[count] = helper_c_type(cgm, p, (size_t)(stop - p));
        if (types[count] == NULL || types[count] == cgm->t_void)
            return NULL;
        count++;
        p = comma != NULL ? comma + 1 : end;
    }
    if (count == 0 || types[0] != cgm->t_ptr) /* vmctx first */
        return NULL;
    return LLVMFunctionType(ret, types, count, 0);
}

LLVMValueRef cg_call_helper(cg_func *fn, kiln_helper_id id, LLVMValueRef *args,
                            unsigned arg_count)
{
    cg_module *cgm = fn->cgm;
    unsigned w = cgm->config.pointer_width;
    cgm->helpers_used |= UINT64_C(1) << id;
    LLVMTypeRef fty = cg_helper_type(cgm, id);
    assert(fty != NULL && "every KILN_HELPERS signature uses known C types");
    assert(LLVMCountParamTypes(fty) == arg_count + 1);

    LLVMValueRef table = cg_vmctx_load(fn, KILN_VMCTX_HELPERS * w, cgm->t_ptr, true, "helpers");
    LLVMValueRef slot_index = LLVMConstInt(cgm->t_i64, id, 0);
    LLVMValueRef slot = LLVMBuildGEP2(fn->b, cgm->t_ptr, table, &slot_index, 1, "");
    LLVMValueRef helper = LLVMBuildLoad2(fn->b, cgm->t_ptr, slot, "helper");
    LLVMSetAlignment(helper, w);
    cg_set_invariant(cgm, helper);
    cg_set_tbaa_vmctx(cgm, helper);

    LLVMValueRef full_args[arg_count + 1];
    LLVMTypeRef param_types[arg_count + 1];
    LLVMGetParamTypes(fty, param_types);
    full_args[0] = fn->vmctx;
    for (unsigned i = 0; i < arg_count; i++) {
        assert(LLVMTypeOf(args[i]) == param_types[i + 1] && "helper argument of its C type");
        full_args[i + 1] = args[i];
    }
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
    LLVMValueRef call = cg_call_helper(fn, KILN_HELPER_TRAP, &arg, 1);
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
