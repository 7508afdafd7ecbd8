/*
 * Float arithmetic with wasm NaN semantics, scalar and vector (f32x4/f64x2).
 *
 * Wasm: an arithmetic result computed from a signalling NaN is an
 * arithmetic (quiet) NaN; from canonical NaNs only, a canonical NaN. The
 * hardware of every target does that. LLVM's default FP environment allows
 * one more outcome, "unchanged NaN propagation": a fold may hand back an
 * sNaN operand as the result. Everything here is plain LLVM IR (fadd, fsub,
 * fmul, fdiv, fpext, fptrunc: vectorisable, no strictfp) except where such a
 * fold is possible; there the result goes through cg_fp_quiet, which maps
 * any NaN to the canonical NaN (a canonical NaN is also an arithmetic NaN,
 * so that is right for every NaN input). The folds that return an operand
 * (or its fneg) unquieted all need an identity constant or a conversion
 * round trip:
 * - x + -0.0, x - +0.0, x * 1.0, x / 1.0 (-> x); x * -1.0, x / -1.0,
 *   -0.0 - x (-> fneg x); with nsz-like facts LLVM derives itself, also
 *   x + +0.0 and x - -0.0. Hence: an operand that is a constant +-0.0,
 *   +-1.0 or NaN (constant folding with a NaN) makes cg_fp_arith quiet the
 *   result. Other constants cannot produce an operand unchanged (x * 2.0
 *   becomes x + x, which still quiets).
 * - fptrunc(fpext x) -> x: every demote is quieted (demotes are rare in hot
 *   loops; the select folds into the demote's own NaN check).
 * - promote (fpext) of a NaN is never folded away except for a constant,
 *   which is quieted like an arithmetic operand.
 * - an identity constant may also reach an operation only after mem2reg,
 *   inlining or constant propagation (an f64.const 1.0 passed through a
 *   local or a call parameter): f32.const/f64.const with such a value, and
 *   conversions/reinterpretations of a constant integer, are materialised
 *   through llvm.arithmetic.fence (cg_fp_const), which no pass looks
 *   through, is hoisted out of loops and compiles to nothing. Still open: an
 *   integer that becomes constant only after optimisation and is then
 *   converted (docs/DESIGN.md).
 * - min/max (llvm.minimum/maximum) pass a NaN operand through unchanged, so
 *   a NaN result is replaced by the canonical NaN as well. On 32-bit
 *   targets f64 min/max are expanded here (cg_fp_minmax).
 */
#include "cg_internal.h"

#include <string.h>

/* Whether the constant c can let a fold hand back the other operand of an
 * add/sub/mul/div unquieted: +-0.0, +-1.0 or a NaN. A constant expression
 * or a vector constant with any such lane (or one not inspectable) counts. */
static bool fold_prone_scalar(LLVMValueRef c)
{
    if (!LLVMIsAConstantFP(c))
        return true;
    LLVMBool loses = 0;
    double v = LLVMConstRealGetDouble(c, &loses);
    return v == 0.0 || v == 1.0 || v == -1.0 || v != v;
}

static bool fold_prone(LLVMValueRef v)
{
    if (!LLVMIsConstant(v))
        return false;
    LLVMTypeRef t = LLVMTypeOf(v);
    if (LLVMGetTypeKind(t) != LLVMVectorTypeKind)
        return fold_prone_scalar(v);
    if (!LLVMIsAConstantDataVector(v) && !LLVMIsAConstantVector(v))
        return true;
    for (unsigned i = 0, n = LLVMGetVectorSize(t); i < n; i++) {
        LLVMValueRef lane = LLVMGetAggregateElement(v, i);
        if (!lane || fold_prone_scalar(lane))
            return true;
    }
    return false;
}

LLVMValueRef cg_fp_arith(cg_func *fn, cg_fp_op op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef r = NULL;
    switch (op) {
    case CG_FP_ADD:
        r = LLVMBuildFAdd(fn->b, a, b, "");
        break;
    case CG_FP_SUB:
        r = LLVMBuildFSub(fn->b, a, b, "");
        break;
    case CG_FP_MUL:
        r = LLVMBuildFMul(fn->b, a, b, "");
        break;
    case CG_FP_DIV:
        r = LLVMBuildFDiv(fn->b, a, b, "");
        break;
    }
    if (fold_prone(a) || fold_prone(b))
        r = cg_fp_quiet(fn, r);
    return r;
}

