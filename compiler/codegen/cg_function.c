/*
 * Codegen of one function body: locals, prologue, and the dispatch loop
 * over the body's instructions by family (opcodes.def column `family`).
 *
 * Entry block: one alloca per param and local (mem2reg promotes them) and,
 * in explicit bounds mode, one for mem0_bound (refreshed after calls, so
 * hot loops without calls keep it in a register) and, on 32-bit targets,
 * whose memories move when they grow, one for the base with it; then, in
 * functions that call anything, the stack check (the stack rule below).
 * Prologue ("start" block): params stored, declared locals zeroed, memory
 * 0's base loaded once as an invariant load (memories never move on 64-bit
 * hosts) or copied into its slot.
 *
 * Unreachable code (after br, br_table, return, unreachable) is skipped up
 * to the matching else/end of the current frame; the validator has typed it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"

LLVMValueRef cg_vmctx_addr(cg_func *fn, uint32_t byte_offset, const char *name)
{
    if (byte_offset == 0)
        return fn->vmctx;
    LLVMValueRef off = LLVMConstInt(fn->cgm->t_i64, byte_offset, 0);
    return LLVMBuildGEP2(fn->b, fn->cgm->t_i8, fn->vmctx, &off, 1, name);
}

LLVMValueRef cg_vmctx_load(cg_func *fn, uint32_t byte_offset, LLVMTypeRef type,
                           bool invariant, const char *name)
{
    LLVMValueRef addr = cg_vmctx_addr(fn, byte_offset, "");
    LLVMValueRef v = LLVMBuildLoad2(fn->b, type, addr, name);
    /* vmctx is 16-aligned and every field sits at a multiple of its size,
     * up to the pointer width. */
    unsigned align = fn->cgm->config.pointer_width;
    if (type == fn->cgm->t_i32 || type == fn->cgm->t_f32)
        align = 4;
    else if (type == fn->cgm->t_i64 || type == fn->cgm->t_f64 || type == fn->cgm->t_v128)
        align = 8;
    LLVMSetAlignment(v, align);
    if (invariant)
        cg_set_invariant(fn->cgm, v);
    cg_set_tbaa_vmctx(fn->cgm, v);
    return v;
}

LLVMValueRef cg_bool_to_i32(cg_func *fn, LLVMValueRef i1)
{
    return LLVMBuildZExt(fn->b, i1, fn->cgm->t_i32, "");
}

LLVMValueRef cg_i32_nonzero(cg_func *fn, LLVMValueRef i32)
{
    return LLVMBuildICmp(fn->b, LLVMIntNE, i32, LLVMConstInt(fn->cgm->t_i32, 0, 0), "");
}

LLVMBasicBlockRef cg_append_block(cg_func *fn, const char *name)
{
    return LLVMAppendBasicBlockInContext(fn->cgm->ctx, fn->fn, name);
}

LLVMValueRef cg_mem_base(cg_func *fn)
{
    if (fn->base_slot)
        return LLVMBuildLoad2(fn->b, fn->cgm->t_ptr, fn->base_slot, "mem0_base");
    return fn->mem_base;
}

kiln_status cg_unsupported(cg_func *fn, const wasm_instr *in)
{
    return kiln_error_set(fn->err, KILN_ERR_UNSUPPORTED, in->offset,
                          "codegen: instruction %s is not supported (function %u)",
                          wasm_op_name((wasm_op)in->op), fn->body->func_index);
}

/* Refreshes the copies of mem0's bound (and, where memories move, its
 * base) after anything that may have grown memory 0: calls and
 * memory.grow. */
void cg_reload_bound(cg_func *fn)
{
    if (!fn->bound_slot)
        return;
    cg_module *cgm = fn->cgm;
    if (fn->base_slot) {
        LLVMValueRef base = cg_vmctx_load(fn, KILN_VMCTX_MEM0_BASE * cgm->config.pointer_width,
                                          cgm->t_ptr, false, "mem0_base");
        LLVMBuildStore(fn->b, base, fn->base_slot);
    }
    LLVMValueRef bound = cg_vmctx_load(fn, KILN_VMCTX_MEM0_BOUND * cgm->config.pointer_width,
                                       cgm->t_intptr, false, "mem0_bound");
    if (cgm->t_intptr != cgm->t_i64)
        bound = LLVMBuildZExt(fn->b, bound, cgm->t_i64, "");
    LLVMBuildStore(fn->b, bound, fn->bound_slot);
}

