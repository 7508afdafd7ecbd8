/*
 * Keeps linear-memory loads whose value is never used: wasm requires an
 * out-of-bounds load to trap even when its result is unused, but LLVM
 * removes a dead load, and with guard pages the load IS the bounds check.
 *
 * After a function body is emitted (before any optimisation) a liveness
 * pass in the style of aggressive dead-code elimination runs over its IR:
 * - roots: terminators, stores to memory, calls (except the pure intrinsics
 *   named below, which LLVM deletes when dead), atomics, fences, volatile
 *   accesses; every operand of a live instruction is live;
 * - wasm locals are allocas: a store to an alloca is live only when some
 *   live load reads that alloca (this is what mem2reg will reveal), so
 *   `(local.set $unused (i32.load ...))` leaves the load dead; a store
 *   overwritten later in its block before any read of the alloca is dead
 *   too (locals never escape, so nothing else can read it in between).
 * Every linear-memory load (tbaa "memory") that is not live is made
 * volatile, which LLVM never deletes. Live loads keep full optimisation.
 * Limits: a value that is used but whose use LLVM can simplify away
 * (x & 0, x * 0 on integers, or a parameter a callee ignores, after
 * inlining) is considered live, so such a load can still be deleted.
 */
#include "cg_internal.h"

#include <stdlib.h>
#include <string.h>

/* Open-addressed set of instructions (pointer keys). */
typedef struct ptr_set {
    LLVMValueRef *slots;
    size_t cap; /* power of two */
} ptr_set;

static size_t ptr_hash(LLVMValueRef v, size_t cap)
{
    uintptr_t x = (uintptr_t)v;
    x ^= x >> 17;
    x *= (uintptr_t)0x9E3779B97F4A7C15u;
    return (size_t)(x >> 7) & (cap - 1u);
}

/* Adds v; returns true when it was not there yet. */
static bool set_add(ptr_set *s, LLVMValueRef v)
{
    for (size_t i = ptr_hash(v, s->cap);; i = (i + 1u) & (s->cap - 1u)) {
        if (s->slots[i] == v)
            return false;
        if (s->slots[i] == NULL) {
            s->slots[i] = v;
            return true;
        }
    }
}

static bool set_has(const ptr_set *s, LLVMValueRef v)
{
    for (size_t i = ptr_hash(v, s->cap);; i = (i + 1u) & (s->cap - 1u)) {
        if (s->slots[i] == v)
            return true;
        if (s->slots[i] == NULL)
            return false;
    }
}

/* Intrinsics without side effects: LLVM deletes them when unused. */
static bool is_pure_intrinsic(LLVMValueRef call)
{
    static const char *const pure[] = {
        "llvm.experimental.constrained.", "llvm.minimum", "llvm.maximum", "llvm.copysign",
        "llvm.ceil", "llvm.floor", "llvm.trunc", "llvm.roundeven", "llvm.nearbyint",
        "llvm.rint", "llvm.sqrt", "llvm.fabs", "llvm.fma", "llvm.fmuladd", "llvm.ctlz",
        "llvm.cttz", "llvm.ctpop", "llvm.fshl", "llvm.fshr", "llvm.abs", "llvm.smin",
        "llvm.smax", "llvm.umin", "llvm.umax", "llvm.sadd.sat", "llvm.uadd.sat",
        "llvm.ssub.sat", "llvm.usub.sat", "llvm.fptosi.sat", "llvm.fptoui.sat",
        "llvm.bswap", "llvm.bitreverse", "llvm.vector.reduce.",
    };
    LLVMValueRef callee = LLVMGetCalledValue(call);
    if (callee == NULL || !LLVMIsAFunction(callee) || LLVMGetIntrinsicID(callee) == 0)
        return false;
    size_t len = 0;
    const char *name = LLVMGetValueName2(callee, &len);
    for (size_t i = 0; i < sizeof pure / sizeof pure[0]; i++)
        if (strncmp(name, pure[i], strlen(pure[i])) == 0)
            return true;
    return false;
}