LLVMValueRef cg_fp_promote(cg_func *fn, LLVMValueRef a, LLVMTypeRef to)
{
    LLVMValueRef r = LLVMBuildFPExt(fn->b, a, to, "");
    return fold_prone(a) ? cg_fp_quiet(fn, r) : r;
}

LLVMValueRef cg_fp_demote(cg_func *fn, LLVMValueRef a, LLVMTypeRef to)
{
    return cg_fp_quiet(fn, LLVMBuildFPTrunc(fn->b, a, to, ""));
}

LLVMValueRef cg_fp_const(cg_func *fn, LLVMValueRef c)
{
    if (!fold_prone(c))
        return c;
    LLVMTypeRef t = LLVMTypeOf(c);
    return cg_call_intrinsic(fn, "llvm.arithmetic.fence", &t, 1, &c, 1);
}

/* The canonical NaN of t (a float type or a vector of one). */
static LLVMValueRef canonical_nan(cg_func *fn, LLVMTypeRef t)
{
    bool vec = LLVMGetTypeKind(t) == LLVMVectorTypeKind;
    LLVMTypeRef elem = vec ? LLVMGetElementType(t) : t;
    LLVMValueRef nan;
    if (LLVMGetTypeKind(elem) == LLVMFloatTypeKind)
        nan = LLVMConstBitCast(LLVMConstInt(fn->cgm->t_i32, UINT64_C(0x7fc00000), 0), elem);
    else
        nan = LLVMConstBitCast(LLVMConstInt(fn->cgm->t_i64, UINT64_C(0x7ff8000000000000), 0),
                               elem);
    if (vec) {
        unsigned n = LLVMGetVectorSize(t);
        LLVMValueRef lanes[4];
        for (unsigned i = 0; i < n; i++)
            lanes[i] = nan;
        nan = LLVMConstVector(lanes, n);
    }
    return nan;
}

LLVMValueRef cg_fp_quiet(cg_func *fn, LLVMValueRef r)
{
    LLVMValueRef is_nan = LLVMBuildFCmp(fn->b, LLVMRealUNO, r, r, "");
    return LLVMBuildSelect(fn->b, is_nan, canonical_nan(fn, LLVMTypeOf(r)), r, "");
}

LLVMValueRef cg_fp_minmax(cg_func *fn, bool is_max, LLVMValueRef a, LLVMValueRef b)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    bool vec = LLVMGetTypeKind(t) == LLVMVectorTypeKind;
    LLVMTypeRef elem = vec ? LLVMGetElementType(t) : t;
    bool is_f64 = LLVMGetTypeKind(elem) == LLVMDoubleTypeKind;
    if (!(is_f64 && fn->cgm->config.pointer_width == 4)) {
        LLVMValueRef args[2] = {a, b};
        return cg_fp_quiet(fn, cg_call_intrinsic(fn, is_max ? "llvm.maximum" : "llvm.minimum",
                                                 &t, 1, args, 2));
    }
    /* LLVM 19 cannot select its own expansion of llvm.minimum/maximum.f64
     * on 32-bit Arm without Armv8 (an i64 compare of the bits): the same
     * semantics from compares and selects. Equal operands differ only in
     * the sign of zero, which OR (min: -0 wins) or AND (max: +0 wins) of
     * the bits settles. */
    LLVMTypeRef bits_type = vec ? LLVMVectorType(fn->cgm->t_i64, LLVMGetVectorSize(t))
                                : fn->cgm->t_i64;
    LLVMValueRef ia = LLVMBuildBitCast(fn->b, a, bits_type, "");
    LLVMValueRef ib = LLVMBuildBitCast(fn->b, b, bits_type, "");
    LLVMValueRef tie_bits = is_max ? LLVMBuildAnd(fn->b, ia, ib, "") : LLVMBuildOr(fn->b, ia, ib, "");
    LLVMValueRef tie = LLVMBuildBitCast(fn->b, tie_bits, t, "");
    LLVMValueRef a_wins = LLVMBuildFCmp(fn->b, is_max ? LLVMRealOGT : LLVMRealOLT, a, b, "");
    LLVMValueRef b_wins = LLVMBuildFCmp(fn->b, is_max ? LLVMRealOLT : LLVMRealOGT, a, b, "");
    LLVMValueRef unordered = LLVMBuildFCmp(fn->b, LLVMRealUNO, a, b, "");
    LLVMValueRef r = LLVMBuildSelect(fn->b, b_wins, b, tie, "");
    r = LLVMBuildSelect(fn->b, a_wins, a, r, "");
    return LLVMBuildSelect(fn->b, unordered, canonical_nan(fn, t), r, "");
}
