/*
 * Atomic instructions of the threads proposal: atomic loads and stores,
 * read-modify-write (add, sub, and, or, xor, xchg) and cmpxchg of every
 * width, memory.atomic.wait32/wait64/notify and atomic.fence.
 *
 * Invariants:
 * - Every access goes through cg_memory_address with CG_ADDR_ATOMIC: the
 *   effective address must be naturally aligned ("unaligned atomic" trap,
 *   checked before the bounds check in both bounds modes), and the access
 *   carries its natural alignment, which LLVM requires of atomics.
 * - All orderings are seq_cst (wasm atomics are sequentially consistent);
 *   no access is volatile: the atomic orderings alone give the guarantees
 *   other threads sharing the memory rely on.
 * - Narrow accesses (8/16/32 bits into i32/i64) operate on the narrow type
 *   and zero-extend the old value; cmpxchg compares with the expected value
 *   wrapped to the access width, as the hardware instructions do.
 * - wait/notify call the runtime helpers with the effective address; they
 *   are not accesses of compiled code, so their bounds check is explicit
 *   even in guard mode (CG_ADDR_CHECKED). The helpers decide everything
 *   else (unshared memory, timeouts, the waiter queue).
 */
#include "cg_internal.h"

typedef enum atomic_kind {
    ATOMIC_LOAD,
    ATOMIC_STORE,
    ATOMIC_RMW,
    ATOMIC_CMPXCHG
} atomic_kind;

typedef enum rmw_op { RMW_ADD, RMW_SUB, RMW_AND, RMW_OR, RMW_XOR, RMW_XCHG } rmw_op;

typedef struct atomic_access {
    wasm_op op;
    atomic_kind kind;
    rmw_op rmw;       /* ATOMIC_RMW only */
    unsigned size;    /* bytes in memory */
    bool value_is_i64; /* type on the wasm stack */
} atomic_access;

