/*
 * Control instructions (block, loop, if, else, end, br, br_if, br_table,
 * return, unreachable, nop, call, call_indirect) and the parametric ones
 * (drop, select).
 *
 * Structure: every block/if/function frame owns a label block with one phi
 * per result; a loop's label is its header with one phi per param. Every
 * branch adds one incoming value per phi (one per CFG edge, so br_table
 * edges to the same label add duplicates, as LLVM's verifier wants). A
 * block nothing branches to is not materialised: its results stay on the
 * value stack in the current LLVM block. After a branch the rest of the
 * frame is dead and skipped (cg_function.c).
 *
 * Calls: direct calls go to kiln_f<N>; calls to imports load {code, vmctx}
 * from the vmctx import slot and pass the callee's vmctx; call_indirect
 * checks index, null and canonical type id before the call. After any call
 * the explicit-bounds copy of mem0_bound is refreshed (the callee may grow).
 */
#include <stdlib.h>
#include <string.h>

#include "cg_internal.h"

static cg_frame *top_frame(cg_func *fn)
{
    return &fn->frames[fn->depth - 1];
}

static cg_frame *label_frame(cg_func *fn, uint32_t label)
{
    return &fn->frames[fn->depth - 1 - label];
}

/* Builds `count` phis of the given types at the top of bb. */
static kiln_status make_phis(cg_func *fn, LLVMBasicBlockRef bb, uint32_t count,
                             const wasm_valtype *types, LLVMValueRef **out)
{
    *out = NULL;
    if (count == 0)
        return KILN_OK;
    LLVMValueRef *phis = malloc(count * sizeof *phis);
    if (!phis)
        return kiln_error_set(fn->err, KILN_ERR_NOMEM, fn->instr ? fn->instr->offset : 0,
                              "codegen: out of memory");
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(fn->b);
    LLVMPositionBuilderAtEnd(fn->b, bb);
    for (uint32_t i = 0; i < count; i++)
        phis[i] = LLVMBuildPhi(fn->b, cg_valtype(fn->cgm, types[i]), "");
    LLVMPositionBuilderAtEnd(fn->b, saved);
    *out = phis;
    return KILN_OK;
}

/*
 * A label reached from more distinct blocks than this keeps its function
 * away from LLVM's optimisation passes (optnone; it is compiled as at -O0,
 * in time linear in its size), and its values travel through stack slots
 * instead of phis. SimplifyCFG folds each empty block that only branches
 * to the label by scanning all of the label's predecessors
 * (TryToSimplifyUncondBranchFromEmptyBlock), and the register coalescer
 * joins every copy a phi leaves behind: both are quadratic in the fan-in.
 * A br_table over 4,096 blocks that each return took 2 s at -O2; over
 * 65,520, minutes. Real switches (interpreters) stay far below.
 */
#define CG_MAX_OPTIMISED_LABEL_PREDS 2048u

static void keep_away_from_optimiser(cg_func *fn)
{
    static const char *const kinds[2] = {"noinline", "optnone"};
    for (int i = 0; i < 2; i++) {
        unsigned kind = LLVMGetEnumAttributeKindForName(kinds[i], strlen(kinds[i]));
        LLVMAddAttributeAtIndex(fn->fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(fn->cgm->ctx, kind, 0));
    }
}

/* Stores values into slots at the end of bb, before its terminator if it
 * has one. Leaves the builder there. */
static void store_slots(cg_func *fn, LLVMBasicBlockRef bb, LLVMValueRef *slots,
                        LLVMValueRef *values, uint32_t count)
{
    LLVMValueRef term = LLVMGetBasicBlockTerminator(bb);
    if (term != NULL)
        LLVMPositionBuilderBefore(fn->b, term);
    else
        LLVMPositionBuilderAtEnd(fn->b, bb);
    for (uint32_t i = 0; i < count; i++)
        LLVMBuildStore(fn->b, values[i], slots[i]);
}

/* Turns the label's phis into stack slots: every edge so far stores its
 * values in its block, the label loads them where the phis were. */
