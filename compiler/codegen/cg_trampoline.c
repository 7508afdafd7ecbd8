/*
 * Trampolines between the runtime's uniform calling form (arrays of 16-byte
 * kiln_slot, value little-endian in the low bytes) and native signatures.
 *
 * kiln_entry_t<T>(ptr vmctx, ptr code, ptr slots), for every type T of an
 * exported function or of the start function (the only functions the
 * runtime calls from the host, see check_callable in runtime/loader.c):
 * loads the arguments from slots, calls code(vmctx, args...) with T's
 * native signature, stores the results to slots[0..results). Types nothing
 * calls from the host get none, so a module of a million types and no
 * functions compiles no code at all.
 *
 * kiln_host_t<T>(ptr binding, params...), for every type T a function
 * import uses: has T's native signature; stores the params into a stack
 * array of max(params, results, 1) slots, calls binding->dispatch(binding,
 * slots) (dispatch is binding word 0) and returns the results read back.
 *
 * Both are external, hidden (so dso_local), nounwind, frame pointers kept.
 *
 * XIP code (cg_config.xip, 32-bit Arm) calls libcalls through r9, which
 * it never allocates: each entry trampoline saves the caller's r9, loads
 * vmctx word KILN_VMCTX_LIBCALLS into it, and restores it on return (a
 * trap's longjmp restores it with the other callee-saved registers). Host
 * functions and runtime helpers preserve r9 as the AAPCS requires.
 */
#include <stdio.h>

#include "cg_internal.h"

static void set_trampoline_linkage(const cg_module *cgm, LLVMValueRef f)
{
    LLVMSetLinkage(f, LLVMExternalLinkage);
    LLVMSetVisibility(f, LLVMHiddenVisibility);
    cg_add_function_attrs(cgm, f);
}

/* Declares kiln_entry_t<t> once. */
static void declare_entry(cg_module *cgm, LLVMTypeRef entry_type, uint32_t t)
{
    if (cgm->entry_tramps[t] != NULL)
        return;
    char name[96];
    cg_symbol_name(cgm, name, sizeof name, "kiln_entry_t", t);
    LLVMValueRef f = LLVMAddFunction(cgm->llvm, name, entry_type);
    set_trampoline_linkage(cgm, f);
    cgm->entry_tramps[t] = f;
}

void cg_declare_trampolines(cg_module *cgm)
{
    const wasm_module *m = cgm->wasm;
    LLVMTypeRef entry_params[3] = {cgm->t_ptr, cgm->t_ptr, cgm->t_ptr};
    LLVMTypeRef entry_type = LLVMFunctionType(cgm->t_void, entry_params, 3, 0);
    char name[96];
    for (uint32_t i = 0; i < m->export_count; i++) {
        const wasm_export *ex = &m->exports[i];
        if (ex->kind == KILN_EXTERN_FUNC)
            declare_entry(cgm, entry_type, m->funcs[ex->index].type_index);
    }
    if (m->has_start)
        declare_entry(cgm, entry_type, m->funcs[m->start_func].type_index);
    for (uint32_t i = 0; i < m->func_import_count; i++) {
        uint32_t t = m->funcs[i].type_index;
        if (cgm->host_tramps[t])
            continue;
        cg_symbol_name(cgm, name, sizeof name, "kiln_host_t", t);
        LLVMValueRef f = LLVMAddFunction(cgm->llvm, name, cgm->func_types[t]);
        set_trampoline_linkage(cgm, f);
        cgm->host_tramps[t] = f;
    }
}

static LLVMValueRef slot_addr(const cg_module *cgm, LLVMBuilderRef b, LLVMValueRef slots,
                              uint32_t i)
{
    LLVMValueRef off = LLVMConstInt(cgm->t_i64, (uint64_t)i * sizeof(kiln_slot), 0);
    return LLVMBuildGEP2(b, cgm->t_i8, slots, &off, 1, "");
}

/* value NULL: reads r9; else writes value into r9 (and returns NULL). */
static LLVMValueRef arm_r9_asm(cg_module *cgm, LLVMBuilderRef b, LLVMValueRef value)
{
    static const char read[] = "mov $0, r9", read_c[] = "=r";
    static const char write[] = "mov r9, $0", write_c[] = "r";
    if (value == NULL) {
        LLVMTypeRef type = LLVMFunctionType(cgm->t_ptr, NULL, 0, 0);
        LLVMValueRef asm_ = LLVMGetInlineAsm(type, read, sizeof read - 1, read_c,
                                             sizeof read_c - 1, 1, 0, LLVMInlineAsmDialectATT, 0);
        return LLVMBuildCall2(b, type, asm_, NULL, 0, "saved_r9");
    }
    LLVMTypeRef param = cgm->t_ptr;
    LLVMTypeRef type = LLVMFunctionType(cgm->t_void, &param, 1, 0);
    LLVMValueRef asm_ = LLVMGetInlineAsm(type, write, sizeof write - 1, write_c,
                                         sizeof write_c - 1, 1, 0, LLVMInlineAsmDialectATT, 0);
    LLVMBuildCall2(b, type, asm_, &value, 1, "");
    return NULL;
}