/* Every atomic access instruction: one row each. */
static const atomic_access accesses[] = {
    {WASM_OP_I32_ATOMIC_LOAD, ATOMIC_LOAD, RMW_XCHG, 4, false},
    {WASM_OP_I64_ATOMIC_LOAD, ATOMIC_LOAD, RMW_XCHG, 8, true},
    {WASM_OP_I32_ATOMIC_LOAD8_U, ATOMIC_LOAD, RMW_XCHG, 1, false},
    {WASM_OP_I32_ATOMIC_LOAD16_U, ATOMIC_LOAD, RMW_XCHG, 2, false},
    {WASM_OP_I64_ATOMIC_LOAD8_U, ATOMIC_LOAD, RMW_XCHG, 1, true},
    {WASM_OP_I64_ATOMIC_LOAD16_U, ATOMIC_LOAD, RMW_XCHG, 2, true},
    {WASM_OP_I64_ATOMIC_LOAD32_U, ATOMIC_LOAD, RMW_XCHG, 4, true},
    {WASM_OP_I32_ATOMIC_STORE, ATOMIC_STORE, RMW_XCHG, 4, false},
    {WASM_OP_I64_ATOMIC_STORE, ATOMIC_STORE, RMW_XCHG, 8, true},
    {WASM_OP_I32_ATOMIC_STORE8, ATOMIC_STORE, RMW_XCHG, 1, false},
    {WASM_OP_I32_ATOMIC_STORE16, ATOMIC_STORE, RMW_XCHG, 2, false},
    {WASM_OP_I64_ATOMIC_STORE8, ATOMIC_STORE, RMW_XCHG, 1, true},
    {WASM_OP_I64_ATOMIC_STORE16, ATOMIC_STORE, RMW_XCHG, 2, true},
    {WASM_OP_I64_ATOMIC_STORE32, ATOMIC_STORE, RMW_XCHG, 4, true},
    {WASM_OP_I32_ATOMIC_RMW_ADD, ATOMIC_RMW, RMW_ADD, 4, false},
    {WASM_OP_I64_ATOMIC_RMW_ADD, ATOMIC_RMW, RMW_ADD, 8, true},
    {WASM_OP_I32_ATOMIC_RMW8_ADD_U, ATOMIC_RMW, RMW_ADD, 1, false},
    {WASM_OP_I32_ATOMIC_RMW16_ADD_U, ATOMIC_RMW, RMW_ADD, 2, false},
    {WASM_OP_I64_ATOMIC_RMW8_ADD_U, ATOMIC_RMW, RMW_ADD, 1, true},
    {WASM_OP_I64_ATOMIC_RMW16_ADD_U, ATOMIC_RMW, RMW_ADD, 2, true},
    {WASM_OP_I64_ATOMIC_RMW32_ADD_U, ATOMIC_RMW, RMW_ADD, 4, true},
    {WASM_OP_I32_ATOMIC_RMW_SUB, ATOMIC_RMW, RMW_SUB, 4, false},
    {WASM_OP_I64_ATOMIC_RMW_SUB, ATOMIC_RMW, RMW_SUB, 8, true},
    {WASM_OP_I32_ATOMIC_RMW8_SUB_U, ATOMIC_RMW, RMW_SUB, 1, false},
    {WASM_OP_I32_ATOMIC_RMW16_SUB_U, ATOMIC_RMW, RMW_SUB, 2, false},
    {WASM_OP_I64_ATOMIC_RMW8_SUB_U, ATOMIC_RMW, RMW_SUB, 1, true},
    {WASM_OP_I64_ATOMIC_RMW16_SUB_U, ATOMIC_RMW, RMW_SUB, 2, true},
    {WASM_OP_I64_ATOMIC_RMW32_SUB_U, ATOMIC_RMW, RMW_SUB, 4, true},
    {WASM_OP_I32_ATOMIC_RMW_AND, ATOMIC_RMW, RMW_AND, 4, false},
    {WASM_OP_I64_ATOMIC_RMW_AND, ATOMIC_RMW, RMW_AND, 8, true},
    {WASM_OP_I32_ATOMIC_RMW8_AND_U, ATOMIC_RMW, RMW_AND, 1, false},
    {WASM_OP_I32_ATOMIC_RMW16_AND_U, ATOMIC_RMW, RMW_AND, 2, false},
    {WASM_OP_I64_ATOMIC_RMW8_AND_U, ATOMIC_RMW, RMW_AND, 1, true},
    {WASM_OP_I64_ATOMIC_RMW16_AND_U, ATOMIC_RMW, RMW_AND, 2, true},
    {WASM_OP_I64_ATOMIC_RMW32_AND_U, ATOMIC_RMW, RMW_AND, 4, true},
    {WASM_OP_I32_ATOMIC_RMW_OR, ATOMIC_RMW, RMW_OR, 4, false},
    {WASM_OP_I64_ATOMIC_RMW_OR, ATOMIC_RMW, RMW_OR, 8, true},
    {WASM_OP_I32_ATOMIC_RMW8_OR_U, ATOMIC_RMW, RMW_OR, 1, false},
    {WASM_OP_I32_ATOMIC_RMW16_OR_U, ATOMIC_RMW, RMW_OR, 2, false},
    {WASM_OP_I64_ATOMIC_RMW8_OR_U, ATOMIC_RMW, RMW_OR, 1, true},
    {WASM_OP_I64_ATOMIC_RMW16_OR_U, ATOMIC_RMW, RMW_OR, 2, true},
    {WASM_OP_I64_ATOMIC_RMW32_OR_U, ATOMIC_RMW, RMW_OR, 4, true},
    {WASM_OP_I32_ATOMIC_RMW_XOR, ATOMIC_RMW, RMW_XOR, 4, false},
    {WASM_OP_I64_ATOMIC_RMW_XOR, ATOMIC_RMW, RMW_XOR, 8, true},
    {WASM_OP_I32_ATOMIC_RMW8_XOR_U, ATOMIC_RMW, RMW_XOR, 1, false},
    {WASM_OP_I32_ATOMIC_RMW16_XOR_U, ATOMIC_RMW, RMW_XOR, 2, false},
    {WASM_OP_I64_ATOMIC_RMW8_XOR_U, ATOMIC_RMW, RMW_XOR, 1, true},
    {WASM_OP_I64_ATOMIC_RMW16_XOR_U, ATOMIC_RMW, RMW_XOR, 2, true},
    {WASM_OP_I64_ATOMIC_RMW32_XOR_U, ATOMIC_RMW, RMW_XOR, 4, true},
    {WASM_OP_I32_ATOMIC_RMW_XCHG, ATOMIC_RMW, RMW_XCHG, 4, false},
    {WASM_OP_I64_ATOMIC_RMW_XCHG, ATOMIC_RMW, RMW_XCHG, 8, true},
    {WASM_OP_I32_ATOMIC_RMW8_XCHG_U, ATOMIC_RMW, RMW_XCHG, 1, false},
    {WASM_OP_I32_ATOMIC_RMW16_XCHG_U, ATOMIC_RMW, RMW_XCHG, 2, false},
    {WASM_OP_I64_ATOMIC_RMW8_XCHG_U, ATOMIC_RMW, RMW_XCHG, 1, true},
    {WASM_OP_I64_ATOMIC_RMW16_XCHG_U, ATOMIC_RMW, RMW_XCHG, 2, true},
    {WASM_OP_I64_ATOMIC_RMW32_XCHG_U, ATOMIC_RMW, RMW_XCHG, 4, true},
    {WASM_OP_I32_ATOMIC_RMW_CMPXCHG, ATOMIC_CMPXCHG, RMW_XCHG, 4, false},
    {WASM_OP_I64_ATOMIC_RMW_CMPXCHG, ATOMIC_CMPXCHG, RMW_XCHG, 8, true},
    {WASM_OP_I32_ATOMIC_RMW8_CMPXCHG_U, ATOMIC_CMPXCHG, RMW_XCHG, 1, false},
    {WASM_OP_I32_ATOMIC_RMW16_CMPXCHG_U, ATOMIC_CMPXCHG, RMW_XCHG, 2, false},
    {WASM_OP_I64_ATOMIC_RMW8_CMPXCHG_U, ATOMIC_CMPXCHG, RMW_XCHG, 1, true},
    {WASM_OP_I64_ATOMIC_RMW16_CMPXCHG_U, ATOMIC_CMPXCHG, RMW_XCHG, 2, true},
    {WASM_OP_I64_ATOMIC_RMW32_CMPXCHG_U, ATOMIC_CMPXCHG, RMW_XCHG, 4, true},
};