static kiln_status label_phis_to_slots(cg_func *fn, cg_frame *frame)
{
    uint32_t n = frame->label_arity;
    if (n == 0)
        return KILN_OK;
    LLVMValueRef *slots = malloc(n * sizeof *slots);
    LLVMValueRef *values = malloc(n * sizeof *values);
    if (slots == NULL || values == NULL) {
        free(slots);
        free(values);
        return kiln_error_set(fn->err, KILN_ERR_NOMEM, fn->instr ? fn->instr->offset : 0,
                              "codegen: out of memory");
    }
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(fn->b);
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(fn->fn);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    for (uint32_t i = 0; i < n; i++) {
        if (first != NULL)
            LLVMPositionBuilderBefore(fn->b, first);
        else
            LLVMPositionBuilderAtEnd(fn->b, entry);
        slots[i] = LLVMBuildAlloca(fn->b, LLVMTypeOf(frame->label_phis[i]), "label.slot");
    }
    unsigned incoming = LLVMCountIncoming(frame->label_phis[0]);
    LLVMBasicBlockRef last = NULL;
    for (unsigned k = 0; k < incoming; k++) {
        LLVMBasicBlockRef bb = LLVMGetIncomingBlock(frame->label_phis[0], k);
        if (bb == last) /* a br_table's duplicate edges carry the same values */
            continue;
        last = bb;
        for (uint32_t i = 0; i < n; i++)
            values[i] = LLVMGetIncomingValue(frame->label_phis[i], k);
        store_slots(fn, bb, slots, values, n);
    }
    /* The loads go where the phis are (a loop's header already has code). */
    LLVMPositionBuilderBefore(fn->b, frame->label_phis[0]);
    for (uint32_t i = 0; i < n; i++) {
        LLVMValueRef load = LLVMBuildLoad2(fn->b, LLVMTypeOf(frame->label_phis[i]), slots[i],
                                           "label.value");
        LLVMReplaceAllUsesWith(frame->label_phis[i], load);
        LLVMInstructionEraseFromParent(frame->label_phis[i]);
        frame->label_phis[i] = load;
    }
    LLVMPositionBuilderAtEnd(fn->b, saved);
    free(values);
    frame->label_slots = slots;
    return KILN_OK;
}

/* Adds the edge current-block -> frame's label, carrying `values`. The
 * caller builds the branch afterwards. */
static kiln_status add_label_edge(cg_func *fn, cg_frame *frame, LLVMValueRef *values)
{
    LLVMBasicBlockRef from = LLVMGetInsertBlock(fn->b);
    if (from != frame->last_pred) {
        frame->last_pred = from;
        if (++frame->label_pred_blocks == CG_MAX_OPTIMISED_LABEL_PREDS + 1u) {
            keep_away_from_optimiser(fn);
            kiln_status st = label_phis_to_slots(fn, frame);
            if (st != KILN_OK)
                return st;
        }
    }
    frame->label_preds++;
    if (frame->label_slots != NULL) {
        store_slots(fn, from, frame->label_slots, values, frame->label_arity);
        LLVMPositionBuilderAtEnd(fn->b, from);
        return KILN_OK;
    }
    for (uint32_t i = 0; i < frame->label_arity; i++)
        LLVMAddIncoming(frame->label_phis[i], &values[i], &from, 1);
    return KILN_OK;
}

/* The label's values are the top label_arity operands. */
static LLVMValueRef *label_values(cg_func *fn, const cg_frame *frame)
{
    return &fn->stack[fn->sp - frame->label_arity];
}

static void set_unreachable(cg_func *fn)
{
    fn->unreachable = true;
    fn->skip_depth = 0;
}

static void block_signature(cg_func *fn, const wasm_instr *in, cg_frame *frame)
{
    frame->param_count = 0;
    frame->result_count = 0;
    frame->params = NULL;
    frame->results = NULL;
    switch (in->imm.block.kind) {
    case WASM_BLOCK_VALTYPE:
        frame->single = in->imm.block.valtype;
        frame->results = &frame->single;
        frame->result_count = 1;
        break;
    case WASM_BLOCK_TYPE_IDX: {
        const wasm_functype *t = &fn->cgm->wasm->types[in->imm.block.type_index];
        frame->param_count = t->param_count;
        frame->result_count = t->result_count;
        frame->params = t->types;
        frame->results = t->types + t->param_count;
        break;
    }
    default:
        break;
    }
}

static cg_frame *new_frame(cg_func *fn, cg_frame_kind kind)
{
    cg_frame *frame = &fn->frames[fn->depth++];
    *frame = (cg_frame){0};
    frame->kind = kind;
    return frame;
}

static void free_frame(cg_frame *frame)
{
    free(frame->label_phis);
    free(frame->label_slots);
    frame->label_slots = NULL;
    free(frame->else_args);
    frame->label_phis = NULL;
    frame->else_args = NULL;
}

