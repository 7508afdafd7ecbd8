/*
 * Numeric instructions: constants, i32/i64/f32/f64 arithmetic, comparisons
 * and bit operations, with exact wasm semantics and no LLVM UB:
 * - add/sub/mul carry no nsw/nuw (wasm integers wrap).
 * - div/rem trap on a zero divisor; signed div traps on INT_MIN / -1;
 *   signed rem of INT_MIN by -1 is 0, computed as rem by 1 (srem would
 *   overflow, which is UB in LLVM).
 * - Shift counts are masked to the bit width; rotates use fshl/fshr, whose
 *   count is taken modulo the width.
 * - clz/ctz with is_zero_poison = false.
 * - Float min/max: llvm.minimum/maximum (NaN propagates, -0 < +0);
 *   nearest: llvm.roundeven; comparisons are ordered except ne (unordered).
 * - Constants are built from their bit patterns, so NaN payloads survive.
 * Comparisons produce i32 0/1.
 */
#include "cg_internal.h"

static LLVMValueRef int_const(LLVMTypeRef t, uint64_t v)
{
    return LLVMConstInt(t, v, 0);
}

static void compare(cg_func *fn, LLVMIntPredicate pred)
{
    LLVMValueRef b = cg_pop(fn), a = cg_pop(fn);
    cg_push(fn, cg_bool_to_i32(fn, LLVMBuildICmp(fn->b, pred, a, b, "")));
}

static void fcompare(cg_func *fn, LLVMRealPredicate pred)
{
    LLVMValueRef b = cg_pop(fn), a = cg_pop(fn);
    cg_push(fn, cg_bool_to_i32(fn, LLVMBuildFCmp(fn->b, pred, a, b, "")));
}

static void eqz(cg_func *fn)
{
    LLVMValueRef a = cg_pop(fn);
    LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(a));
    cg_push(fn, cg_bool_to_i32(fn, LLVMBuildICmp(fn->b, LLVMIntEQ, a, zero, "")));
}

static void unary_intrinsic(cg_func *fn, const char *name)
{
    LLVMValueRef a = cg_pop(fn);
    LLVMTypeRef t = LLVMTypeOf(a);
    cg_push(fn, cg_call_intrinsic(fn, name, &t, 1, &a, 1));
}

/* ceil, floor, trunc, nearest (see cg_config.quiet_rounding_nans). */
static void rounding(cg_func *fn, const char *name)
{
    unary_intrinsic(fn, name);
    if (fn->cgm->config.quiet_rounding_nans)
        cg_push(fn, cg_fp_quiet(fn, cg_pop(fn)));
}

static void binary_intrinsic(cg_func *fn, const char *name)
{
    LLVMValueRef args[2];
    args[1] = cg_pop(fn);
    args[0] = cg_pop(fn);
    LLVMTypeRef t = LLVMTypeOf(args[0]);
    cg_push(fn, cg_call_intrinsic(fn, name, &t, 1, args, 2));
}

static void fminmax(cg_func *fn, bool is_max)
{
    LLVMValueRef b = cg_pop(fn);
    LLVMValueRef a = cg_pop(fn);
    cg_push(fn, cg_fp_minmax(fn, is_max, a, b));
}

static void count_zeros(cg_func *fn, const char *name)
{
    LLVMValueRef args[2];
    args[0] = cg_pop(fn);
    args[1] = LLVMConstInt(fn->cgm->t_i1, 0, 0); /* is_zero_poison = false */
    LLVMTypeRef t = LLVMTypeOf(args[0]);
    cg_push(fn, cg_call_intrinsic(fn, name, &t, 1, args, 2));
}

static void rotate(cg_func *fn, const char *name)
{
    LLVMValueRef args[3];
    args[2] = cg_pop(fn);
    args[0] = cg_pop(fn);
    args[1] = args[0];
    LLVMTypeRef t = LLVMTypeOf(args[0]);
    cg_push(fn, cg_call_intrinsic(fn, name, &t, 1, args, 3));
}