/* Upper bounds for the value and control stacks: every instruction pushes
 * at most max(1, its block params + results, its callee's results). */
static void stack_bounds(const cg_module *cgm, const wasm_body *body, uint32_t *values,
                         uint32_t *frames)
{
    const wasm_module *m = cgm->wasm;
    /* The final end pushes the function's results. */
    uint64_t v = 16u + wasm_func_type(m, body->func_index)->result_count, f = 2;
    for (uint32_t i = 0; i < body->code_count; i++) {
        const wasm_instr *in = &body->code[i];
        uint64_t pushes = 1;
        switch (in->op) {
        case WASM_OP_BLOCK:
        case WASM_OP_LOOP:
        case WASM_OP_IF:
            f++;
            if (in->imm.block.kind == WASM_BLOCK_TYPE_IDX) {
                const wasm_functype *t = &m->types[in->imm.block.type_index];
                /* params re-pushed (loop phis, if arms), results at end */
                pushes = 2u * ((uint64_t)t->param_count + t->result_count) + 1;
            }
            break;
        case WASM_OP_CALL:
            pushes = wasm_func_type(m, in->imm.index)->result_count + 1u;
            break;
        case WASM_OP_CALL_INDIRECT:
            pushes = m->types[in->imm.call_indirect.type_index].result_count + 1u;
            break;
        default:
            break;
        }
        v += pushes;
    }
    *values = v > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)v;
    *frames = f > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)f;
}

/*
 * The stack rule. The runtime's stack_limit (vmctx word 3) sits a red zone
 * above the lowest address of the thread's stack (runtime/trap.c). Every
 * function that calls anything (wasm functions, imports, runtime helpers,
 * the trap helper included) compares its frame's BOTTOM, the stack pointer
 * after the prologue, with the limit before its body runs, and traps "call
 * stack exhausted" below it: a callee (a helper or host function, which have
 * no checks) always starts with the whole red zone. Comparing the frame's
 * top would let a large frame pass with its bottom far below the limit.
 * Stores of the frame can precede the comparison (the prologue's saves,
 * spills at -O0), so the frame itself must not be able to leave the stack:
 * - targets whose frames LLVM 19 probes ("probe-stack"="inline-asm": x86,
 *   aarch64): the prologue touches every page of a large frame in order, so
 *   a frame that does not fit faults on the guard page below the stack
 *   (with the PC in wasm code: the fault handler's "call stack exhausted")
 *   before anything lands past it. Frames may be any size. A failed check
 *   may leave less than the trap helper needs, so its trap block first
 *   reads TRAP_PROBE_BYTES below the frame, page by page: too little stack
 *   faults there, in wasm code, with the same trap.
 * - other targets (riscv, arm; LLVM 19 has no probes for them): a frame
 *   may take at most max_frame bytes ("warn-stack-size"; larger is a
 *   compile error), which the runtime's red zone covers with room left for
 *   the trap helper.
 * Functions that call nothing (and so hold no trap block) skip the check:
 * only their own frame matters, which the rule above keeps on the stack.
 * The stack pointer is read with a side-effect-free inline asm, so LLVM
 * may hoist or merge it (after inlining, a caller's check covers the
 * callee's, whose frame became part of the caller's).
 */
#define TRAP_PROBE_BYTES (16u * 1024u)
#define TRAP_PROBE_STEP 4096u /* the smallest guard page kiln supports */

bool cg_stack_rule_for(const char *triple, cg_stack_rule *out)
{
    static const struct {
        const char *arch; /* prefix of the triple's architecture */
        cg_stack_rule rule;
    } rules[] = {
        {"x86_64", {"movq %rsp, $0", true, 0}},
        {"i386", {"movl %esp, $0", true, 0}},
        {"i486", {"movl %esp, $0", true, 0}},
        {"i586", {"movl %esp, $0", true, 0}},
        {"i686", {"movl %esp, $0", true, 0}},
        {"aarch64", {"mov $0, sp", true, 0}},
        {"arm64", {"mov $0, sp", true, 0}},
        {"riscv", {"mv $0, sp", false, 64u * 1024u}},
        {"arm", {"mov $0, sp", false, 64u * 1024u}},
        {"thumb", {"mov $0, sp", false, 64u * 1024u}},
    };
    if (triple == NULL)
        return false;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strncmp(triple, rules[i].arch, strlen(rules[i].arch)) != 0)
            continue;
        *out = rules[i].rule;
        /* Bare-metal stacks are a few KiB: so is their cap. */
        if (!out->probes && strstr(triple, "-none") != NULL)
            out->max_frame = 8u * 1024u;
        return true;
    }
    return false;
}