void cg_free_frames(cg_func *fn)
{
    if (!fn->frames)
        return;
    while (fn->depth > 0)
        free_frame(&fn->frames[--fn->depth]);
}

kiln_status cg_push_func_frame(cg_func *fn)
{
    cg_frame *frame = new_frame(fn, CG_FRAME_FUNC);
    frame->result_count = fn->type->result_count;
    frame->results = fn->type->types + fn->type->param_count;
    frame->height = 0;
    frame->label_bb = cg_append_block(fn, "return");
    frame->label_arity = frame->result_count;
    return make_phis(fn, frame->label_bb, frame->result_count, frame->results,
                     &frame->label_phis);
}

static kiln_status emit_block(cg_func *fn, const wasm_instr *in)
{
    cg_frame *frame = new_frame(fn, CG_FRAME_BLOCK);
    block_signature(fn, in, frame);
    frame->height = fn->sp - frame->param_count;
    frame->label_bb = cg_append_block(fn, "block.end");
    frame->label_arity = frame->result_count;
    return make_phis(fn, frame->label_bb, frame->result_count, frame->results,
                     &frame->label_phis);
}

void cg_interrupt_check(cg_func *fn)
{
    const cg_module *cgm = fn->cgm;
    if (!cgm->config.interruptible)
        return;
    LLVMValueRef flag = cg_vmctx_load(fn, KILN_VMCTX_INTERRUPT * cgm->config.pointer_width,
                                      cgm->t_intptr, false, "interrupt");
    LLVMSetVolatile(flag, 1);
    cg_trap_if(fn, LLVMBuildICmp(fn->b, LLVMIntNE, flag, LLVMConstNull(cgm->t_intptr), ""),
               KILN_TRAP_INTERRUPTED);
}

static kiln_status emit_loop(cg_func *fn, const wasm_instr *in)
{
    cg_frame *frame = new_frame(fn, CG_FRAME_LOOP);
    block_signature(fn, in, frame);
    frame->height = fn->sp - frame->param_count;
    frame->label_bb = cg_append_block(fn, "loop");
    frame->label_arity = frame->param_count;
    kiln_status st = make_phis(fn, frame->label_bb, frame->param_count, frame->params,
                               &frame->label_phis);
    if (st != KILN_OK)
        return st;
    kiln_status edge_st = add_label_edge(fn, frame, label_values(fn, frame));
    if (edge_st != KILN_OK)
        return edge_st;
    LLVMBuildBr(fn->b, frame->label_bb);
    LLVMPositionBuilderAtEnd(fn->b, frame->label_bb);
    cg_interrupt_check(fn); /* every iteration passes the header */
    fn->sp = frame->height;
    for (uint32_t i = 0; i < frame->param_count; i++)
        cg_push(fn, frame->label_phis[i]);
    return KILN_OK;
}

static kiln_status emit_if(cg_func *fn, const wasm_instr *in)
{
    LLVMValueRef cond = cg_i32_nonzero(fn, cg_pop(fn));
    cg_frame *frame = new_frame(fn, CG_FRAME_IF);
    block_signature(fn, in, frame);
    frame->height = fn->sp - frame->param_count;
    frame->label_arity = frame->result_count;
    if (frame->param_count > 0) {
        frame->else_args = malloc(frame->param_count * sizeof *frame->else_args);
        if (!frame->else_args)
            return kiln_error_set(fn->err, KILN_ERR_NOMEM, in->offset, "codegen: out of memory");
        for (uint32_t i = 0; i < frame->param_count; i++)
            frame->else_args[i] = fn->stack[frame->height + i];
    }
    LLVMBasicBlockRef then_bb = cg_append_block(fn, "if.then");
    frame->else_bb = cg_append_block(fn, "if.else");
    frame->label_bb = cg_append_block(fn, "if.end");
    kiln_status st = make_phis(fn, frame->label_bb, frame->result_count, frame->results,
                               &frame->label_phis);
    if (st != KILN_OK)
        return st;
    LLVMBuildCondBr(fn->b, cond, then_bb, frame->else_bb);
    LLVMPositionBuilderAtEnd(fn->b, then_bb);
    /* The params stay on the stack for the then arm. */
    return KILN_OK;
}