static void emit_entry(cg_module *cgm, LLVMBuilderRef b, uint32_t t)
{
    const wasm_functype *ft = &cgm->wasm->types[t];
    LLVMValueRef f = cgm->entry_tramps[t];
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(cgm->ctx, f, "entry"));
    LLVMValueRef slots = LLVMGetParam(f, 2);

    LLVMValueRef args[ft->param_count + 2];
    args[0] = LLVMGetParam(f, 0);
    for (uint32_t i = 0; i < ft->param_count; i++) {
        LLVMValueRef v = LLVMBuildLoad2(b, cg_valtype(cgm, ft->types[i]),
                                        slot_addr(cgm, b, slots, i), "");
        LLVMSetAlignment(v, 8);
        args[i + 1] = v;
    }
    /* Several results: the slots are the result area (same layout), and
     * every argument has been read before the callee writes one. */
    unsigned arg_count = ft->param_count + 1;
    if (ft->result_count > 1)
        args[arg_count++] = slots;
    LLVMValueRef saved_r9 = NULL;
    if (cgm->config.xip) {
        saved_r9 = arm_r9_asm(cgm, b, NULL);
        LLVMValueRef off = LLVMConstInt(cgm->t_i32,
                                        KILN_VMCTX_LIBCALLS * cgm->config.pointer_width, 0);
        LLVMValueRef addr = LLVMBuildGEP2(b, cgm->t_i8, args[0], &off, 1, "");
        LLVMValueRef table = LLVMBuildLoad2(b, cgm->t_ptr, addr, "libcalls");
        LLVMSetAlignment(table, cgm->config.pointer_width);
        arm_r9_asm(cgm, b, table);
    }
    LLVMValueRef call = LLVMBuildCall2(b, cgm->func_types[t], LLVMGetParam(f, 1), args,
                                       arg_count, "");
    if (saved_r9 != NULL)
        arm_r9_asm(cgm, b, saved_r9);
    if (ft->result_count == 1) {
        LLVMValueRef st = LLVMBuildStore(b, call, slot_addr(cgm, b, slots, 0));
        LLVMSetAlignment(st, 8);
    }
    LLVMBuildRetVoid(b);
}

static void emit_host(cg_module *cgm, LLVMBuilderRef b, uint32_t t)
{
    const wasm_functype *ft = &cgm->wasm->types[t];
    LLVMValueRef f = cgm->host_tramps[t];
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(cgm->ctx, f, "entry"));
    LLVMValueRef binding = LLVMGetParam(f, 0);

    uint32_t count = ft->param_count > ft->result_count ? ft->param_count : ft->result_count;
    if (count == 0)
        count = 1;
    LLVMTypeRef slots_type = LLVMArrayType2(cgm->t_i8, (uint64_t)count * sizeof(kiln_slot));
    LLVMValueRef slots = LLVMBuildAlloca(b, slots_type, "slots");
    LLVMSetAlignment(slots, 16);
    for (uint32_t i = 0; i < ft->param_count; i++) {
        LLVMValueRef st = LLVMBuildStore(b, LLVMGetParam(f, i + 1), slot_addr(cgm, b, slots, i));
        LLVMSetAlignment(st, 16);
    }

    LLVMValueRef dispatch = LLVMBuildLoad2(b, cgm->t_ptr, binding, "dispatch");
    LLVMSetAlignment(dispatch, cgm->config.pointer_width);
    LLVMTypeRef dispatch_params[2] = {cgm->t_ptr, cgm->t_ptr};
    LLVMTypeRef dispatch_type = LLVMFunctionType(cgm->t_void, dispatch_params, 2, 0);
    LLVMValueRef dispatch_args[2] = {binding, slots};
    LLVMBuildCall2(b, dispatch_type, dispatch, dispatch_args, 2, "");

    if (ft->result_count == 1) {
        LLVMValueRef v = LLVMBuildLoad2(b, cg_valtype(cgm, ft->types[ft->param_count]),
                                        slot_addr(cgm, b, slots, 0), "");
        LLVMSetAlignment(v, 16);
        LLVMBuildRet(b, v);
        return;
    }
    if (ft->result_count > 1) {
        /* The caller's result area has the slots' layout: one copy. */
        LLVMValueRef area = LLVMGetParam(f, ft->param_count + 1);
        LLVMValueRef size =
            LLVMConstInt(cgm->t_i64, (uint64_t)ft->result_count * sizeof(kiln_slot), 0);
        LLVMBuildMemCpy(b, area, 8, slots, 16, size);
    }
    LLVMBuildRetVoid(b);
}

void cg_emit_trampolines(cg_module *cgm)
{
    LLVMBuilderRef b = LLVMCreateBuilderInContext(cgm->ctx);
    for (uint32_t t = 0; t < cgm->wasm->type_count; t++) {
        /* A second cg_module_finish finds the bodies already there. */
        if (cgm->entry_tramps[t] && LLVMCountBasicBlocks(cgm->entry_tramps[t]) == 0)
            emit_entry(cgm, b, t);
        if (cgm->host_tramps[t] && LLVMCountBasicBlocks(cgm->host_tramps[t]) == 0)
            emit_host(cgm, b, t);
    }
    LLVMDisposeBuilder(b);
}