static bool is_alloca_access(LLVMValueRef ptr)
{
    return ptr != NULL && LLVMIsAAllocaInst(ptr) != NULL;
}

/* A store to an alloca that a later store in the same block overwrites
 * before any load of that alloca. */
static bool is_overwritten(LLVMValueRef store)
{
    LLVMValueRef slot = LLVMGetOperand(store, 1);
    for (LLVMValueRef in = LLVMGetNextInstruction(store); in; in = LLVMGetNextInstruction(in)) {
        if (LLVMIsALoadInst(in) && LLVMGetOperand(in, 0) == slot)
            return false;
        if (LLVMIsAStoreInst(in) && LLVMGetOperand(in, 1) == slot)
            return true;
    }
    return false;
}

static bool is_root(LLVMValueRef in)
{
    if (LLVMIsATerminatorInst(in) || LLVMIsAFenceInst(in) || LLVMIsAAtomicRMWInst(in) ||
        LLVMIsAAtomicCmpXchgInst(in))
        return true;
    if (LLVMIsAStoreInst(in))
        return LLVMGetVolatile(in) || !is_alloca_access(LLVMGetOperand(in, 1));
    if (LLVMIsALoadInst(in))
        return LLVMGetVolatile(in) || LLVMGetOrdering(in) != LLVMAtomicOrderingNotAtomic;
    if (LLVMIsACallInst(in))
        return !is_pure_intrinsic(in);
    return false;
}

kiln_status cg_keep_unused_loads(cg_func *fn)
{
    size_t count = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in))
            count++;
    ptr_set live = {0}, read_allocas = {0};
    live.cap = 16;
    while (live.cap < count * 2u)
        live.cap *= 2u;
    read_allocas.cap = live.cap;
    live.slots = calloc(live.cap, sizeof *live.slots);
    read_allocas.slots = calloc(read_allocas.cap, sizeof *read_allocas.slots);
    LLVMValueRef *work = malloc((count ? count : 1) * sizeof *work);
    kiln_status st = KILN_OK;
    if (live.slots == NULL || read_allocas.slots == NULL || work == NULL) {
        st = kiln_error_set(fn->err, KILN_ERR_NOMEM, 0, "codegen: out of memory (function %u)",
                            fn->body->func_index);
        goto out;
    }

    size_t top = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in))
            if (is_root(in) && set_add(&live, in))
                work[top++] = in;
    /* Each instruction enters the work list once (set_add), so top <= count. */
    bool changed = true;
    while (changed) {
        while (top > 0) {
            LLVMValueRef in = work[--top];
            if (LLVMIsALoadInst(in) && is_alloca_access(LLVMGetOperand(in, 0)))
                set_add(&read_allocas, LLVMGetOperand(in, 0));
            int n = LLVMGetNumOperands(in);
            for (int i = 0; i < n; i++) {
                LLVMValueRef op = LLVMGetOperand(in, (unsigned)i);
                if (op != NULL && LLVMIsAInstruction(op) && set_add(&live, op))
                    work[top++] = op;
            }
        }
        /* Stores to locals that a live load reads become live. */
        changed = false;
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn->fn); bb;
             bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in;
                 in = LLVMGetNextInstruction(in))
                if (LLVMIsAStoreInst(in) && !set_has(&live, in) &&
                    set_has(&read_allocas, LLVMGetOperand(in, 1)) && !is_overwritten(in)) {
                    set_add(&live, in);
                    work[top++] = in;
                    changed = true;
                }
    }

    LLVMValueRef tbaa_memory = fn->cgm->md_tbaa_memory;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in))
            if (LLVMIsALoadInst(in) && !set_has(&live, in) &&
                LLVMGetMetadata(in, fn->cgm->md_tbaa) == tbaa_memory)
                LLVMSetVolatile(in, 1);
out:
    free(work);
    free(read_allocas.slots);
    free(live.slots);
    return st;
}