kiln_status cg_else(cg_func *fn, const wasm_instr *in)
{
    (void)in;
    cg_frame *frame = top_frame(fn);
    if (!fn->unreachable) {
        kiln_status edge_st = add_label_edge(fn, frame, label_values(fn, frame));
        if (edge_st != KILN_OK)
            return edge_st;
        LLVMBuildBr(fn->b, frame->label_bb);
    }
    LLVMMoveBasicBlockAfter(frame->else_bb, LLVMGetInsertBlock(fn->b));
    LLVMPositionBuilderAtEnd(fn->b, frame->else_bb);
    fn->sp = frame->height;
    for (uint32_t i = 0; i < frame->param_count; i++)
        cg_push(fn, frame->else_args[i]);
    frame->has_else = true;
    fn->unreachable = false;
    return KILN_OK;
}

/* Several results go to the caller's result area, the last parameter. */
static void emit_return_values(cg_func *fn, LLVMValueRef *values, uint32_t count)
{
    if (count == 1) {
        LLVMBuildRet(fn->b, values[0]);
        return;
    }
    if (count > 1) {
        LLVMValueRef area = LLVMGetParam(fn->fn, fn->type->param_count + 1);
        for (uint32_t i = 0; i < count; i++) {
            LLVMValueRef st =
                LLVMBuildStore(fn->b, values[i], cg_result_slot(fn->cgm, fn->b, area, i));
            LLVMSetAlignment(st, 8);
        }
    }
    LLVMBuildRetVoid(fn->b);
}

/* A result area for `count` results in the entry block (so a call in a
 * loop does not grow the stack). */
static LLVMValueRef result_area(cg_func *fn, uint32_t count)
{
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(fn->b);
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(fn->fn);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first != NULL)
        LLVMPositionBuilderBefore(fn->b, first);
    else
        LLVMPositionBuilderAtEnd(fn->b, entry);
    LLVMTypeRef type = LLVMArrayType2(fn->cgm->t_i8, (uint64_t)count * sizeof(kiln_slot));
    LLVMValueRef area = LLVMBuildAlloca(fn->b, type, "results");
    LLVMSetAlignment(area, 16);
    LLVMPositionBuilderAtEnd(fn->b, saved);
    return area;
}

kiln_status cg_end(cg_func *fn, const wasm_instr *in)
{
    (void)in;
    cg_frame *frame = top_frame(fn);
    bool reachable = !fn->unreachable;

    if (frame->kind == CG_FRAME_LOOP) {
        /* Nothing branches to a loop's end: its results, if reachable, are
         * already on the stack in the current block. */
        if (!reachable)
            fn->sp = frame->height;
        free_frame(frame);
        fn->depth--;
        return KILN_OK;
    }

    if (frame->kind == CG_FRAME_IF && !frame->has_else) {
        /* Without else, params pass through unchanged as the results. */
        if (reachable) {
            kiln_status edge_st = add_label_edge(fn, frame, label_values(fn, frame));
            if (edge_st != KILN_OK)
                return edge_st;
            LLVMBuildBr(fn->b, frame->label_bb);
        }
        LLVMPositionBuilderAtEnd(fn->b, frame->else_bb);
        kiln_status edge_st = add_label_edge(fn, frame, frame->else_args);
        if (edge_st != KILN_OK)
            return edge_st;
        LLVMBuildBr(fn->b, frame->label_bb);
    } else if (reachable && frame->label_preds == 0 && frame->kind != CG_FRAME_IF) {
        /* Only the fallthrough reaches the end: stay in the current block. */
        LLVMDeleteBasicBlock(frame->label_bb);
        if (frame->kind == CG_FRAME_FUNC)
            emit_return_values(fn, label_values(fn, frame), frame->result_count);
        free_frame(frame);
        fn->depth--;
        return KILN_OK;
    } else if (reachable) {
        kiln_status edge_st = add_label_edge(fn, frame, label_values(fn, frame));
        if (edge_st != KILN_OK)
            return edge_st;
        LLVMBuildBr(fn->b, frame->label_bb);
    }

    fn->sp = frame->height;
    if (frame->label_preds == 0) {
        /* Nothing reaches the end: the code after it is dead too. */
        LLVMDeleteBasicBlock(frame->label_bb);
        set_unreachable(fn);
    } else {
        LLVMMoveBasicBlockAfter(frame->label_bb, LLVMGetLastBasicBlock(fn->fn));
        LLVMPositionBuilderAtEnd(fn->b, frame->label_bb);
        for (uint32_t i = 0; i < frame->result_count; i++)
            cg_push(fn, frame->label_phis[i]);
        fn->unreachable = false;
        if (frame->kind == CG_FRAME_FUNC)
            emit_return_values(fn, frame->label_phis, frame->result_count);
    }
    free_frame(frame);
    fn->depth--;
    return KILN_OK;
}