/* True when fn calls anything but an intrinsic (or reads sp with asm). */
static bool function_makes_calls(LLVMValueRef func)
{
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(func); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in)) {
            if (!LLVMIsACallInst(in))
                continue;
            LLVMValueRef callee = LLVMGetCalledValue(in);
            if (LLVMIsAInlineAsm(callee))
                continue;
            if (!LLVMIsAFunction(callee) || LLVMGetIntrinsicID(callee) == 0)
                return true;
        }
    return false;
}

static LLVMValueRef read_stack_pointer(cg_func *fn)
{
    cg_module *cgm = fn->cgm;
    const char *text = cgm->stack.read_sp_asm;
    LLVMTypeRef fty = LLVMFunctionType(cgm->t_intptr, NULL, 0, 0);
    LLVMValueRef asm_fn = LLVMGetInlineAsm(fty, text, strlen(text), "=r", 2, false, false,
                                           LLVMInlineAsmDialectATT, false);
    LLVMValueRef sp = LLVMBuildCall2(fn->b, fty, asm_fn, NULL, 0, "sp");
    /* memory(none): no side effects, so it can be hoisted and merged. */
    LLVMAddCallSiteAttribute(sp, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(cgm->ctx,
                                                     LLVMGetEnumAttributeKindForName("memory", 6),
                                                     0));
    LLVMAddCallSiteAttribute(sp, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_nounwind, 0));
    return sp;
}

/* The block a failed check branches to: with probes, the pages the trap
 * helper will use are read first (see the rule above), then the helper. */
static LLVMBasicBlockRef stack_trap_block(cg_func *fn, LLVMValueRef sp)
{
    cg_module *cgm = fn->cgm;
    LLVMBasicBlockRef bb = cg_append_block(fn, "trap.stack_exhausted");
    LLVMPositionBuilderAtEnd(fn->b, bb);
    if (cgm->stack.probes) {
        for (uint32_t off = TRAP_PROBE_STEP; off <= TRAP_PROBE_BYTES; off += TRAP_PROBE_STEP) {
            LLVMValueRef at = LLVMBuildSub(fn->b, sp, LLVMConstInt(cgm->t_intptr, off, 0), "");
            LLVMValueRef p = LLVMBuildIntToPtr(fn->b, at, cgm->t_ptr, "");
            LLVMValueRef probe = LLVMBuildLoad2(fn->b, cgm->t_i8, p, "probe");
            LLVMSetVolatile(probe, 1);
        }
    }
    LLVMValueRef code = LLVMConstInt(cgm->t_i32, KILN_TRAP_CALL_STACK_EXHAUSTED, 0);
    LLVMValueRef call = cg_call_helper(fn, KILN_HELPER_TRAP, &code, 1);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_noreturn, 0));
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_cold, 0));
    LLVMBuildUnreachable(fn->b);
    return bb;
}

/* Ends the entry block (allocas only so far) with the stack check when fn
 * makes calls, then falls into `start`. */
static void emit_stack_check(cg_func *fn, LLVMBasicBlockRef entry, LLVMBasicBlockRef start)
{
    cg_module *cgm = fn->cgm;
    LLVMPositionBuilderAtEnd(fn->b, entry);
    if (!function_makes_calls(fn->fn)) {
        LLVMBuildBr(fn->b, start);
        return;
    }
    LLVMValueRef sp = read_stack_pointer(fn);
    LLVMValueRef limit = cg_vmctx_load(fn, KILN_VMCTX_STACK_LIMIT * cgm->config.pointer_width,
                                       cgm->t_intptr, true, "stack_limit");
    LLVMValueRef below = LLVMBuildICmp(fn->b, LLVMIntULT, sp, limit, "stack_low");
    LLVMBasicBlockRef trap = stack_trap_block(fn, sp);
    LLVMPositionBuilderAtEnd(fn->b, entry);
    LLVMValueRef br = LLVMBuildCondBr(fn->b, below, trap, start);
    LLVMSetMetadata(br, cgm->md_prof, cgm->md_unlikely);
}