static LLVMAtomicRMWBinOp llvm_rmw(rmw_op op)
{
    switch (op) {
    case RMW_ADD:
        return LLVMAtomicRMWBinOpAdd;
    case RMW_SUB:
        return LLVMAtomicRMWBinOpSub;
    case RMW_AND:
        return LLVMAtomicRMWBinOpAnd;
    case RMW_OR:
        return LLVMAtomicRMWBinOpOr;
    case RMW_XOR:
        return LLVMAtomicRMWBinOpXor;
    case RMW_XCHG:
        break;
    }
    return LLVMAtomicRMWBinOpXchg;
}

static const atomic_access *describe(wasm_op op)
{
    for (size_t i = 0; i < sizeof accesses / sizeof accesses[0]; i++) {
        if (accesses[i].op == op)
            return &accesses[i];
    }
    return NULL;
}

static LLVMTypeRef mem_type(const cg_module *cgm, unsigned size)
{
    switch (size) {
    case 1:
        return cgm->t_i8;
    case 2:
        return cgm->t_i16;
    case 4:
        return cgm->t_i32;
    default:
        return cgm->t_i64;
    }
}

/* Narrows a stack value to the memory width (no-op at full width). */
static LLVMValueRef to_mem(cg_func *fn, LLVMValueRef v, LLVMTypeRef mt)
{
    return LLVMTypeOf(v) == mt ? v : LLVMBuildTrunc(fn->b, v, mt, "");
}

/* Zero-extends a loaded value to the stack type (no-op at full width). */
static LLVMValueRef from_mem(cg_func *fn, LLVMValueRef v, LLVMTypeRef vt)
{
    return LLVMTypeOf(v) == vt ? v : LLVMBuildZExt(fn->b, v, vt, "");
}

