/*
 * Keeps linear-memory loads trapping where the bounds check is the access
 * itself (guard mode): loads whose value is unused, and loads whose value
 * is partly used.
 *
 * 1. Unused values. Keeps linear-memory loads whose value is never used: wasm requires an
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
 *
 * 2. Partly used values. LLVM narrows a load when only some of its bytes
 * are used: instruction selection (DAGCombiner's load-width reduction for
 * trunc/and/srl of a load, extract_vector_elt of a vector load, the x86
 * combines behind movzx/pextr/pmovzx), CodeGenPrepare (moves masks next to
 * loads for that), and at IR level VectorCombine/InstCombine (a lane
 * extract of a vector load becomes a scalar load). An access that starts in
 * bounds and ends past the end of memory then returns a value. The rule:
 * - IR passes run on ordinary loads (vectorisation, LICM, GVN, CSE, load
 *   combining and forwarding stay: they remove, hoist, merge or widen loads
 *   over exactly the bytes that are accessed, never narrow one). The IR
 *   passes of LLVM 19 narrow only vector loads, so a vector load is
 *   followed by a freeze at emission (cg_memory_load), which they do not
 *   look through;
 * - after the optimisation pipeline, before instruction selection and
 *   CodeGenPrepare, cg_module_keep_loads_whole makes every guarded load
 *   volatile: the back end never narrows, splits or drops a volatile load
 *   (it still folds one into the instruction that uses it, at its full
 *   width: add r, [m], paddd x, [m], pmovzxbw x, [m]).
 * A load is guarded unless it reads an alloca, carries the vmctx TBAA tag
 * or reads vmctx plus a constant: any other load whose tag a transform
 * dropped counts as guarded.
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

/* Store-to-alloca bookkeeping: stores sorted by alloca, so the stores of an
 * alloca that becomes read are found by binary search. */
typedef struct local_store {
    LLVMValueRef slot, store;
} local_store;

static int by_slot(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const local_store *)x)->slot;
    uintptr_t b = (uintptr_t)((const local_store *)y)->slot;
    return a < b ? -1 : a > b;
}

/* Stores to allocas that can become live: those not overwritten later in
 * their block before a load of the alloca (one backward walk per block;
 * `pending` holds the allocas stored to below with no load in between). */
static size_t collect_local_stores(LLVMValueRef func, local_store *out, ptr_set *pending)
{
    size_t n = 0, used = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(func); bb; bb = LLVMGetNextBasicBlock(bb)) {
        if (used != 0)
            memset(pending->slots, 0, pending->cap * sizeof *pending->slots);
        used = 0;
        for (LLVMValueRef in = LLVMGetLastInstruction(bb); in; in = LLVMGetPreviousInstruction(in)) {
            if (LLVMIsALoadInst(in) && is_alloca_access(LLVMGetOperand(in, 0))) {
                /* Reads the alloca: stores above are not overwritten. A
                 * cleared set stays correct (only more stores count). */
                if (set_has(pending, LLVMGetOperand(in, 0))) {
                    memset(pending->slots, 0, pending->cap * sizeof *pending->slots);
                    used = 0;
                }
            } else if (LLVMIsAStoreInst(in) && !LLVMGetVolatile(in) &&
                       is_alloca_access(LLVMGetOperand(in, 1))) {
                LLVMValueRef slot = LLVMGetOperand(in, 1);
                if (set_add(pending, slot)) {
                    used++;
                    out[n++] = (local_store){slot, in};
                }
            }
        }
    }
    qsort(out, n, sizeof *out, by_slot);
    return n;
}

