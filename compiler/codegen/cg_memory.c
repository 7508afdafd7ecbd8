/*
 * Memory instructions: loads and stores of every width, memory.size,
 * memory.grow and the bulk-memory helpers (fill, copy, init, data.drop).
 *
 * cg_memory_address is the single place where the bounds-check mode is
 * decided:
 * - KILN_BOUNDS_GUARD (64-bit only): no check. zext(addr) + offset is at
 *   most 2 * (4 GiB - 1), inside the 8 GiB reservation the runtime makes,
 *   so any out-of-bounds access hits a guard page.
 * - KILN_BOUNDS_EXPLICIT: zext(addr) + offset + size is compared, in 64
 *   bits (no overflow possible), with mem0_bound, which the prologue copied
 *   into an alloca and calls refresh; above it branches to the trap.
 * Flags add two checks for the threads proposal:
 * - CG_ADDR_ATOMIC: zext(addr) + offset must be a multiple of access_size,
 *   else "unaligned atomic". Checked first, in both modes, as the reference
 *   interpreter does (alignment, then bounds); in guard mode it must come
 *   first anyway since the bounds check is the access itself.
 * - CG_ADDR_CHECKED: the bounds check is explicit even in guard mode, for
 *   memory.atomic.wait/notify whose helpers receive an address, not a
 *   pointer (no access faults on a guard page for them). mem0_bound is read
 *   from vmctx there (guard mode keeps no copy).
 * Accesses use align 1 (wasm alignment is only a hint) and the "wasm
 * memory" TBAA tag, disjoint from vmctx data.
 *
 * Guard mode: the load is the bounds check, so it must reach the machine
 * code at its full width (the spec traps when any byte of the access is out
 * of bounds; a narrowed load that still starts in bounds would return a
 * value). Loads go through cg_memory_load; the rule is in cg_liveness.c.
 */
#include "cg_internal.h"