static kiln_status emit_br(cg_func *fn, const wasm_instr *in)
{
    cg_frame *target = label_frame(fn, in->imm.index);
    kiln_status edge_st = add_label_edge(fn, target, label_values(fn, target));
    if (edge_st != KILN_OK)
        return edge_st;
    LLVMBuildBr(fn->b, target->label_bb);
    set_unreachable(fn);
    return KILN_OK;
}

static kiln_status emit_br_if(cg_func *fn, const wasm_instr *in)
{
    LLVMValueRef cond = cg_i32_nonzero(fn, cg_pop(fn));
    cg_frame *target = label_frame(fn, in->imm.index);
    LLVMBasicBlockRef cont = cg_append_block(fn, "br_if.cont");
    kiln_status edge_st = add_label_edge(fn, target, label_values(fn, target));
    if (edge_st != KILN_OK)
        return edge_st;
    LLVMBuildCondBr(fn->b, cond, target->label_bb, cont);
    LLVMPositionBuilderAtEnd(fn->b, cont);
    return KILN_OK;
}

static kiln_status emit_br_table(cg_func *fn, const wasm_instr *in)
{
    LLVMValueRef index = cg_pop(fn);
    uint32_t count = in->imm.br_table.count;
    /* No targets (only a default): br_targets may be NULL, and NULL + 0 is
     * undefined behaviour. */
    const uint32_t *targets =
        count > 0 ? fn->body->br_targets + in->imm.br_table.first : NULL;
    cg_frame *def = label_frame(fn, in->imm.br_table.default_depth);
    /* Edges first: a label turned into slots stores before the switch. */
    kiln_status st = add_label_edge(fn, def, label_values(fn, def));
    for (uint32_t i = 0; i < count && st == KILN_OK; i++) {
        cg_frame *target = label_frame(fn, targets[i]);
        st = add_label_edge(fn, target, label_values(fn, target));
    }
    if (st != KILN_OK)
        return st;
    LLVMValueRef sw = LLVMBuildSwitch(fn->b, index, def->label_bb, count);
    for (uint32_t i = 0; i < count; i++)
        LLVMAddCase(sw, LLVMConstInt(fn->cgm->t_i32, i, 0), label_frame(fn, targets[i])->label_bb);
    set_unreachable(fn);
    return KILN_OK;
}

static kiln_status emit_return(cg_func *fn)
{
    cg_frame *target = &fn->frames[0];
    kiln_status edge_st = add_label_edge(fn, target, label_values(fn, target));
    if (edge_st != KILN_OK)
        return edge_st;
    LLVMBuildBr(fn->b, target->label_bb);
    set_unreachable(fn);
    return KILN_OK;
}

/* Pops the arguments of `type`, calls callee(callee_vmctx, args), pushes the
 * results. */
static void emit_call_common(cg_func *fn, const wasm_functype *type, LLVMTypeRef fty,
                             LLVMValueRef callee, LLVMValueRef callee_vmctx)
{
    uint32_t n = type->param_count;
    LLVMValueRef args[n + 2];
    args[0] = callee_vmctx;
    for (uint32_t i = 0; i < n; i++)
        args[i + 1] = fn->stack[fn->sp - n + i];
    fn->sp -= n;
    LLVMValueRef area = NULL;
    if (type->result_count > 1) {
        area = result_area(fn, type->result_count);
        args[n + 1] = area;
    }
    LLVMValueRef call = LLVMBuildCall2(fn->b, fty, callee, args, n + 1 + (area != NULL), "");
    if (type->result_count == 1) {
        cg_push(fn, call);
    } else {
        const wasm_valtype *results = type->types + type->param_count;
        for (uint32_t i = 0; i < type->result_count; i++) {
            LLVMValueRef v = LLVMBuildLoad2(fn->b, cg_valtype(fn->cgm, results[i]),
                                            cg_result_slot(fn->cgm, fn->b, area, i), "");
            LLVMSetAlignment(v, 8);
            cg_push(fn, v);
        }
    }
    cg_reload_bound(fn);
}