kiln_status cg_keep_unused_loads(cg_func *fn)
{
    size_t count = 0, allocas = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in)) {
            count++;
            allocas += LLVMIsAAllocaInst(in) != NULL;
        }
    ptr_set live = {0}, read_allocas = {0}, pending = {0};
    live.cap = 16;
    while (live.cap < count * 2u)
        live.cap *= 2u;
    read_allocas.cap = live.cap;
    pending.cap = 64;
    while (pending.cap < 2u * allocas) /* never full: set_add needs a free slot */
        pending.cap *= 2u;
    live.slots = calloc(live.cap, sizeof *live.slots);
    read_allocas.slots = calloc(read_allocas.cap, sizeof *read_allocas.slots);
    pending.slots = calloc(pending.cap, sizeof *pending.slots);
    LLVMValueRef *work = malloc((count ? count : 1) * sizeof *work);
    local_store *stores = malloc((count ? count : 1) * sizeof *stores);
    kiln_status st = KILN_OK;
    if (live.slots == NULL || read_allocas.slots == NULL || pending.slots == NULL ||
        work == NULL || stores == NULL) {
        st = kiln_error_set(fn->err, KILN_ERR_NOMEM, 0, "codegen: out of memory (function %u)",
                            fn->body->func_index);
        goto out;
    }
    size_t store_count = collect_local_stores(fn->fn, stores, &pending);

    size_t top = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in))
            if (is_root(in) && set_add(&live, in))
                work[top++] = in;
    /* Each instruction enters the work list once (set_add), so top <= count. */
    while (top > 0) {
        LLVMValueRef in = work[--top];
        if (LLVMIsALoadInst(in) && is_alloca_access(LLVMGetOperand(in, 0)) &&
            set_add(&read_allocas, LLVMGetOperand(in, 0))) {
            /* First live read of this local: its surviving stores are live. */
            local_store key = {LLVMGetOperand(in, 0), NULL};
            size_t lo = 0, hi = store_count;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2u;
                if (by_slot(&stores[mid], &key) < 0)
                    lo = mid + 1u;
                else
                    hi = mid;
            }
            for (size_t k = lo; k < store_count && stores[k].slot == key.slot; k++)
                if (set_add(&live, stores[k].store))
                    work[top++] = stores[k].store;
        }
        int n = LLVMGetNumOperands(in);
        for (int i = 0; i < n; i++) {
            LLVMValueRef op = LLVMGetOperand(in, (unsigned)i);
            if (op != NULL && LLVMIsAInstruction(op) && set_add(&live, op))
                work[top++] = op;
        }
    }

    LLVMValueRef tbaa_memory = fn->cgm->md_tbaa_memory;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn->fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in))
            if (LLVMIsALoadInst(in) && !set_has(&live, in) &&
                LLVMGetMetadata(in, fn->cgm->md_tbaa) == tbaa_memory)
                LLVMSetVolatile(in, 1);
out:
    free(stores);
    free(work);
    free(pending.slots);
    free(read_allocas.slots);
    free(live.slots);
    return st;
}

/* True when ptr points (through GEPs) into an alloca: a local, not memory. */
static bool points_into_alloca(LLVMValueRef ptr)
{
    while (ptr != NULL && LLVMIsAGetElementPtrInst(ptr) != NULL)
        ptr = LLVMGetOperand(ptr, 0);
    return ptr != NULL && LLVMIsAAllocaInst(ptr) != NULL;
}

/* True when ptr is vmctx plus constant offsets in a kiln_f<N> (whose
 * parameter 0 is its instance's vmctx, marked dereferenceable): a vmctx
 * field, never linear memory, which is only reached through a base loaded
 * from vmctx. Catches vmctx loads LICM hoisted speculatively, which drops
 * their TBAA tag. */
static bool points_into_vmctx(const cg_module *cgm, LLVMValueRef f, LLVMValueRef ptr)
{
    if (LLVMCountParams(f) == 0 ||
        LLVMGetEnumAttributeAtIndex(f, 1, cgm->attr_dereferenceable) == NULL)
        return false;
    while (ptr != NULL && LLVMIsAGetElementPtrInst(ptr) != NULL) {
        int n = LLVMGetNumOperands(ptr);
        for (int i = 1; i < n; i++)
            if (!LLVMIsAConstantInt(LLVMGetOperand(ptr, (unsigned)i)))
                return false;
        ptr = LLVMGetOperand(ptr, 0);
    }
    return ptr != NULL && ptr == LLVMGetParam(f, 0);
}

void cg_module_keep_loads_whole(cg_module *cgm)
{
    if (cgm->config.bounds != KILN_BOUNDS_GUARD || cgm->llvm == NULL)
        return;
    for (LLVMValueRef f = LLVMGetFirstFunction(cgm->llvm); f; f = LLVMGetNextFunction(f))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in;
                 in = LLVMGetNextInstruction(in)) {
                if (!LLVMIsALoadInst(in) || LLVMGetVolatile(in) ||
                    LLVMGetOrdering(in) != LLVMAtomicOrderingNotAtomic)
                    continue;
                if (LLVMGetMetadata(in, cgm->md_tbaa) == cgm->md_tbaa_vmctx ||
                    points_into_alloca(LLVMGetOperand(in, 0)) ||
                    points_into_vmctx(cgm, f, LLVMGetOperand(in, 0)))
                    continue;
                LLVMSetVolatile(in, 1);
            }
}
