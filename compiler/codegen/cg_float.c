/*
 * Float arithmetic with wasm NaN semantics, scalar and vector (f32x4/f64x2).
 *
 * Wasm requires that an arithmetic result computed from a signalling NaN is
 * an arithmetic (quiet) NaN. The hardware quiets, but LLVM assumes the
 * default FP environment, where sNaN quieting is not observable, and folds
 * x - 0.0, x * 1.0, x / 1.0, x * -1.0 (to fneg), promote(demote(x)) ... to x
 * or a sign flip, handing back the sNaN unchanged. Invariants kept here:
 * - add/sub/mul/div and promote/demote are LLVM constrained FP intrinsics
 *   with "round.tonearest" and "fpexcept.maytrap". With any exception
 *   behaviour other than "ignore" LLVM may not drop an sNaN-quieting
 *   operation (InstSimplify's canIgnoreSNaN), so the identity folds are off;
 *   unlike "fpexcept.strict", maytrap still lets dead operations be removed.
 *   Functions and these call sites carry strictfp (cg_add_function_attrs),
 *   as LLVM requires for functions using constrained intrinsics.
 * - min/max (llvm.minimum/maximum) pass a NaN operand through unchanged, so
 *   a NaN result is replaced by the canonical NaN (an arithmetic NaN). On
 *   32-bit targets f64 min/max are expanded here (cg_fp_minmax).
 */
#include "cg_internal.h"

#include <string.h>

static LLVMValueRef md_string(const cg_module *cgm, const char *s)
{
    return LLVMMetadataAsValue(cgm->ctx, LLVMMDStringInContext2(cgm->ctx, s, strlen(s)));
}

static LLVMValueRef constrained_call(cg_func *fn, const char *name, LLVMTypeRef *types,
                                     unsigned type_count, LLVMValueRef *args, unsigned arg_count)
{
    LLVMValueRef call = cg_call_intrinsic(fn, name, types, type_count, args, arg_count);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(fn->cgm->ctx, fn->cgm->attr_strictfp, 0));
    return call;
}

LLVMValueRef cg_fp_arith(cg_func *fn, cg_fp_op op, LLVMValueRef a, LLVMValueRef b)
{
    static const char *const names[] = {
        [CG_FP_ADD] = "llvm.experimental.constrained.fadd",
        [CG_FP_SUB] = "llvm.experimental.constrained.fsub",
        [CG_FP_MUL] = "llvm.experimental.constrained.fmul",
        [CG_FP_DIV] = "llvm.experimental.constrained.fdiv",
    };
    LLVMValueRef args[4] = { a, b, md_string(fn->cgm, "round.tonearest"),
                             md_string(fn->cgm, "fpexcept.maytrap") };
    LLVMTypeRef t = LLVMTypeOf(a);
    return constrained_call(fn, names[op], &t, 1, args, 4);
}

LLVMValueRef cg_fp_promote(cg_func *fn, LLVMValueRef a, LLVMTypeRef to)
{
    LLVMTypeRef types[2] = { to, LLVMTypeOf(a) };
    LLVMValueRef args[2] = { a, md_string(fn->cgm, "fpexcept.maytrap") };
    return constrained_call(fn, "llvm.experimental.constrained.fpext", types, 2, args, 2);
}

LLVMValueRef cg_fp_demote(cg_func *fn, LLVMValueRef a, LLVMTypeRef to)
{
    LLVMTypeRef types[2] = { to, LLVMTypeOf(a) };
    LLVMValueRef args[3] = { a, md_string(fn->cgm, "round.tonearest"),
                             md_string(fn->cgm, "fpexcept.maytrap") };
    return constrained_call(fn, "llvm.experimental.constrained.fptrunc", types, 2, args, 3);
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
