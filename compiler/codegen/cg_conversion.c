/*
 * Conversion instructions: wrap, extend, trapping and saturating float ->
 * int truncation, int -> float conversion, demote/promote, reinterpret and
 * the sign-extension operators.
 *
 * Trapping truncation: NaN traps "invalid conversion"; otherwise the value
 * is valid iff lo < x < hi with the exclusive bounds below (the nearest
 * representable values of the source type outside the target range), else
 * "integer overflow". Only then fptosi/fptoui runs, so it is never poison.
 *   target  source  lo (exclusive)             hi (exclusive)
 *   i32 s   f32     -2147483904 (-2^31-2^8)    2^31
 *   i32 s   f64     -2147483649 (-2^31-1)      2^31
 *   i32 u   f32/f64 -1                         2^32
 *   i64 s   f32     -2^63-2^40                 2^63
 *   i64 s   f64     -2^63-2^11                 2^63
 *   i64 u   f32/f64 -1                         2^64
 * Saturating truncation is exactly llvm.fpto[su]i.sat.
 */
#include "cg_internal.h"

typedef struct trunc_bounds {
    double lo, hi;
} trunc_bounds;

static trunc_bounds bounds_for(bool to_i64, bool is_signed, bool from_f64)
{
    if (!to_i64) {
        if (!is_signed)
            return (trunc_bounds){-1.0, 4294967296.0};
        return from_f64 ? (trunc_bounds){-2147483649.0, 2147483648.0}
                        : (trunc_bounds){-2147483904.0, 2147483648.0};
    }
    if (!is_signed)
        return (trunc_bounds){-1.0, 18446744073709551616.0};
    return from_f64 ? (trunc_bounds){-9223372036854777856.0, 9223372036854775808.0}
                    : (trunc_bounds){-9223373136366403584.0, 9223372036854775808.0};
}

static void trunc_trapping(cg_func *fn, LLVMTypeRef to, bool is_signed)
{
    cg_module *cgm = fn->cgm;
    LLVMValueRef x = cg_pop(fn);
    LLVMTypeRef from = LLVMTypeOf(x);
    trunc_bounds bounds = bounds_for(to == cgm->t_i64, is_signed, from == cgm->t_f64);
    /* Every bound is exactly representable in f32 and f64. */
    LLVMValueRef lo = LLVMConstReal(from, bounds.lo);
    LLVMValueRef hi = LLVMConstReal(from, bounds.hi);

    cg_trap_if(fn, LLVMBuildFCmp(fn->b, LLVMRealUNO, x, x, "nan"), KILN_TRAP_INVALID_CONVERSION);
    LLVMValueRef in_range = LLVMBuildAnd(fn->b, LLVMBuildFCmp(fn->b, LLVMRealOGT, x, lo, ""),
                                         LLVMBuildFCmp(fn->b, LLVMRealOLT, x, hi, ""), "");
    cg_trap_if(fn, LLVMBuildNot(fn->b, in_range, "out_of_range"), KILN_TRAP_INT_OVERFLOW);
    cg_push(fn, is_signed ? LLVMBuildFPToSI(fn->b, x, to, "") : LLVMBuildFPToUI(fn->b, x, to, ""));
}

static void trunc_saturating(cg_func *fn, LLVMTypeRef to, bool is_signed)
{
    LLVMValueRef x = cg_pop(fn);
    LLVMTypeRef types[2] = {to, LLVMTypeOf(x)};
    cg_push(fn, cg_call_intrinsic(fn, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat", types,
                                  2, &x, 1));
}

/* Sign-extends the low `bits` of the operand back to its own width. */
static void extend_low(cg_func *fn, LLVMTypeRef narrow)
{
    LLVMValueRef x = cg_pop(fn);
    LLVMTypeRef t = LLVMTypeOf(x);
    cg_push(fn, LLVMBuildSExt(fn->b, LLVMBuildTrunc(fn->b, x, narrow, ""), t, ""));
}

typedef LLVMValueRef (*build_cast)(LLVMBuilderRef, LLVMValueRef, LLVMTypeRef, const char *);

static void cast(cg_func *fn, build_cast build, LLVMTypeRef to)
{
    cg_push(fn, build(fn->b, cg_pop(fn), to, ""));
}

/* A float made from a constant integer at codegen: hidden from the folds
 * that would drop NaN quieting when it is +-0, +-1 or NaN (cg_fp_const). */
static void hide_constant(cg_func *fn)
{
    cg_push(fn, cg_fp_const(fn, cg_pop(fn)));
}