/* Entry block: one alloca per param and local (and the bound and base
 * slots), so all are static and part of the fixed frame. */
static void emit_frame(cg_func *fn)
{
    cg_module *cgm = fn->cgm;
    uint32_t params = fn->type->param_count;
    for (uint32_t i = 0; i < fn->local_count; i++) {
        LLVMTypeRef t = cg_valtype(cgm, fn->local_types[i]);
        char name[24];
        snprintf(name, sizeof name, i < params ? "p%u" : "l%u", i);
        fn->locals[i] = LLVMBuildAlloca(fn->b, t, name);
    }
    if (cgm->wasm->memory_count > 0 && cgm->config.bounds == KILN_BOUNDS_EXPLICIT) {
        /* 32-bit hosts grow a memory by moving it (no 4 GiB reservation
         * fits there): its base is reloaded with the bound. */
        if (cgm->config.pointer_width == 4)
            fn->base_slot = LLVMBuildAlloca(fn->b, cgm->t_ptr, "mem0_base.slot");
        fn->bound_slot = LLVMBuildAlloca(fn->b, cgm->t_i64, "mem0_bound.slot");
    }
}

/* Start block, after the stack check: params stored, declared locals
 * zeroed, memory 0's base loaded once (or copied into its slot where
 * memories move), the bound copied in explicit mode. */
static void emit_prologue(cg_func *fn)
{
    cg_module *cgm = fn->cgm;
    unsigned w = cgm->config.pointer_width;
    uint32_t params = fn->type->param_count;
    for (uint32_t i = 0; i < fn->local_count; i++) {
        LLVMValueRef init = i < params ? LLVMGetParam(fn->fn, i + 1)
                                       : LLVMConstNull(cg_valtype(cgm, fn->local_types[i]));
        LLVMBuildStore(fn->b, init, fn->locals[i]);
    }
    if (cgm->wasm->memory_count > 0) {
        if (!fn->base_slot)
            fn->mem_base = cg_vmctx_load(fn, KILN_VMCTX_MEM0_BASE * w, cgm->t_ptr, true,
                                         "mem0_base");
        if (fn->bound_slot)
            cg_reload_bound(fn);
    }
}

static kiln_status dispatch(cg_func *fn, const wasm_instr *in)
{
    switch (wasm_op_family((wasm_op)in->op)) {
    case WASM_FAM_CONTROL:
        return cg_emit_control(fn, in);
    case WASM_FAM_PARAMETRIC:
        return cg_emit_parametric(fn, in);
    case WASM_FAM_VARIABLE:
        return cg_emit_variable(fn, in);
    case WASM_FAM_TABLE:
        return cg_emit_table(fn, in);
    case WASM_FAM_MEMORY:
        return cg_emit_memory(fn, in);
    case WASM_FAM_NUMERIC:
        return cg_emit_numeric(fn, in);
    case WASM_FAM_CONVERSION:
        return cg_emit_conversion(fn, in);
    case WASM_FAM_REFERENCE:
        return cg_emit_reference(fn, in);
    case WASM_FAM_SIMD:
        return cg_emit_simd(fn, in);
    case WASM_FAM_ATOMIC:
        return cg_emit_atomic(fn, in);
    }
    return cg_unsupported(fn, in);
}

/* Dead code: only block structure matters until this frame's else/end. */
static kiln_status skip_unreachable(cg_func *fn, const wasm_instr *in)
{
    switch (in->op) {
    case WASM_OP_BLOCK:
    case WASM_OP_LOOP:
    case WASM_OP_IF:
        fn->skip_depth++;
        return KILN_OK;
    case WASM_OP_ELSE:
        if (fn->skip_depth > 0)
            return KILN_OK;
        return cg_else(fn, in);
    case WASM_OP_END:
        if (fn->skip_depth > 0) {
            fn->skip_depth--;
            return KILN_OK;
        }
        return cg_end(fn, in);
    default:
        return KILN_OK;
    }
}