static kiln_status emit_call(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    const wasm_module *m = cgm->wasm;
    uint32_t callee = in->imm.index;
    uint32_t type_index = m->funcs[callee].type_index;
    LLVMTypeRef fty = cgm->func_types[type_index];
    if (callee >= m->func_import_count) {
        emit_call_common(fn, &m->types[type_index], fty, cg_func_ref(cgm, callee), fn->vmctx);
        return KILN_OK;
    }
    /* Import: {code, vmctx} set at instantiation, never changed after. A
     * pre-linked import's code is known: a direct call, vmctx from the slot. */
    unsigned w = cgm->config.pointer_width;
    uint32_t slot = cgm->layout.func_imports + callee * 2u * w;
    const char *direct = cgm->config.prelinked != NULL ? cgm->config.prelinked[callee] : NULL;
    LLVMValueRef code = direct != NULL ? cg_prelinked_ref(cgm, direct, fty)
                                       : cg_vmctx_load(fn, slot, cgm->t_ptr, true, "import.code");
    LLVMValueRef callee_vmctx = cg_vmctx_load(fn, slot + w, cgm->t_ptr, true, "import.vmctx");
    emit_call_common(fn, &m->types[type_index], fty, code, callee_vmctx);
    return KILN_OK;
}

static LLVMValueRef load_at(cg_func *fn, LLVMValueRef base, uint32_t byte_offset,
                            LLVMTypeRef type, unsigned align, const char *name)
{
    LLVMValueRef addr = base;
    if (byte_offset) {
        LLVMValueRef off = LLVMConstInt(fn->cgm->t_i64, byte_offset, 0);
        addr = LLVMBuildGEP2(fn->b, fn->cgm->t_i8, base, &off, 1, "");
    }
    LLVMValueRef v = LLVMBuildLoad2(fn->b, type, addr, name);
    LLVMSetAlignment(v, align);
    cg_set_tbaa_vmctx(fn->cgm, v);
    return v;
}

/* The loader's array of the module's canonical type ids, one u32 per type,
 * valid for the instance's life. Loaded once, in the entry block, where it
 * always executes and so keeps its !dereferenceable: LICM may then hoist
 * each expected id out of loops (a load it had to speculate itself would
 * lose the fact, and the id load would stay behind the checks). */
static LLVMValueRef type_ids(cg_func *fn)
{
    if (fn->type_ids)
        return fn->type_ids;
    cg_module *cgm = fn->cgm;
    LLVMBasicBlockRef here = LLVMGetInsertBlock(fn->b);
    /* The entry block holds allocas only until emit_stack_check ends it. */
    LLVMPositionBuilderAtEnd(fn->b, LLVMGetEntryBasicBlock(fn->fn));
    fn->type_ids = cg_vmctx_load(fn, KILN_VMCTX_TYPE_IDS * cgm->config.pointer_width,
                                 cgm->t_ptr, true, "type_ids");
    cg_set_dereferenceable(cgm, fn->type_ids, (uint64_t)cgm->wasm->type_count * 4u, 4);
    LLVMPositionBuilderAtEnd(fn->b, here);
    return fn->type_ids;
}

#define SEALED_CALLEES_MAX 16u

static bool same_functype(const wasm_functype *a, const wasm_functype *b)
{
    if (a->param_count != b->param_count || a->result_count != b->result_count)
        return false;
    for (uint32_t i = 0; i < a->param_count + a->result_count; i++)
        if (a->types[i] != b->types[i])
            return false;
    return true;
}

/* A block that branches to the function's trap block for `code`. */
static LLVMBasicBlockRef trap_edge(cg_func *fn, kiln_trap_code code)
{
    LLVMBasicBlockRef here = LLVMGetInsertBlock(fn->b);
    LLVMBasicBlockRef bb = cg_append_block(fn, "call_indirect.trap");
    LLVMPositionBuilderAtEnd(fn->b, bb);
    cg_trap(fn, code);
    LLVMPositionBuilderAtEnd(fn->b, here);
    return bb;
}

/* call_indirect through a sealed table (cg_table.c): the element at every
 * index is known, so the bounds, null and type checks are decided here and
 * each element of the right type is a direct call, which LLVM may inline: a
 * switch on the index. Canonical type ids are structural in wasm 2.0, so
 * comparing the types here decides what the runtime's comparison would.
 * False (nothing emitted) when the table is not sealed, an element of the
 * type is an import (its code is only known at instantiation), more than
 * SEALED_CALLEES_MAX elements have the type, or the type has several
 * results. */