typedef LLVMValueRef (*build_binop)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *);

static void binop(cg_func *fn, build_binop build)
{
    LLVMValueRef b = cg_pop(fn), a = cg_pop(fn);
    cg_push(fn, build(fn->b, a, b, ""));
}

static void fbinop(cg_func *fn, cg_fp_op op)
{
    LLVMValueRef b = cg_pop(fn), a = cg_pop(fn);
    cg_push(fn, cg_fp_arith(fn, op, a, b));
}

static void shift(cg_func *fn, build_binop build)
{
    LLVMValueRef b = cg_pop(fn), a = cg_pop(fn);
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned bits = LLVMGetIntTypeWidth(t);
    LLVMValueRef count = LLVMBuildAnd(fn->b, b, int_const(t, bits - 1u), "");
    cg_push(fn, build(fn->b, a, count, ""));
}

typedef enum div_kind { DIV_S, DIV_U, REM_S, REM_U } div_kind;

static void divide(cg_func *fn, div_kind kind)
{
    LLVMValueRef b = cg_pop(fn), a = cg_pop(fn);
    LLVMTypeRef t = LLVMTypeOf(a);
    unsigned bits = LLVMGetIntTypeWidth(t);
    LLVMValueRef zero = int_const(t, 0);
    LLVMValueRef minus_one = LLVMConstAllOnes(t);
    LLVMValueRef int_min = int_const(t, UINT64_C(1) << (bits - 1u));

    cg_trap_if(fn, LLVMBuildICmp(fn->b, LLVMIntEQ, b, zero, "div0"), KILN_TRAP_INT_DIV_BY_ZERO);
    LLVMValueRef r = NULL;
    switch (kind) {
    case DIV_S: {
        LLVMValueRef ov = LLVMBuildAnd(fn->b, LLVMBuildICmp(fn->b, LLVMIntEQ, a, int_min, ""),
                                       LLVMBuildICmp(fn->b, LLVMIntEQ, b, minus_one, ""), "ovf");
        cg_trap_if(fn, ov, KILN_TRAP_INT_OVERFLOW);
        r = LLVMBuildSDiv(fn->b, a, b, "");
        break;
    }
    case DIV_U:
        r = LLVMBuildUDiv(fn->b, a, b, "");
        break;
    case REM_S: {
        /* x rem -1 == 0 == x rem 1, and rem by 1 cannot overflow. */
        LLVMValueRef is_m1 = LLVMBuildICmp(fn->b, LLVMIntEQ, b, minus_one, "");
        LLVMValueRef safe = LLVMBuildSelect(fn->b, is_m1, int_const(t, 1), b, "");
        r = LLVMBuildSRem(fn->b, a, safe, "");
        break;
    }
    case REM_U:
        r = LLVMBuildURem(fn->b, a, b, "");
        break;
    }
    cg_push(fn, r);
}

static LLVMValueRef float_const(cg_func *fn, LLVMTypeRef int_type, LLVMTypeRef float_type,
                                uint64_t bits)
{
    /* Folded by the builder into a ConstantFP with exactly these bits;
     * +-0, +-1 and NaN hidden from folds (cg_fp_const). */
    return cg_fp_const(fn, LLVMBuildBitCast(fn->b, LLVMConstInt(int_type, bits, 0), float_type, ""));
}