kiln_status cg_emit_conversion(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    LLVMTypeRef i32 = cgm->t_i32, i64 = cgm->t_i64, f32 = cgm->t_f32, f64 = cgm->t_f64;
    switch ((wasm_op)in->op) {
    case WASM_OP_I32_WRAP_I64:
        cast(fn, LLVMBuildTrunc, i32);
        return KILN_OK;
    case WASM_OP_I64_EXTEND_I32_S:
        cast(fn, LLVMBuildSExt, i64);
        return KILN_OK;
    case WASM_OP_I64_EXTEND_I32_U:
        cast(fn, LLVMBuildZExt, i64);
        return KILN_OK;

    case WASM_OP_I32_TRUNC_F32_S:
    case WASM_OP_I32_TRUNC_F64_S:
        trunc_trapping(fn, i32, true);
        return KILN_OK;
    case WASM_OP_I32_TRUNC_F32_U:
    case WASM_OP_I32_TRUNC_F64_U:
        trunc_trapping(fn, i32, false);
        return KILN_OK;
    case WASM_OP_I64_TRUNC_F32_S:
    case WASM_OP_I64_TRUNC_F64_S:
        trunc_trapping(fn, i64, true);
        return KILN_OK;
    case WASM_OP_I64_TRUNC_F32_U:
    case WASM_OP_I64_TRUNC_F64_U:
        trunc_trapping(fn, i64, false);
        return KILN_OK;

    case WASM_OP_I32_TRUNC_SAT_F32_S:
    case WASM_OP_I32_TRUNC_SAT_F64_S:
        trunc_saturating(fn, i32, true);
        return KILN_OK;
    case WASM_OP_I32_TRUNC_SAT_F32_U:
    case WASM_OP_I32_TRUNC_SAT_F64_U:
        trunc_saturating(fn, i32, false);
        return KILN_OK;
    case WASM_OP_I64_TRUNC_SAT_F32_S:
    case WASM_OP_I64_TRUNC_SAT_F64_S:
        trunc_saturating(fn, i64, true);
        return KILN_OK;
    case WASM_OP_I64_TRUNC_SAT_F32_U:
    case WASM_OP_I64_TRUNC_SAT_F64_U:
        trunc_saturating(fn, i64, false);
        return KILN_OK;

    case WASM_OP_F32_CONVERT_I32_S:
    case WASM_OP_F32_CONVERT_I64_S:
        cast(fn, LLVMBuildSIToFP, f32);
        hide_constant(fn);
        return KILN_OK;
    case WASM_OP_F32_CONVERT_I32_U:
    case WASM_OP_F32_CONVERT_I64_U:
        cast(fn, LLVMBuildUIToFP, f32);
        hide_constant(fn);
        return KILN_OK;
    case WASM_OP_F64_CONVERT_I32_S:
    case WASM_OP_F64_CONVERT_I64_S:
        cast(fn, LLVMBuildSIToFP, f64);
        hide_constant(fn);
        return KILN_OK;
    case WASM_OP_F64_CONVERT_I32_U:
    case WASM_OP_F64_CONVERT_I64_U:
        cast(fn, LLVMBuildUIToFP, f64);
        hide_constant(fn);
        return KILN_OK;
    case WASM_OP_F32_DEMOTE_F64:
        cg_push(fn, cg_fp_demote(fn, cg_pop(fn), f32)); /* quiets sNaN */
        return KILN_OK;
    case WASM_OP_F64_PROMOTE_F32:
        cg_push(fn, cg_fp_promote(fn, cg_pop(fn), f64)); /* quiets sNaN */
        return KILN_OK;

    case WASM_OP_I32_REINTERPRET_F32:
        cast(fn, LLVMBuildBitCast, i32);
        return KILN_OK;
    case WASM_OP_I64_REINTERPRET_F64:
        cast(fn, LLVMBuildBitCast, i64);
        return KILN_OK;
    case WASM_OP_F32_REINTERPRET_I32:
        cast(fn, LLVMBuildBitCast, f32);
        hide_constant(fn);
        return KILN_OK;
    case WASM_OP_F64_REINTERPRET_I64:
        cast(fn, LLVMBuildBitCast, f64);
        hide_constant(fn);
        return KILN_OK;

    case WASM_OP_I32_EXTEND8_S:
    case WASM_OP_I64_EXTEND8_S:
        extend_low(fn, cgm->t_i8);
        return KILN_OK;
    case WASM_OP_I32_EXTEND16_S:
    case WASM_OP_I64_EXTEND16_S:
        extend_low(fn, cgm->t_i16);
        return KILN_OK;
    case WASM_OP_I64_EXTEND32_S:
        extend_low(fn, i32);
        return KILN_OK;
    default:
        return cg_unsupported(fn, in);
    }
}