static bool emit_sealed_call_indirect(cg_func *fn, uint32_t table, uint32_t type_index,
                                      LLVMValueRef index)
{
    cg_module *cgm = fn->cgm;
    const wasm_module *m = cgm->wasm;
    const uint32_t *contents = cgm->sealed != NULL ? cgm->sealed[table] : NULL;
    const wasm_functype *type = &m->types[type_index];
    if (contents == NULL || type->result_count > 1)
        return false;
    uint32_t size = (uint32_t)m->tables[table].limits.min;
    uint32_t matching = 0;
    for (uint32_t i = 0; i < size; i++) {
        uint32_t f = contents[i];
        if (f == UINT32_MAX || !same_functype(wasm_func_type(m, f), type))
            continue;
        if (f < m->func_import_count)
            return false;
        matching++;
    }
    /* Each matching element is a call LLVM may inline at every site. */
    if (matching > SEALED_CALLEES_MAX)
        return false;
    uint32_t n = type->param_count;
    LLVMValueRef args[n + 1];
    args[0] = fn->vmctx;
    for (uint32_t i = 0; i < n; i++)
        args[i + 1] = fn->stack[fn->sp - n + i];
    fn->sp -= n;

    LLVMBasicBlockRef join = cg_append_block(fn, "call_indirect.join");
    LLVMBasicBlockRef undefined = trap_edge(fn, KILN_TRAP_UNDEFINED_ELEMENT);
    LLVMBasicBlockRef uninit = NULL, mismatch = NULL;
    LLVMValueRef sw = LLVMBuildSwitch(fn->b, index, undefined, size);
    uint32_t callees[size ? size : 1];
    LLVMBasicBlockRef call_bbs[size ? size : 1];
    LLVMValueRef results[size ? size : 1];
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < size; i++) {
        uint32_t f = contents[i];
        LLVMBasicBlockRef target;
        if (f == UINT32_MAX) {
            if (uninit == NULL)
                uninit = trap_edge(fn, KILN_TRAP_UNINITIALIZED_ELEMENT);
            target = uninit;
        } else if (!same_functype(wasm_func_type(m, f), type)) {
            if (mismatch == NULL)
                mismatch = trap_edge(fn, KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);
            target = mismatch;
        } else {
            uint32_t k = 0;
            while (k < distinct && callees[k] != f)
                k++;
            if (k == distinct) {
                callees[k] = f;
                call_bbs[k] = cg_append_block(fn, "call_indirect.direct");
                LLVMPositionBuilderAtEnd(fn->b, call_bbs[k]);
                results[k] = LLVMBuildCall2(fn->b, cgm->func_types[type_index],
                                            cg_func_ref(cgm, f), args, n + 1, "");
                LLVMBuildBr(fn->b, join);
                distinct++;
            }
            target = call_bbs[k];
        }
        LLVMAddCase(sw, LLVMConstInt(cgm->t_i32, i, 0), target);
    }
    LLVMPositionBuilderAtEnd(fn->b, join);
    if (distinct == 0) {
        /* Every index traps: nothing reaches the join. Later code is dead. */
        LLVMBuildUnreachable(fn->b);
        LLVMPositionBuilderAtEnd(fn->b, cg_append_block(fn, "call_indirect.dead"));
        if (type->result_count == 1)
            cg_push(fn, LLVMGetUndef(cg_valtype(cgm, type->types[n])));
        return true;
    }
    if (type->result_count == 1) {
        LLVMValueRef phi = LLVMBuildPhi(fn->b, cg_valtype(cgm, type->types[n]), "");
        LLVMAddIncoming(phi, results, call_bbs, distinct);
        cg_push(fn, phi);
    }
    cg_reload_bound(fn);
    return true;
}