kiln_status cg_emit_numeric(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    switch ((wasm_op)in->op) {
    case WASM_OP_I32_CONST:
        cg_push(fn, LLVMConstInt(cgm->t_i32, (uint32_t)in->imm.i32, 0));
        return KILN_OK;
    case WASM_OP_I64_CONST:
        cg_push(fn, LLVMConstInt(cgm->t_i64, (uint64_t)in->imm.i64, 0));
        return KILN_OK;
    case WASM_OP_F32_CONST:
        cg_push(fn, float_const(fn, cgm->t_i32, cgm->t_f32, in->imm.f32_bits));
        return KILN_OK;
    case WASM_OP_F64_CONST:
        cg_push(fn, float_const(fn, cgm->t_i64, cgm->t_f64, in->imm.f64_bits));
        return KILN_OK;

    case WASM_OP_I32_EQZ:
    case WASM_OP_I64_EQZ:
        eqz(fn);
        return KILN_OK;
    case WASM_OP_I32_EQ:
    case WASM_OP_I64_EQ:
        compare(fn, LLVMIntEQ);
        return KILN_OK;
    case WASM_OP_I32_NE:
    case WASM_OP_I64_NE:
        compare(fn, LLVMIntNE);
        return KILN_OK;
    case WASM_OP_I32_LT_S:
    case WASM_OP_I64_LT_S:
        compare(fn, LLVMIntSLT);
        return KILN_OK;
    case WASM_OP_I32_LT_U:
    case WASM_OP_I64_LT_U:
        compare(fn, LLVMIntULT);
        return KILN_OK;
    case WASM_OP_I32_GT_S:
    case WASM_OP_I64_GT_S:
        compare(fn, LLVMIntSGT);
        return KILN_OK;
    case WASM_OP_I32_GT_U:
    case WASM_OP_I64_GT_U:
        compare(fn, LLVMIntUGT);
        return KILN_OK;
    case WASM_OP_I32_LE_S:
    case WASM_OP_I64_LE_S:
        compare(fn, LLVMIntSLE);
        return KILN_OK;
    case WASM_OP_I32_LE_U:
    case WASM_OP_I64_LE_U:
        compare(fn, LLVMIntULE);
        return KILN_OK;
    case WASM_OP_I32_GE_S:
    case WASM_OP_I64_GE_S:
        compare(fn, LLVMIntSGE);
        return KILN_OK;
    case WASM_OP_I32_GE_U:
    case WASM_OP_I64_GE_U:
        compare(fn, LLVMIntUGE);
        return KILN_OK;

    case WASM_OP_F32_EQ:
    case WASM_OP_F64_EQ:
        fcompare(fn, LLVMRealOEQ);
        return KILN_OK;
    case WASM_OP_F32_NE:
    case WASM_OP_F64_NE:
        fcompare(fn, LLVMRealUNE);
        return KILN_OK;
    case WASM_OP_F32_LT:
    case WASM_OP_F64_LT:
        fcompare(fn, LLVMRealOLT);
        return KILN_OK;
    case WASM_OP_F32_GT:
    case WASM_OP_F64_GT:
        fcompare(fn, LLVMRealOGT);
        return KILN_OK;
    case WASM_OP_F32_LE:
    case WASM_OP_F64_LE:
        fcompare(fn, LLVMRealOLE);
        return KILN_OK;
    case WASM_OP_F32_GE:
    case WASM_OP_F64_GE:
        fcompare(fn, LLVMRealOGE);
        return KILN_OK;

    case WASM_OP_I32_CLZ:
    case WASM_OP_I64_CLZ:
        count_zeros(fn, "llvm.ctlz");
        return KILN_OK;
    case WASM_OP_I32_CTZ:
    case WASM_OP_I64_CTZ:
        count_zeros(fn, "llvm.cttz");
        return KILN_OK;
    case WASM_OP_I32_POPCNT:
    case WASM_OP_I64_POPCNT:
        unary_intrinsic(fn, "llvm.ctpop");
        return KILN_OK;
    case WASM_OP_I32_ADD:
    case WASM_OP_I64_ADD:
        binop(fn, LLVMBuildAdd);
        return KILN_OK;
    case WASM_OP_I32_SUB:
    case WASM_OP_I64_SUB:
        binop(fn, LLVMBuildSub);
        return KILN_OK;
    case WASM_OP_I32_MUL:
    case WASM_OP_I64_MUL:
        binop(fn, LLVMBuildMul);
        return KILN_OK;
    case WASM_OP_I32_DIV_S:
    case WASM_OP_I64_DIV_S:
        divide(fn, DIV_S);
        return KILN_OK;
    case WASM_OP_I32_DIV_U:
    case WASM_OP_I64_DIV_U:
        divide(fn, DIV_U);
        return KILN_OK;
    case WASM_OP_I32_REM_S:
    case WASM_OP_I64_REM_S:
        divide(fn, REM_S);
        return KILN_OK;
    case WASM_OP_I32_REM_U:
    case WASM_OP_I64_REM_U:
        divide(fn, REM_U);
        return KILN_OK;
    case WASM_OP_I32_AND:
    case WASM_OP_I64_AND:
        binop(fn, LLVMBuildAnd);
        return KILN_OK;
    case WASM_OP_I32_OR:
    case WASM_OP_I64_OR:
        binop(fn, LLVMBuildOr);
        return KILN_OK;
    case WASM_OP_I32_XOR:
    case WASM_OP_I64_XOR:
        binop(fn, LLVMBuildXor);
        return KILN_OK;
    case WASM_OP_I32_SHL:
    case WASM_OP_I64_SHL:
        shift(fn, LLVMBuildShl);
        return KILN_OK;
    case WASM_OP_I32_SHR_S:
    case WASM_OP_I64_SHR_S:
        shift(fn, LLVMBuildAShr);
        return KILN_OK;
    case WASM_OP_I32_SHR_U:
    case WASM_OP_I64_SHR_U:
        shift(fn, LLVMBuildLShr);
        return KILN_OK;
    case WASM_OP_I32_ROTL:
    case WASM_OP_I64_ROTL:
        rotate(fn, "llvm.fshl");
        return KILN_OK;
    case WASM_OP_I32_ROTR:
    case WASM_OP_I64_ROTR:
        rotate(fn, "llvm.fshr");
        return KILN_OK;

    case WASM_OP_F32_ABS:
    case WASM_OP_F64_ABS:
        unary_intrinsic(fn, "llvm.fabs");
        return KILN_OK;
    case WASM_OP_F32_NEG:
    case WASM_OP_F64_NEG:
        cg_push(fn, LLVMBuildFNeg(fn->b, cg_pop(fn), ""));
        return KILN_OK;
    case WASM_OP_F32_CEIL:
    case WASM_OP_F64_CEIL:
        rounding(fn, "llvm.ceil");
        return KILN_OK;
    case WASM_OP_F32_FLOOR:
    case WASM_OP_F64_FLOOR:
        rounding(fn, "llvm.floor");
        return KILN_OK;
    case WASM_OP_F32_TRUNC:
    case WASM_OP_F64_TRUNC:
        rounding(fn, "llvm.trunc");
        return KILN_OK;
    case WASM_OP_F32_NEAREST:
    case WASM_OP_F64_NEAREST:
        rounding(fn, "llvm.roundeven");
        return KILN_OK;
    case WASM_OP_F32_SQRT:
    case WASM_OP_F64_SQRT:
        unary_intrinsic(fn, "llvm.sqrt");
        return KILN_OK;
    case WASM_OP_F32_ADD:
    case WASM_OP_F64_ADD:
        fbinop(fn, CG_FP_ADD);
        return KILN_OK;
    case WASM_OP_F32_SUB:
    case WASM_OP_F64_SUB:
        fbinop(fn, CG_FP_SUB);
        return KILN_OK;
    case WASM_OP_F32_MUL:
    case WASM_OP_F64_MUL:
        fbinop(fn, CG_FP_MUL);
        return KILN_OK;
    case WASM_OP_F32_DIV:
    case WASM_OP_F64_DIV:
        fbinop(fn, CG_FP_DIV);
        return KILN_OK;
    case WASM_OP_F32_MIN:
    case WASM_OP_F64_MIN:
        fminmax(fn, false);
        return KILN_OK;
    case WASM_OP_F32_MAX:
    case WASM_OP_F64_MAX:
        fminmax(fn, true);
        return KILN_OK;
    case WASM_OP_F32_COPYSIGN:
    case WASM_OP_F64_COPYSIGN:
        binary_intrinsic(fn, "llvm.copysign");
        return KILN_OK;
    default:
        return cg_unsupported(fn, in);
    }
}