LLVMValueRef cg_memory_address(cg_func *fn, LLVMValueRef addr, uint64_t offset,
                               unsigned access_size, unsigned flags)
{
    cg_module *cgm = fn->cgm;
    LLVMValueRef index = LLVMBuildZExt(fn->b, addr, cgm->t_i64, "");
    if ((flags & CG_ADDR_ATOMIC) && access_size > 1) {
        /* offset < 2^32 and index < 2^32: the 64-bit sum cannot wrap. */
        LLVMValueRef ea = LLVMBuildAdd(fn->b, index, LLVMConstInt(cgm->t_i64, offset, 0), "");
        LLVMValueRef low = LLVMBuildAnd(fn->b, ea, LLVMConstInt(cgm->t_i64, access_size - 1u, 0),
                                        "");
        cg_trap_if(fn,
                   LLVMBuildICmp(fn->b, LLVMIntNE, low, LLVMConstInt(cgm->t_i64, 0, 0),
                                 "unaligned"),
                   KILN_TRAP_UNALIGNED_ATOMIC);
    }
    bool explicit_check = cgm->config.bounds == KILN_BOUNDS_EXPLICIT;
    if (explicit_check || (flags & CG_ADDR_CHECKED)) {
        LLVMValueRef end = LLVMBuildAdd(fn->b, index,
                                        LLVMConstInt(cgm->t_i64, offset + access_size, 0), "");
        LLVMValueRef bound;
        if (fn->bound_slot) {
            bound = LLVMBuildLoad2(fn->b, cgm->t_i64, fn->bound_slot, "mem0_bound");
        } else {
            bound = cg_vmctx_load(fn, KILN_VMCTX_MEM0_BOUND * cgm->config.pointer_width,
                                  cgm->t_intptr, false, "mem0_bound");
            if (cgm->t_intptr != cgm->t_i64)
                bound = LLVMBuildZExt(fn->b, bound, cgm->t_i64, "");
        }
        cg_trap_if(fn, LLVMBuildICmp(fn->b, LLVMIntUGT, end, bound, "oob"),
                   KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
        if (explicit_check && cgm->t_intptr != cgm->t_i64) {
            /* In bounds, so addr + offset fits the 32-bit address space. */
            LLVMValueRef sum = LLVMBuildAdd(fn->b, index, LLVMConstInt(cgm->t_i64, offset, 0), "");
            LLVMValueRef narrow = LLVMBuildTrunc(fn->b, sum, cgm->t_intptr, "");
            return LLVMBuildGEP2(fn->b, cgm->t_i8, cg_mem_base(fn), &narrow, 1, "ea");
        }
    }
    /* Two GEPs: base + zext(addr) is shared by accesses at other offsets. */
    LLVMValueRef p = LLVMBuildGEP2(fn->b, cgm->t_i8, cg_mem_base(fn), &index, 1, "");
    if (offset != 0) {
        LLVMValueRef off = LLVMConstInt(cgm->t_i64, offset, 0);
        p = LLVMBuildGEP2(fn->b, cgm->t_i8, p, &off, 1, "ea");
    }
    return p;
}

typedef struct mem_access {
    LLVMTypeRef mem_type;   /* type in memory */
    LLVMTypeRef value_type; /* type on the wasm stack */
    unsigned size;          /* bytes */
    bool sign;              /* narrow load: sign-extend */
} mem_access;

static bool describe(const cg_module *cgm, wasm_op op, mem_access *a)
{
    LLVMTypeRef i8 = cgm->t_i8, i16 = cgm->t_i16, i32 = cgm->t_i32, i64 = cgm->t_i64;
    switch (op) {
    case WASM_OP_I32_LOAD:
    case WASM_OP_I32_STORE:
        *a = (mem_access){i32, i32, 4, false};
        return true;
    case WASM_OP_I64_LOAD:
    case WASM_OP_I64_STORE:
        *a = (mem_access){i64, i64, 8, false};
        return true;
    case WASM_OP_F32_LOAD:
    case WASM_OP_F32_STORE:
        *a = (mem_access){cgm->t_f32, cgm->t_f32, 4, false};
        return true;
    case WASM_OP_F64_LOAD:
    case WASM_OP_F64_STORE:
        *a = (mem_access){cgm->t_f64, cgm->t_f64, 8, false};
        return true;
    case WASM_OP_I32_LOAD8_S:
        *a = (mem_access){i8, i32, 1, true};
        return true;
    case WASM_OP_I32_LOAD8_U:
    case WASM_OP_I32_STORE8:
        *a = (mem_access){i8, i32, 1, false};
        return true;
    case WASM_OP_I32_LOAD16_S:
        *a = (mem_access){i16, i32, 2, true};
        return true;
    case WASM_OP_I32_LOAD16_U:
    case WASM_OP_I32_STORE16:
        *a = (mem_access){i16, i32, 2, false};
        return true;
    case WASM_OP_I64_LOAD8_S:
        *a = (mem_access){i8, i64, 1, true};
        return true;
    case WASM_OP_I64_LOAD8_U:
    case WASM_OP_I64_STORE8:
        *a = (mem_access){i8, i64, 1, false};
        return true;
    case WASM_OP_I64_LOAD16_S:
        *a = (mem_access){i16, i64, 2, true};
        return true;
    case WASM_OP_I64_LOAD16_U:
    case WASM_OP_I64_STORE16:
        *a = (mem_access){i16, i64, 2, false};
        return true;
    case WASM_OP_I64_LOAD32_S:
        *a = (mem_access){i32, i64, 4, true};
        return true;
    case WASM_OP_I64_LOAD32_U:
    case WASM_OP_I64_STORE32:
        *a = (mem_access){i32, i64, 4, false};
        return true;
    default:
        return false;
    }
}

static bool is_store(wasm_op op)
{
    switch (op) {
    case WASM_OP_I32_STORE:
    case WASM_OP_I64_STORE:
    case WASM_OP_F32_STORE:
    case WASM_OP_F64_STORE:
    case WASM_OP_I32_STORE8:
    case WASM_OP_I32_STORE16:
    case WASM_OP_I64_STORE8:
    case WASM_OP_I64_STORE16:
    case WASM_OP_I64_STORE32:
        return true;
    default:
        return false;
    }
}

LLVMValueRef cg_memory_load(cg_func *fn, LLVMTypeRef type, LLVMValueRef p)
{
    LLVMValueRef v = LLVMBuildLoad2(fn->b, type, p, "");
    LLVMSetAlignment(v, 1);
    cg_set_tbaa_memory(fn->cgm, v);
    /* Guard mode: IR passes turn a lane extract of a vector load into a
     * narrower scalar load (VectorCombine, InstCombine), which loses the
     * trap. They cannot see through a freeze (an identity on loaded bytes);
     * the DAG's narrowing is stopped later (cg_module_keep_loads_whole). */
    if (fn->cgm->config.bounds == KILN_BOUNDS_GUARD && LLVMGetTypeKind(type) == LLVMVectorTypeKind)
        v = LLVMBuildFreeze(fn->b, v, "");
    return v;
}

static void emit_load(cg_func *fn, const wasm_instr *in, const mem_access *a)
{
    LLVMValueRef addr = cg_pop(fn);
    LLVMValueRef p = cg_memory_address(fn, addr, in->imm.mem.offset, a->size, CG_ADDR_PLAIN);
    LLVMValueRef v = cg_memory_load(fn, a->mem_type, p);
    if (a->mem_type != a->value_type)
        v = a->sign ? LLVMBuildSExt(fn->b, v, a->value_type, "")
                    : LLVMBuildZExt(fn->b, v, a->value_type, "");
    cg_push(fn, v);
}

static void emit_store(cg_func *fn, const wasm_instr *in, const mem_access *a)
{
    LLVMValueRef v = cg_pop(fn);
    LLVMValueRef addr = cg_pop(fn);
    LLVMValueRef p = cg_memory_address(fn, addr, in->imm.mem.offset, a->size, CG_ADDR_PLAIN);
    if (a->mem_type != a->value_type)
        v = LLVMBuildTrunc(fn->b, v, a->mem_type, "");
    LLVMValueRef st = LLVMBuildStore(fn->b, v, p);
    LLVMSetAlignment(st, 1);
    cg_set_tbaa_memory(fn->cgm, st);
}

static LLVMValueRef u32_const(cg_func *fn, uint32_t v)
{
    return LLVMConstInt(fn->cgm->t_i32, v, 0);
}

kiln_status cg_emit_memory(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    wasm_op op = (wasm_op)in->op;
    mem_access a;
    if (describe(cgm, op, &a)) {
        if (is_store(op))
            emit_store(fn, in, &a);
        else
            emit_load(fn, in, &a);
        return KILN_OK;
    }

    switch (op) {
    case WASM_OP_MEMORY_SIZE: {
        /* The bound changes on grow, possibly in a callee: load it now. */
        LLVMValueRef bound =
            cg_vmctx_load(fn, KILN_VMCTX_MEM0_BOUND * cgm->config.pointer_width, cgm->t_intptr,
                          false, "mem0_bound");
        LLVMValueRef pages = LLVMBuildLShr(fn->b, bound, LLVMConstInt(cgm->t_intptr, 16, 0), "");
        if (cgm->t_intptr != cgm->t_i32)
            pages = LLVMBuildTrunc(fn->b, pages, cgm->t_i32, "");
        cg_push(fn, pages);
        return KILN_OK;
    }
    case WASM_OP_MEMORY_GROW: {
        LLVMValueRef args[2] = {u32_const(fn, in->imm.index), cg_pop(fn)};
        cg_push(fn, cg_call_helper(fn, KILN_HELPER_MEMORY_GROW, args, 2));
        cg_reload_bound(fn);
        return KILN_OK;
    }
    case WASM_OP_MEMORY_FILL: {
        LLVMValueRef n = cg_pop(fn), value = cg_pop(fn), dst = cg_pop(fn);
        LLVMValueRef args[4] = {u32_const(fn, in->imm.index), dst, value, n};
        cg_call_helper(fn, KILN_HELPER_MEMORY_FILL, args, 4);
        return KILN_OK;
    }
    case WASM_OP_MEMORY_COPY: {
        LLVMValueRef n = cg_pop(fn), src = cg_pop(fn), dst = cg_pop(fn);
        LLVMValueRef args[5] = {u32_const(fn, in->imm.pair.a), u32_const(fn, in->imm.pair.b),
                                dst, src, n};
        cg_call_helper(fn, KILN_HELPER_MEMORY_COPY, args, 5);
        return KILN_OK;
    }
    case WASM_OP_MEMORY_INIT: {
        /* imm.pair: a = data segment, b = memory. */
        LLVMValueRef n = cg_pop(fn), src = cg_pop(fn), dst = cg_pop(fn);
        LLVMValueRef args[5] = {u32_const(fn, in->imm.pair.b), u32_const(fn, in->imm.pair.a),
                                dst, src, n};
        cg_call_helper(fn, KILN_HELPER_MEMORY_INIT, args, 5);
        return KILN_OK;
    }
    case WASM_OP_DATA_DROP: {
        LLVMValueRef arg = u32_const(fn, in->imm.index);
        cg_call_helper(fn, KILN_HELPER_DATA_DROP, &arg, 1);
        return KILN_OK;
    }
    default:
        return cg_unsupported(fn, in);
    }
}