static kiln_status emit_body(cg_func *fn)
{
    kiln_status st = cg_push_func_frame(fn);
    if (st != KILN_OK)
        return st;
    const wasm_body *body = fn->body;
    for (uint32_t pos = 0; pos < body->code_count; pos++) {
        const wasm_instr *in = &body->code[pos];
        fn->instr = in;
        if (fn->depth == 0)
            return kiln_error_set(fn->err, KILN_ERR_CODEGEN, in->offset,
                                  "codegen: instruction after the final end of function %u",
                                  body->func_index);
        if (fn->unreachable)
            st = skip_unreachable(fn, in);
        else
            st = dispatch(fn, in);
        if (st != KILN_OK)
            return st;
    }
    if (fn->depth != 0)
        return kiln_error_set(fn->err, KILN_ERR_CODEGEN, 0,
                              "codegen: body of function %u ends inside %u open blocks",
                              body->func_index, fn->depth);
    return KILN_OK;
}

kiln_status cg_function(cg_module *cgm, const wasm_body *body, kiln_error *err)
{
    const wasm_module *m = cgm->wasm;
    if (body->func_index < cgm->first_func || body->func_index >= cgm->end_func)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, 0,
                              "codegen: function %u is not a defined function of this "
                              "module or partition (%u..%u)",
                              body->func_index, cgm->first_func, cgm->end_func);
    if (cgm->func_emitted[body->func_index])
        return kiln_error_set(err, KILN_ERR_ARGUMENT, 0,
                              "codegen: function %u was already emitted", body->func_index);
    if (!cgm->llvm)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, 0,
                              "codegen: the LLVM module was already taken");

    cg_func f = {0};
    cg_func *fn = &f;
    kiln_status st = KILN_OK;
    fn->cgm = cgm;
    fn->body = body;
    fn->type = wasm_func_type(m, body->func_index);
    fn->err = err;
    fn->fn = cgm->funcs[body->func_index];
    fn->vmctx = LLVMGetParam(fn->fn, 0);

    uint64_t local_count = (uint64_t)fn->type->param_count + body->local_count;
    stack_bounds(cgm, body, &fn->stack_cap, &fn->frame_cap);
    fn->local_count = (uint32_t)local_count;
    fn->local_types = malloc((local_count ? local_count : 1) * sizeof *fn->local_types);
    fn->locals = malloc((local_count ? local_count : 1) * sizeof *fn->locals);
    fn->stack = malloc(fn->stack_cap * sizeof *fn->stack);
    fn->frames = calloc(fn->frame_cap, sizeof *fn->frames);
    fn->b = LLVMCreateBuilderInContext(cgm->ctx);
    if (!fn->local_types || !fn->locals || !fn->stack || !fn->frames) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, 0, "codegen: out of memory (function %u)",
                            body->func_index);
        goto out;
    }
    for (uint32_t i = 0; i < fn->type->param_count; i++)
        fn->local_types[i] = fn->type->types[i];
    for (uint32_t i = 0; i < body->local_count; i++)
        fn->local_types[fn->type->param_count + i] = body->local_types[i];

    LLVMBasicBlockRef entry = cg_append_block(fn, "entry");
    LLVMBasicBlockRef start = cg_append_block(fn, "start");
    LLVMPositionBuilderAtEnd(fn->b, entry);
    emit_frame(fn);
    LLVMPositionBuilderAtEnd(fn->b, start);
    emit_prologue(fn);
    cg_interrupt_check(fn);
    st = emit_body(fn);
    if (st != KILN_OK)
        goto out;
    emit_stack_check(fn, entry, start);
    st = cg_keep_unused_loads(fn);
    if (st != KILN_OK)
        goto out;
    cgm->func_emitted[body->func_index] = true;

out:
    /* On failure the function's body is left half-built: the module is
     * unusable and the caller frees it (cg_module_finish would refuse it
     * anyway, the function is not marked emitted). */
    cg_free_frames(fn);
    LLVMDisposeBuilder(fn->b);
    free(fn->frames);
    free(fn->stack);
    free(fn->locals);
    free(fn->local_types);
    return st;
}