static void emit_access(cg_func *fn, const wasm_instr *in, const atomic_access *a)
{
    cg_module *cgm = fn->cgm;
    LLVMTypeRef mt = mem_type(cgm, a->size);
    LLVMTypeRef vt = a->value_is_i64 ? cgm->t_i64 : cgm->t_i32;
    const LLVMAtomicOrdering sc = LLVMAtomicOrderingSequentiallyConsistent;
    LLVMValueRef replacement = NULL, expected = NULL, result = NULL;

    /* Operands: addr, then expected (cmpxchg), then the value. */
    if (a->kind == ATOMIC_CMPXCHG) {
        replacement = cg_pop(fn);
        expected = cg_pop(fn);
    } else if (a->kind != ATOMIC_LOAD) {
        replacement = cg_pop(fn);
    }
    LLVMValueRef addr = cg_pop(fn);
    LLVMValueRef p = cg_memory_address(fn, addr, in->imm.mem.offset, a->size, CG_ADDR_ATOMIC);

    switch (a->kind) {
    case ATOMIC_LOAD: {
        LLVMValueRef v = LLVMBuildLoad2(fn->b, mt, p, "");
        LLVMSetOrdering(v, sc);
        LLVMSetAlignment(v, a->size);
        cg_set_tbaa_memory(cgm, v);
        result = from_mem(fn, v, vt);
        break;
    }
    case ATOMIC_STORE: {
        LLVMValueRef st = LLVMBuildStore(fn->b, to_mem(fn, replacement, mt), p);
        LLVMSetOrdering(st, sc);
        LLVMSetAlignment(st, a->size);
        cg_set_tbaa_memory(cgm, st);
        break;
    }
    case ATOMIC_RMW: {
        LLVMValueRef old =
            LLVMBuildAtomicRMW(fn->b, llvm_rmw(a->rmw), p, to_mem(fn, replacement, mt), sc, 0);
        LLVMSetAlignment(old, a->size);
        result = from_mem(fn, old, vt);
        break;
    }
    case ATOMIC_CMPXCHG: {
        LLVMValueRef pair = LLVMBuildAtomicCmpXchg(fn->b, p, to_mem(fn, expected, mt),
                                                   to_mem(fn, replacement, mt), sc, sc, 0);
        LLVMSetAlignment(pair, a->size);
        /* The loaded value, whether or not the exchange happened. */
        result = from_mem(fn, LLVMBuildExtractValue(fn->b, pair, 0, "old"), vt);
        break;
    }
    }
    if (result)
        cg_push(fn, result);
}

/* wait32/wait64/notify: bounds and alignment here, the rest in the helper. */
static void emit_wait_notify(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    wasm_op op = (wasm_op)in->op;
    unsigned size = op == WASM_OP_MEMORY_ATOMIC_WAIT64 ? 8u : 4u;
    LLVMValueRef operands[2];
    /* notify: addr count; wait: addr expected timeout. */
    unsigned operand_count = op == WASM_OP_MEMORY_ATOMIC_NOTIFY ? 1u : 2u;
    for (unsigned i = operand_count; i > 0; i--)
        operands[i - 1] = cg_pop(fn);
    LLVMValueRef addr = cg_pop(fn);
    /* Only the checks are wanted: the pointer is dead and LLVM drops it. */
    cg_memory_address(fn, addr, in->imm.mem.offset, size, CG_ADDR_ATOMIC | CG_ADDR_CHECKED);
    /* In bounds, so addr + offset < 2^32: the helper's u32 address is exact. */
    LLVMValueRef ea = LLVMBuildAdd(fn->b, LLVMBuildZExt(fn->b, addr, cgm->t_i64, ""),
                                   LLVMConstInt(cgm->t_i64, in->imm.mem.offset, 0), "");
    ea = LLVMBuildTrunc(fn->b, ea, cgm->t_i32, "ea");

    LLVMValueRef args[4] = {LLVMConstInt(cgm->t_i32, in->imm.mem.memory, 0), ea, operands[0],
                            operands[1]};
    kiln_helper_id id = KILN_HELPER_ATOMIC_NOTIFY;
    if (op == WASM_OP_MEMORY_ATOMIC_WAIT32)
        id = KILN_HELPER_ATOMIC_WAIT32;
    else if (op == WASM_OP_MEMORY_ATOMIC_WAIT64)
        id = KILN_HELPER_ATOMIC_WAIT64;
    cg_push(fn, cg_call_helper(fn, id, args, 2u + operand_count));
    /* Another thread may have grown the memory while this one waited. */
    cg_reload_bound(fn);
}

kiln_status cg_emit_atomic(cg_func *fn, const wasm_instr *in)
{
    wasm_op op = (wasm_op)in->op;
    const atomic_access *a = describe(op);
    if (a) {
        emit_access(fn, in, a);
        return KILN_OK;
    }
    switch (op) {
    case WASM_OP_MEMORY_ATOMIC_NOTIFY:
    case WASM_OP_MEMORY_ATOMIC_WAIT32:
    case WASM_OP_MEMORY_ATOMIC_WAIT64:
        emit_wait_notify(fn, in);
        return KILN_OK;
    case WASM_OP_ATOMIC_FENCE:
        LLVMBuildFence(fn->b, LLVMAtomicOrderingSequentiallyConsistent, 0, "");
        return KILN_OK;
    default:
        return cg_unsupported(fn, in);
    }
}