static kiln_status emit_call_indirect(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    const wasm_module *m = cgm->wasm;
    unsigned w = cgm->config.pointer_width;
    uint32_t type_index = in->imm.call_indirect.type_index;
    uint32_t table = in->imm.call_indirect.table_index;

    LLVMValueRef index = cg_pop(fn);
    if (emit_sealed_call_indirect(fn, table, type_index, index))
        return KILN_OK;
    LLVMValueRef tdef = cg_vmctx_load(fn, cgm->layout.tables + table * w, cgm->t_ptr, true,
                                      "table");
    cg_set_dereferenceable(cgm, tdef, KILN_TABLEDEF_MAX_OFFSET(w) + 4u, w);
    /* Elements and size change on table.grow: loaded at every call. */
    LLVMValueRef size = load_at(fn, tdef, KILN_TABLEDEF_SIZE_OFFSET(w), cgm->t_i32, 4, "table.size");
    cg_trap_if(fn, LLVMBuildICmp(fn->b, LLVMIntUGE, index, size, ""),
               KILN_TRAP_UNDEFINED_ELEMENT);
    LLVMValueRef elements =
        load_at(fn, tdef, KILN_TABLEDEF_ELEMENTS_OFFSET(w), cgm->t_ptr, w, "table.elements");
    LLVMValueRef idx64 = LLVMBuildZExt(fn->b, index, cgm->t_i64, "");
    LLVMValueRef elem_addr = LLVMBuildGEP2(fn->b, cgm->t_ptr, elements, &idx64, 1, "");
    LLVMValueRef record = LLVMBuildLoad2(fn->b, cgm->t_ptr, elem_addr, "funcref");
    LLVMSetAlignment(record, w);
    cg_set_tbaa_vmctx(cgm, record);
    cg_trap_if(fn, LLVMBuildIsNull(fn->b, record, ""), KILN_TRAP_UNINITIALIZED_ELEMENT);

    LLVMValueRef type_id =
        load_at(fn, record, KILN_FUNCREF_TYPE_ID_OFFSET(w), cgm->t_i32, 4, "funcref.type_id");
    LLVMValueRef ids = type_ids(fn);
    LLVMValueRef expected = load_at(fn, ids, type_index * 4u, cgm->t_i32, 4, "type_id");
    cg_set_invariant(cgm, expected);
    cg_trap_if(fn, LLVMBuildICmp(fn->b, LLVMIntNE, type_id, expected, ""),
               KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH);

    LLVMValueRef code = load_at(fn, record, KILN_FUNCREF_CODE_OFFSET(w), cgm->t_ptr, w, "funcref.code");
    LLVMValueRef callee_vmctx =
        load_at(fn, record, KILN_FUNCREF_VMCTX_OFFSET(w), cgm->t_ptr, w, "funcref.vmctx");
    emit_call_common(fn, &m->types[type_index], cgm->func_types[type_index], code,
                     callee_vmctx);
    return KILN_OK;
}

kiln_status cg_emit_control(cg_func *fn, const wasm_instr *in)
{
    switch ((wasm_op)in->op) {
    case WASM_OP_NOP:
        return KILN_OK;
    case WASM_OP_UNREACHABLE:
        cg_trap(fn, KILN_TRAP_UNREACHABLE);
        set_unreachable(fn);
        return KILN_OK;
    case WASM_OP_BLOCK:
        return emit_block(fn, in);
    case WASM_OP_LOOP:
        return emit_loop(fn, in);
    case WASM_OP_IF:
        return emit_if(fn, in);
    case WASM_OP_ELSE:
        return cg_else(fn, in);
    case WASM_OP_END:
        return cg_end(fn, in);
    case WASM_OP_BR:
        return emit_br(fn, in);
    case WASM_OP_BR_IF:
        return emit_br_if(fn, in);
    case WASM_OP_BR_TABLE:
        return emit_br_table(fn, in);
    case WASM_OP_RETURN:
        return emit_return(fn);
    case WASM_OP_CALL:
        return emit_call(fn, in);
    case WASM_OP_CALL_INDIRECT:
        return emit_call_indirect(fn, in);
    default:
        return cg_unsupported(fn, in);
    }
}

/* A linear-memory load whose value is dropped must still trap when out of
 * bounds: make it volatile so LLVM keeps it (looking through the extension
 * of a narrow load). Loads of locals are left alone: a volatile access
 * would stop mem2reg from promoting the local. */
static void keep_dropped_load(cg_func *fn, LLVMValueRef v)
{
    if (LLVMIsACastInst(v) && LLVMGetNumOperands(v) == 1)
        v = LLVMGetOperand(v, 0);
    if (LLVMIsALoadInst(v) && LLVMGetMetadata(v, fn->cgm->md_tbaa) == fn->cgm->md_tbaa_memory)
        LLVMSetVolatile(v, 1);
}

kiln_status cg_emit_parametric(cg_func *fn, const wasm_instr *in)
{
    switch ((wasm_op)in->op) {
    case WASM_OP_DROP:
        keep_dropped_load(fn, cg_pop(fn));
        return KILN_OK;
    case WASM_OP_SELECT:
    case WASM_OP_SELECT_T: {
        LLVMValueRef cond = cg_i32_nonzero(fn, cg_pop(fn));
        LLVMValueRef b = cg_pop(fn);
        LLVMValueRef a = cg_pop(fn);
        cg_push(fn, LLVMBuildSelect(fn->b, cond, a, b, ""));
        return KILN_OK;
    }
    default:
        return cg_unsupported(fn, in);
    }
}
