/*
 * Fixed-width SIMD: every v128 instruction of WebAssembly 2.0.
 *
 * Representation: a v128 on the value stack, in locals, globals, params and
 * results is always cgm->t_v128 (<2 x i64>). Each instruction bitcasts its
 * operands to its lane shape (<16 x i8>, <8 x i16>, <4 x i32>, <2 x i64>,
 * <4 x float>, <2 x double>), computes, and bitcasts the result back, so
 * LLVM sees plain vector IR and folds the casts away.
 *
 * Semantics with no LLVM UB and no target-specific intrinsics (the same IR
 * serves every target; LLVM picks the vector instructions):
 * - Shift counts are taken modulo the lane width before the shift.
 * - Comparisons sign-extend the <N x i1> result: all-ones lanes for true.
 * - Saturating add/sub: llvm.[su]{add,sub}.sat; narrow: clamp with
 *   llvm.smin/smax in the wide type, then trunc; trunc_sat: llvm.fpto[su]i.sat
 *   (NaN -> 0, out of range -> the nearest bound).
 * - q15mulr_sat_s: (a * b + 0x4000) >> 15 in 32 bits, then smin 0x7fff; only
 *   -32768 * -32768 can exceed the i16 range, and only upwards.
 * - avgr_u: (a + b + 1) >> 1 in the double width, so the carry is kept.
 * - swizzle: an index >= 16 selects 0. Written as a variable extract from
 *   the spilled vector per lane (index masked to 0..15, so never out of
 *   bounds) and a select; x86's pshufb needs SSSE3 and a target intrinsic.
 * - Float min/max: llvm.minimum/maximum (NaN propagates, -0 < +0); pmin is
 *   b < a ? b : a and pmax is a < b ? b : a (fcmp olt, so NaN picks a).
 * - nearest is llvm.roundeven; ceil/floor/trunc/sqrt the LLVM intrinsics
 *   (without SSE4.1 they become libm calls the loader resolves).
 * - Memory accesses go through cg_memory_address with their access width
 *   and align 1 (the wasm alignment is a hint).
 */
#include "cg_internal.h"

typedef enum simd_shape {
    S_I8X16,
    S_I16X8,
    S_I32X4,
    S_I64X2,
    S_F32X4,
    S_F64X2
} simd_shape;

static unsigned lanes_of(simd_shape s)
{
    switch (s) {
    case S_I8X16:
        return 16;
    case S_I16X8:
        return 8;
    case S_I32X4:
    case S_F32X4:
        return 4;
    case S_I64X2:
    case S_F64X2:
        return 2;
    }
    return 2;
}

static LLVMTypeRef elem_of(const cg_module *cgm, simd_shape s)
{
    switch (s) {
    case S_I8X16:
        return cgm->t_i8;
    case S_I16X8:
        return cgm->t_i16;
    case S_I32X4:
        return cgm->t_i32;
    case S_I64X2:
        return cgm->t_i64;
    case S_F32X4:
        return cgm->t_f32;
    case S_F64X2:
        return cgm->t_f64;
    }
    return cgm->t_i64;
}

static LLVMTypeRef vec_of(const cg_module *cgm, simd_shape s)
{
    return LLVMVectorType(elem_of(cgm, s), lanes_of(s));
}

/* The integer shape with lanes of twice the width (i8x16 -> i16x8 ...). */
static simd_shape wider(simd_shape s)
{
    switch (s) {
    case S_I8X16:
        return S_I16X8;
    case S_I16X8:
        return S_I32X4;
    default:
        return S_I64X2;
    }
}

/* The integer shape with lanes of half the width. */
static simd_shape narrower(simd_shape s)
{
    switch (s) {
    case S_I64X2:
        return S_I32X4;
    case S_I32X4:
        return S_I16X8;
    default:
        return S_I8X16;
    }
}

static LLVMValueRef as_shape(cg_func *fn, LLVMValueRef v, simd_shape s)
{
    LLVMTypeRef t = vec_of(fn->cgm, s);
    return LLVMTypeOf(v) == t ? v : LLVMBuildBitCast(fn->b, v, t, "");
}

static LLVMValueRef pop_as(cg_func *fn, simd_shape s)
{
    return as_shape(fn, cg_pop(fn), s);
}

static void push_v128(cg_func *fn, LLVMValueRef v)
{
    LLVMTypeRef t = fn->cgm->t_v128;
    cg_push(fn, LLVMTypeOf(v) == t ? v : LLVMBuildBitCast(fn->b, v, t, ""));
}

/* A vector of `type` with every lane equal to the constant v. */
static LLVMValueRef const_splat(LLVMTypeRef vec_type, uint64_t v)
{
    unsigned n = LLVMGetVectorSize(vec_type);
    LLVMTypeRef elem = LLVMGetElementType(vec_type);
    LLVMValueRef lanes[16];
    for (unsigned i = 0; i < n; i++)
        lanes[i] = LLVMConstInt(elem, v, 0);
    return LLVMConstVector(lanes, n);
}

/* shufflevector mask from lane indices. */
static LLVMValueRef shuffle_mask(const cg_module *cgm, const unsigned *idx, unsigned n)
{
    LLVMValueRef m[32];
    for (unsigned i = 0; i < n; i++)
        m[i] = LLVMConstInt(cgm->t_i32, idx[i], 0);
    return LLVMConstVector(m, n);
}

/* Lanes first, first + step, ... of v (n of them). */
static LLVMValueRef pick_lanes(cg_func *fn, LLVMValueRef v, unsigned first, unsigned step,
                               unsigned n)
{
    unsigned idx[16];
    for (unsigned i = 0; i < n; i++)
        idx[i] = first + i * step;
    return LLVMBuildShuffleVector(fn->b, v, LLVMGetPoison(LLVMTypeOf(v)),
                                  shuffle_mask(fn->cgm, idx, n), "");
}

/* The low or high half of the lanes of v. */
static LLVMValueRef half_lanes(cg_func *fn, LLVMValueRef v, bool high)
{
    unsigned n = LLVMGetVectorSize(LLVMTypeOf(v)) / 2;
    return pick_lanes(fn, v, high ? n : 0, 1, n);
}

static LLVMValueRef splat(cg_func *fn, LLVMValueRef scalar, unsigned lanes)
{
    LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(scalar), lanes);
    LLVMValueRef v = LLVMBuildInsertElement(fn->b, LLVMGetPoison(vt), scalar,
                                            LLVMConstInt(fn->cgm->t_i32, 0, 0), "");
    unsigned zeros[16] = {0};
    return LLVMBuildShuffleVector(fn->b, v, LLVMGetPoison(vt),
                                  shuffle_mask(fn->cgm, zeros, lanes), "splat");
}

static LLVMValueRef extend(cg_func *fn, LLVMValueRef v, LLVMTypeRef to, bool is_signed)
{
    return is_signed ? LLVMBuildSExt(fn->b, v, to, "") : LLVMBuildZExt(fn->b, v, to, "");
}

static LLVMValueRef call1(cg_func *fn, const char *name, LLVMValueRef a)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    return cg_call_intrinsic(fn, name, &t, 1, &a, 1);
}

static LLVMValueRef call2(cg_func *fn, const char *name, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef args[2] = {a, b};
    LLVMTypeRef t = LLVMTypeOf(a);
    return cg_call_intrinsic(fn, name, &t, 1, args, 2);
}

/* ---- memory ---------------------------------------------------------------- */

static LLVMValueRef load_at(cg_func *fn, LLVMValueRef addr, const wasm_instr *in,
                            LLVMTypeRef type, unsigned size)
{
    LLVMValueRef p = cg_memory_address(fn, addr, in->imm.mem.offset, size, CG_ADDR_PLAIN);
    return cg_memory_load(fn, type, p);
}

static void store_at(cg_func *fn, LLVMValueRef addr, const wasm_instr *in, LLVMValueRef v,
                     unsigned size)
{
    LLVMValueRef p = cg_memory_address(fn, addr, in->imm.mem.offset, size, CG_ADDR_PLAIN);
    LLVMValueRef st = LLVMBuildStore(fn->b, v, p);
    LLVMSetAlignment(st, 1);
    cg_set_tbaa_memory(fn->cgm, st);
}

/* v128.loadNxM_[su]: M lanes of N bits, extended to 2N bits. */
static void load_extend(cg_func *fn, const wasm_instr *in, simd_shape narrow, bool is_signed)
{
    cg_module *cgm = fn->cgm;
    unsigned n = lanes_of(narrow) / 2;
    LLVMTypeRef half = LLVMVectorType(elem_of(cgm, narrow), n);
    LLVMValueRef v = load_at(fn, cg_pop(fn), in, half, 8);
    push_v128(fn, extend(fn, v, vec_of(cgm, wider(narrow)), is_signed));
}

static void load_splat(cg_func *fn, const wasm_instr *in, simd_shape s)
{
    LLVMTypeRef elem = elem_of(fn->cgm, s);
    LLVMValueRef v = load_at(fn, cg_pop(fn), in, elem, LLVMGetIntTypeWidth(elem) / 8);
    push_v128(fn, splat(fn, v, lanes_of(s)));
}

static void load_zero(cg_func *fn, const wasm_instr *in, simd_shape s)
{
    LLVMTypeRef elem = elem_of(fn->cgm, s);
    LLVMValueRef v = load_at(fn, cg_pop(fn), in, elem, LLVMGetIntTypeWidth(elem) / 8);
    LLVMValueRef zero = LLVMConstNull(vec_of(fn->cgm, s));
    push_v128(fn, LLVMBuildInsertElement(fn->b, zero, v, LLVMConstInt(fn->cgm->t_i32, 0, 0), ""));
}

static void load_lane(cg_func *fn, const wasm_instr *in, simd_shape s)
{
    LLVMValueRef vec = pop_as(fn, s);
    LLVMTypeRef elem = elem_of(fn->cgm, s);
    LLVMValueRef v = load_at(fn, cg_pop(fn), in, elem, LLVMGetIntTypeWidth(elem) / 8);
    LLVMValueRef lane = LLVMConstInt(fn->cgm->t_i32, in->imm.mem.lane, 0);
    push_v128(fn, LLVMBuildInsertElement(fn->b, vec, v, lane, ""));
}

static void store_lane(cg_func *fn, const wasm_instr *in, simd_shape s)
{
    LLVMValueRef vec = pop_as(fn, s);
    LLVMValueRef addr = cg_pop(fn);
    LLVMValueRef lane = LLVMConstInt(fn->cgm->t_i32, in->imm.mem.lane, 0);
    LLVMValueRef v = LLVMBuildExtractElement(fn->b, vec, lane, "");
    store_at(fn, addr, in, v, LLVMGetIntTypeWidth(elem_of(fn->cgm, s)) / 8);
}

/* ---- lanes ----------------------------------------------------------------- */

static void v128_const(cg_func *fn, const uint8_t bytes[16])
{
    cg_module *cgm = fn->cgm;
    LLVMValueRef halves[2];
    for (unsigned h = 0; h < 2; h++) {
        uint64_t word = 0;
        for (unsigned i = 0; i < 8; i++)
            word |= (uint64_t)bytes[h * 8 + i] << (8 * i);
        halves[h] = LLVMConstInt(cgm->t_i64, word, 0);
    }
    cg_push(fn, LLVMConstVector(halves, 2));
}

static void shuffle(cg_func *fn, const uint8_t lanes[16])
{
    LLVMValueRef b = pop_as(fn, S_I8X16), a = pop_as(fn, S_I8X16);
    unsigned idx[16];
    for (unsigned i = 0; i < 16; i++)
        idx[i] = lanes[i]; /* < 32, checked by the validator */
    push_v128(fn, LLVMBuildShuffleVector(fn->b, a, b, shuffle_mask(fn->cgm, idx, 16), ""));
}

static void swizzle(cg_func *fn)
{
    cg_module *cgm = fn->cgm;
    LLVMValueRef idx = pop_as(fn, S_I8X16), a = pop_as(fn, S_I8X16);
    LLVMValueRef fifteen = const_splat(vec_of(cgm, S_I8X16), 15);
    LLVMValueRef in_range = LLVMBuildICmp(fn->b, LLVMIntULE, idx, fifteen, "");
    LLVMValueRef masked = LLVMBuildAnd(fn->b, idx, fifteen, "");
    LLVMValueRef r = LLVMConstNull(vec_of(cgm, S_I8X16));
    for (unsigned i = 0; i < 16; i++) {
        LLVMValueRef lane = LLVMConstInt(cgm->t_i32, i, 0);
        LLVMValueRef k = LLVMBuildExtractElement(fn->b, masked, lane, "");
        r = LLVMBuildInsertElement(fn->b, r, LLVMBuildExtractElement(fn->b, a, k, ""), lane, "");
    }
    push_v128(fn, LLVMBuildSelect(fn->b, in_range, r, LLVMConstNull(vec_of(cgm, S_I8X16)), ""));
}

static void splat_op(cg_func *fn, simd_shape s)
{
    LLVMValueRef x = cg_pop(fn);
    LLVMTypeRef elem = elem_of(fn->cgm, s);
    if (LLVMTypeOf(x) != elem)
        x = LLVMBuildTrunc(fn->b, x, elem, ""); /* i8/i16 lanes from an i32 */
    push_v128(fn, splat(fn, x, lanes_of(s)));
}

typedef enum lane_ext { EXT_NONE, EXT_S, EXT_U } lane_ext;

static void extract_lane(cg_func *fn, const wasm_instr *in, simd_shape s, lane_ext ext)
{
    LLVMValueRef v = pop_as(fn, s);
    LLVMValueRef x =
        LLVMBuildExtractElement(fn->b, v, LLVMConstInt(fn->cgm->t_i32, in->imm.mem.lane, 0), "");
    if (ext != EXT_NONE)
        x = extend(fn, x, fn->cgm->t_i32, ext == EXT_S);
    cg_push(fn, x);
}

static void replace_lane(cg_func *fn, const wasm_instr *in, simd_shape s)
{
    LLVMValueRef x = cg_pop(fn);
    LLVMValueRef v = pop_as(fn, s);
    LLVMTypeRef elem = elem_of(fn->cgm, s);
    if (LLVMTypeOf(x) != elem)
        x = LLVMBuildTrunc(fn->b, x, elem, "");
    LLVMValueRef lane = LLVMConstInt(fn->cgm->t_i32, in->imm.mem.lane, 0);
    push_v128(fn, LLVMBuildInsertElement(fn->b, v, x, lane, ""));
}

/* ---- lane-wise arithmetic ---------------------------------------------------- */

typedef LLVMValueRef (*build_binop)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *);

static void binop(cg_func *fn, simd_shape s, build_binop build)
{
    LLVMValueRef b = pop_as(fn, s), a = pop_as(fn, s);
    push_v128(fn, build(fn->b, a, b, ""));
}

static void binary_intrinsic(cg_func *fn, simd_shape s, const char *name)
{
    LLVMValueRef b = pop_as(fn, s), a = pop_as(fn, s);
    push_v128(fn, call2(fn, name, a, b));
}

/* Float lane arithmetic with wasm NaN semantics (cg_float.c). */
static void fbinop(cg_func *fn, simd_shape s, cg_fp_op op)
{
    LLVMValueRef b = pop_as(fn, s), a = pop_as(fn, s);
    push_v128(fn, cg_fp_arith(fn, op, a, b));
}

/* min/max: a NaN lane becomes the canonical NaN (cg_fp_quiet). */
static void fminmax(cg_func *fn, simd_shape s, bool is_max)
{
    LLVMValueRef b = pop_as(fn, s), a = pop_as(fn, s);
    push_v128(fn, cg_fp_minmax(fn, is_max, a, b));
}

static void unary_intrinsic(cg_func *fn, simd_shape s, const char *name)
{
    push_v128(fn, call1(fn, name, pop_as(fn, s)));
}

/* ceil, floor, trunc, nearest (see cg_config.quiet_rounding_nans). */
static void rounding(cg_func *fn, simd_shape s, const char *name)
{
    LLVMValueRef r = call1(fn, name, pop_as(fn, s));
    push_v128(fn, fn->cgm->config.quiet_rounding_nans ? cg_fp_quiet(fn, r) : r);
}

static void icompare(cg_func *fn, simd_shape s, LLVMIntPredicate pred)
{
    LLVMValueRef b = pop_as(fn, s), a = pop_as(fn, s);
    LLVMValueRef c = LLVMBuildICmp(fn->b, pred, a, b, "");
    push_v128(fn, LLVMBuildSExt(fn->b, c, vec_of(fn->cgm, s), ""));
}

static void fcompare(cg_func *fn, simd_shape s, LLVMRealPredicate pred)
{
    LLVMValueRef b = pop_as(fn, s), a = pop_as(fn, s);
    LLVMValueRef c = LLVMBuildFCmp(fn->b, pred, a, b, "");
    simd_shape is = s == S_F32X4 ? S_I32X4 : S_I64X2;
    push_v128(fn, LLVMBuildSExt(fn->b, c, vec_of(fn->cgm, is), ""));
}

static void shift(cg_func *fn, simd_shape s, build_binop build)
{
    cg_module *cgm = fn->cgm;
    LLVMValueRef count = cg_pop(fn);
    LLVMValueRef v = pop_as(fn, s);
    LLVMTypeRef elem = elem_of(cgm, s);
    unsigned bits = LLVMGetIntTypeWidth(elem);
    count = LLVMBuildAnd(fn->b, count, LLVMConstInt(cgm->t_i32, bits - 1u, 0), "");
    if (bits > 32)
        count = LLVMBuildZExt(fn->b, count, elem, "");
    else if (bits < 32)
        count = LLVMBuildTrunc(fn->b, count, elem, "");
    push_v128(fn, build(fn->b, v, splat(fn, count, lanes_of(s)), ""));
}

static void neg(cg_func *fn, simd_shape s)
{
    LLVMValueRef v = pop_as(fn, s);
    push_v128(fn, LLVMBuildSub(fn->b, LLVMConstNull(LLVMTypeOf(v)), v, ""));
}

static void iabs(cg_func *fn, simd_shape s)
{
    LLVMValueRef v = pop_as(fn, s);
    /* is_int_min_poison = false: abs(INT_MIN) is INT_MIN in wasm. */
    push_v128(fn, call2(fn, "llvm.abs", v, LLVMConstInt(fn->cgm->t_i1, 0, 0)));
}

static void any_true(cg_func *fn)
{
    cg_module *cgm = fn->cgm;
    LLVMTypeRef i128 = LLVMIntTypeInContext(cgm->ctx, 128);
    LLVMValueRef v = LLVMBuildBitCast(fn->b, cg_pop(fn), i128, "");
    cg_push(fn, cg_bool_to_i32(fn, LLVMBuildICmp(fn->b, LLVMIntNE, v, LLVMConstNull(i128), "")));
}

/* <N x i1> -> iN */
static LLVMValueRef mask_bits(cg_func *fn, LLVMValueRef mask, unsigned lanes)
{
    return LLVMBuildBitCast(fn->b, mask, LLVMIntTypeInContext(fn->cgm->ctx, lanes), "");
}

static void all_true(cg_func *fn, simd_shape s)
{
    LLVMValueRef v = pop_as(fn, s);
    unsigned n = lanes_of(s);
    LLVMValueRef nonzero = LLVMBuildICmp(fn->b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
    LLVMValueRef bits = mask_bits(fn, nonzero, n);
    cg_push(fn, cg_bool_to_i32(fn, LLVMBuildICmp(fn->b, LLVMIntEQ, bits,
                                                 LLVMConstAllOnes(LLVMTypeOf(bits)), "")));
}

static void bitmask(cg_func *fn, simd_shape s)
{
    LLVMValueRef v = pop_as(fn, s);
    LLVMValueRef negative = LLVMBuildICmp(fn->b, LLVMIntSLT, v, LLVMConstNull(LLVMTypeOf(v)), "");
    cg_push(fn, LLVMBuildZExt(fn->b, mask_bits(fn, negative, lanes_of(s)), fn->cgm->t_i32, ""));
}

/* i8x16.narrow_i16x8_[su], i16x8.narrow_i32x4_[su]: from is the wide shape. */
static void narrow(cg_func *fn, simd_shape from, bool is_signed)
{
    cg_module *cgm = fn->cgm;
    LLVMValueRef b = pop_as(fn, from), a = pop_as(fn, from);
    unsigned n = lanes_of(from);
    unsigned idx[16];
    for (unsigned i = 0; i < 2 * n; i++)
        idx[i] = i;
    LLVMValueRef both = LLVMBuildShuffleVector(fn->b, a, b, shuffle_mask(cgm, idx, 2 * n), "");
    LLVMTypeRef wide = LLVMTypeOf(both);
    unsigned narrow_bits = LLVMGetIntTypeWidth(elem_of(cgm, from)) / 2;
    uint64_t lo = is_signed ? (uint64_t)-(INT64_C(1) << (narrow_bits - 1)) : 0;
    uint64_t hi = is_signed ? (UINT64_C(1) << (narrow_bits - 1)) - 1
                            : (UINT64_C(1) << narrow_bits) - 1;
    /* Inputs are signed in both variants: clamp as signed. */
    LLVMValueRef c = call2(fn, "llvm.smax", both, const_splat(wide, lo));
    c = call2(fn, "llvm.smin", c, const_splat(wide, hi));
    push_v128(fn, LLVMBuildTrunc(fn->b, c, vec_of(cgm, narrower(from)), ""));
}

/* extend_{low,high}: from is the narrow shape. */
static void extend_half(cg_func *fn, simd_shape from, bool high, bool is_signed)
{
    LLVMValueRef v = half_lanes(fn, pop_as(fn, from), high);
    push_v128(fn, extend(fn, v, vec_of(fn->cgm, wider(from)), is_signed));
}

static void extmul(cg_func *fn, simd_shape from, bool high, bool is_signed)
{
    LLVMTypeRef to = vec_of(fn->cgm, wider(from));
    LLVMValueRef b = extend(fn, half_lanes(fn, pop_as(fn, from), high), to, is_signed);
    LLVMValueRef a = extend(fn, half_lanes(fn, pop_as(fn, from), high), to, is_signed);
    push_v128(fn, LLVMBuildMul(fn->b, a, b, ""));
}

static void extadd_pairwise(cg_func *fn, simd_shape from, bool is_signed)
{
    LLVMValueRef v = pop_as(fn, from);
    unsigned n = lanes_of(from) / 2;
    LLVMTypeRef to = vec_of(fn->cgm, wider(from));
    LLVMValueRef even = extend(fn, pick_lanes(fn, v, 0, 2, n), to, is_signed);
    LLVMValueRef odd = extend(fn, pick_lanes(fn, v, 1, 2, n), to, is_signed);
    push_v128(fn, LLVMBuildAdd(fn->b, even, odd, ""));
}

static void avgr_u(cg_func *fn, simd_shape s)
{
    unsigned bits = LLVMGetIntTypeWidth(elem_of(fn->cgm, s));
    LLVMTypeRef to = LLVMVectorType(LLVMIntTypeInContext(fn->cgm->ctx, 2 * bits), lanes_of(s));
    LLVMValueRef b = LLVMBuildZExt(fn->b, pop_as(fn, s), to, "");
    LLVMValueRef a = LLVMBuildZExt(fn->b, pop_as(fn, s), to, "");
    LLVMValueRef sum = LLVMBuildAdd(fn->b, LLVMBuildAdd(fn->b, a, b, ""), const_splat(to, 1), "");
    LLVMValueRef avg = LLVMBuildLShr(fn->b, sum, const_splat(to, 1), "");
    push_v128(fn, LLVMBuildTrunc(fn->b, avg, vec_of(fn->cgm, s), ""));
}

static void q15mulr_sat_s(cg_func *fn)
{
    LLVMTypeRef to = LLVMVectorType(fn->cgm->t_i32, 8);
    LLVMValueRef b = LLVMBuildSExt(fn->b, pop_as(fn, S_I16X8), to, "");
    LLVMValueRef a = LLVMBuildSExt(fn->b, pop_as(fn, S_I16X8), to, "");
    LLVMValueRef p = LLVMBuildAdd(fn->b, LLVMBuildMul(fn->b, a, b, ""), const_splat(to, 0x4000),
                                  "");
    p = LLVMBuildAShr(fn->b, p, const_splat(to, 15), "");
    p = call2(fn, "llvm.smin", p, const_splat(to, 0x7fff));
    push_v128(fn, LLVMBuildTrunc(fn->b, p, vec_of(fn->cgm, S_I16X8), ""));
}

static void dot_i16x8_s(cg_func *fn)
{
    LLVMTypeRef to = LLVMVectorType(fn->cgm->t_i32, 8);
    LLVMValueRef b = LLVMBuildSExt(fn->b, pop_as(fn, S_I16X8), to, "");
    LLVMValueRef a = LLVMBuildSExt(fn->b, pop_as(fn, S_I16X8), to, "");
    LLVMValueRef p = LLVMBuildMul(fn->b, a, b, "");
    /* The sum of two products wraps only for -32768^2 * 2, as in the spec. */
    LLVMValueRef even = pick_lanes(fn, p, 0, 2, 4), odd = pick_lanes(fn, p, 1, 2, 4);
    push_v128(fn, LLVMBuildAdd(fn->b, even, odd, ""));
}

static void bitselect(cg_func *fn)
{
    LLVMValueRef c = cg_pop(fn), v2 = cg_pop(fn), v1 = cg_pop(fn);
    LLVMValueRef t = LLVMBuildAnd(fn->b, v1, c, "");
    LLVMValueRef f = LLVMBuildAnd(fn->b, v2, LLVMBuildNot(fn->b, c, ""), "");
    cg_push(fn, LLVMBuildOr(fn->b, t, f, ""));
}

/* pmin: b < a ? b : a; pmax: a < b ? b : a. */
static void pseudo_minmax(cg_func *fn, simd_shape s, bool is_max)
{
    LLVMValueRef b = pop_as(fn, s), a = pop_as(fn, s);
    LLVMValueRef lt = is_max ? LLVMBuildFCmp(fn->b, LLVMRealOLT, a, b, "")
                             : LLVMBuildFCmp(fn->b, LLVMRealOLT, b, a, "");
    push_v128(fn, LLVMBuildSelect(fn->b, lt, b, a, ""));
}

static void fneg(cg_func *fn, simd_shape s)
{
    push_v128(fn, LLVMBuildFNeg(fn->b, pop_as(fn, s), ""));
}

/* ---- conversions ------------------------------------------------------------- */

static void trunc_sat_f32x4(cg_func *fn, bool is_signed)
{
    LLVMValueRef v = pop_as(fn, S_F32X4);
    LLVMTypeRef types[2] = {vec_of(fn->cgm, S_I32X4), LLVMTypeOf(v)};
    push_v128(fn, cg_call_intrinsic(fn, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat", types,
                                    2, &v, 1));
}

static void trunc_sat_f64x2_zero(cg_func *fn, bool is_signed)
{
    cg_module *cgm = fn->cgm;
    LLVMValueRef v = pop_as(fn, S_F64X2);
    LLVMTypeRef types[2] = {LLVMVectorType(cgm->t_i32, 2), LLVMTypeOf(v)};
    LLVMValueRef r = cg_call_intrinsic(fn, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat",
                                       types, 2, &v, 1);
    unsigned idx[4] = {0, 1, 2, 3};
    push_v128(fn, LLVMBuildShuffleVector(fn->b, r, LLVMConstNull(types[0]),
                                         shuffle_mask(cgm, idx, 4), ""));
}

static void convert_i32x4(cg_func *fn, bool is_signed)
{
    LLVMValueRef v = pop_as(fn, S_I32X4);
    LLVMTypeRef to = vec_of(fn->cgm, S_F32X4);
    push_v128(fn, is_signed ? LLVMBuildSIToFP(fn->b, v, to, "")
                            : LLVMBuildUIToFP(fn->b, v, to, ""));
}

static void convert_low_i32x4(cg_func *fn, bool is_signed)
{
    LLVMValueRef v = half_lanes(fn, pop_as(fn, S_I32X4), false);
    LLVMTypeRef to = vec_of(fn->cgm, S_F64X2);
    push_v128(fn, is_signed ? LLVMBuildSIToFP(fn->b, v, to, "")
                            : LLVMBuildUIToFP(fn->b, v, to, ""));
}

static void demote_zero(cg_func *fn)
{
    cg_module *cgm = fn->cgm;
    LLVMTypeRef f32x2 = LLVMVectorType(cgm->t_f32, 2);
    LLVMValueRef r = LLVMBuildFPTrunc(fn->b, pop_as(fn, S_F64X2), f32x2, "");
    unsigned idx[4] = {0, 1, 2, 3};
    push_v128(fn, LLVMBuildShuffleVector(fn->b, r, LLVMConstNull(f32x2),
                                         shuffle_mask(cgm, idx, 4), ""));
}

static void promote_low(cg_func *fn)
{
    LLVMValueRef v = half_lanes(fn, pop_as(fn, S_F32X4), false);
    push_v128(fn, LLVMBuildFPExt(fn->b, v, vec_of(fn->cgm, S_F64X2), ""));
}

/* ---- dispatch ---------------------------------------------------------------- */

static bool emit_memory(cg_func *fn, const wasm_instr *in)
{
    cg_module *cgm = fn->cgm;
    switch ((wasm_op)in->op) {
    case WASM_OP_V128_LOAD:
        cg_push(fn, load_at(fn, cg_pop(fn), in, cgm->t_v128, 16));
        return true;
    case WASM_OP_V128_STORE: {
        LLVMValueRef v = cg_pop(fn);
        store_at(fn, cg_pop(fn), in, v, 16);
        return true;
    }
    case WASM_OP_V128_LOAD8X8_S:
        load_extend(fn, in, S_I8X16, true);
        return true;
    case WASM_OP_V128_LOAD8X8_U:
        load_extend(fn, in, S_I8X16, false);
        return true;
    case WASM_OP_V128_LOAD16X4_S:
        load_extend(fn, in, S_I16X8, true);
        return true;
    case WASM_OP_V128_LOAD16X4_U:
        load_extend(fn, in, S_I16X8, false);
        return true;
    case WASM_OP_V128_LOAD32X2_S:
        load_extend(fn, in, S_I32X4, true);
        return true;
    case WASM_OP_V128_LOAD32X2_U:
        load_extend(fn, in, S_I32X4, false);
        return true;
    case WASM_OP_V128_LOAD8_SPLAT:
        load_splat(fn, in, S_I8X16);
        return true;
    case WASM_OP_V128_LOAD16_SPLAT:
        load_splat(fn, in, S_I16X8);
        return true;
    case WASM_OP_V128_LOAD32_SPLAT:
        load_splat(fn, in, S_I32X4);
        return true;
    case WASM_OP_V128_LOAD64_SPLAT:
        load_splat(fn, in, S_I64X2);
        return true;
    case WASM_OP_V128_LOAD32_ZERO:
        load_zero(fn, in, S_I32X4);
        return true;
    case WASM_OP_V128_LOAD64_ZERO:
        load_zero(fn, in, S_I64X2);
        return true;
    case WASM_OP_V128_LOAD8_LANE:
        load_lane(fn, in, S_I8X16);
        return true;
    case WASM_OP_V128_LOAD16_LANE:
        load_lane(fn, in, S_I16X8);
        return true;
    case WASM_OP_V128_LOAD32_LANE:
        load_lane(fn, in, S_I32X4);
        return true;
    case WASM_OP_V128_LOAD64_LANE:
        load_lane(fn, in, S_I64X2);
        return true;
    case WASM_OP_V128_STORE8_LANE:
        store_lane(fn, in, S_I8X16);
        return true;
    case WASM_OP_V128_STORE16_LANE:
        store_lane(fn, in, S_I16X8);
        return true;
    case WASM_OP_V128_STORE32_LANE:
        store_lane(fn, in, S_I32X4);
        return true;
    case WASM_OP_V128_STORE64_LANE:
        store_lane(fn, in, S_I64X2);
        return true;
    default:
        return false;
    }
}

static bool emit_lanes(cg_func *fn, const wasm_instr *in)
{
    switch ((wasm_op)in->op) {
    case WASM_OP_V128_CONST:
        v128_const(fn, in->imm.v128);
        return true;
    case WASM_OP_I8X16_SHUFFLE:
        shuffle(fn, in->imm.v128);
        return true;
    case WASM_OP_I8X16_SWIZZLE:
        swizzle(fn);
        return true;
    case WASM_OP_I8X16_SPLAT:
        splat_op(fn, S_I8X16);
        return true;
    case WASM_OP_I16X8_SPLAT:
        splat_op(fn, S_I16X8);
        return true;
    case WASM_OP_I32X4_SPLAT:
        splat_op(fn, S_I32X4);
        return true;
    case WASM_OP_I64X2_SPLAT:
        splat_op(fn, S_I64X2);
        return true;
    case WASM_OP_F32X4_SPLAT:
        splat_op(fn, S_F32X4);
        return true;
    case WASM_OP_F64X2_SPLAT:
        splat_op(fn, S_F64X2);
        return true;
    case WASM_OP_I8X16_EXTRACT_LANE_S:
        extract_lane(fn, in, S_I8X16, EXT_S);
        return true;
    case WASM_OP_I8X16_EXTRACT_LANE_U:
        extract_lane(fn, in, S_I8X16, EXT_U);
        return true;
    case WASM_OP_I16X8_EXTRACT_LANE_S:
        extract_lane(fn, in, S_I16X8, EXT_S);
        return true;
    case WASM_OP_I16X8_EXTRACT_LANE_U:
        extract_lane(fn, in, S_I16X8, EXT_U);
        return true;
    case WASM_OP_I32X4_EXTRACT_LANE:
        extract_lane(fn, in, S_I32X4, EXT_NONE);
        return true;
    case WASM_OP_I64X2_EXTRACT_LANE:
        extract_lane(fn, in, S_I64X2, EXT_NONE);
        return true;
    case WASM_OP_F32X4_EXTRACT_LANE:
        extract_lane(fn, in, S_F32X4, EXT_NONE);
        return true;
    case WASM_OP_F64X2_EXTRACT_LANE:
        extract_lane(fn, in, S_F64X2, EXT_NONE);
        return true;
    case WASM_OP_I8X16_REPLACE_LANE:
        replace_lane(fn, in, S_I8X16);
        return true;
    case WASM_OP_I16X8_REPLACE_LANE:
        replace_lane(fn, in, S_I16X8);
        return true;
    case WASM_OP_I32X4_REPLACE_LANE:
        replace_lane(fn, in, S_I32X4);
        return true;
    case WASM_OP_I64X2_REPLACE_LANE:
        replace_lane(fn, in, S_I64X2);
        return true;
    case WASM_OP_F32X4_REPLACE_LANE:
        replace_lane(fn, in, S_F32X4);
        return true;
    case WASM_OP_F64X2_REPLACE_LANE:
        replace_lane(fn, in, S_F64X2);
        return true;
    default:
        return false;
    }
}

static bool emit_compare(cg_func *fn, wasm_op op)
{
    switch (op) {
    case WASM_OP_I8X16_EQ:
        icompare(fn, S_I8X16, LLVMIntEQ);
        return true;
    case WASM_OP_I8X16_NE:
        icompare(fn, S_I8X16, LLVMIntNE);
        return true;
    case WASM_OP_I8X16_LT_S:
        icompare(fn, S_I8X16, LLVMIntSLT);
        return true;
    case WASM_OP_I8X16_LT_U:
        icompare(fn, S_I8X16, LLVMIntULT);
        return true;
    case WASM_OP_I8X16_GT_S:
        icompare(fn, S_I8X16, LLVMIntSGT);
        return true;
    case WASM_OP_I8X16_GT_U:
        icompare(fn, S_I8X16, LLVMIntUGT);
        return true;
    case WASM_OP_I8X16_LE_S:
        icompare(fn, S_I8X16, LLVMIntSLE);
        return true;
    case WASM_OP_I8X16_LE_U:
        icompare(fn, S_I8X16, LLVMIntULE);
        return true;
    case WASM_OP_I8X16_GE_S:
        icompare(fn, S_I8X16, LLVMIntSGE);
        return true;
    case WASM_OP_I8X16_GE_U:
        icompare(fn, S_I8X16, LLVMIntUGE);
        return true;
    case WASM_OP_I16X8_EQ:
        icompare(fn, S_I16X8, LLVMIntEQ);
        return true;
    case WASM_OP_I16X8_NE:
        icompare(fn, S_I16X8, LLVMIntNE);
        return true;
    case WASM_OP_I16X8_LT_S:
        icompare(fn, S_I16X8, LLVMIntSLT);
        return true;
    case WASM_OP_I16X8_LT_U:
        icompare(fn, S_I16X8, LLVMIntULT);
        return true;
    case WASM_OP_I16X8_GT_S:
        icompare(fn, S_I16X8, LLVMIntSGT);
        return true;
    case WASM_OP_I16X8_GT_U:
        icompare(fn, S_I16X8, LLVMIntUGT);
        return true;
    case WASM_OP_I16X8_LE_S:
        icompare(fn, S_I16X8, LLVMIntSLE);
        return true;
    case WASM_OP_I16X8_LE_U:
        icompare(fn, S_I16X8, LLVMIntULE);
        return true;
    case WASM_OP_I16X8_GE_S:
        icompare(fn, S_I16X8, LLVMIntSGE);
        return true;
    case WASM_OP_I16X8_GE_U:
        icompare(fn, S_I16X8, LLVMIntUGE);
        return true;
    case WASM_OP_I32X4_EQ:
        icompare(fn, S_I32X4, LLVMIntEQ);
        return true;
    case WASM_OP_I32X4_NE:
        icompare(fn, S_I32X4, LLVMIntNE);
        return true;
    case WASM_OP_I32X4_LT_S:
        icompare(fn, S_I32X4, LLVMIntSLT);
        return true;
    case WASM_OP_I32X4_LT_U:
        icompare(fn, S_I32X4, LLVMIntULT);
        return true;
    case WASM_OP_I32X4_GT_S:
        icompare(fn, S_I32X4, LLVMIntSGT);
        return true;
    case WASM_OP_I32X4_GT_U:
        icompare(fn, S_I32X4, LLVMIntUGT);
        return true;
    case WASM_OP_I32X4_LE_S:
        icompare(fn, S_I32X4, LLVMIntSLE);
        return true;
    case WASM_OP_I32X4_LE_U:
        icompare(fn, S_I32X4, LLVMIntULE);
        return true;
    case WASM_OP_I32X4_GE_S:
        icompare(fn, S_I32X4, LLVMIntSGE);
        return true;
    case WASM_OP_I32X4_GE_U:
        icompare(fn, S_I32X4, LLVMIntUGE);
        return true;
    case WASM_OP_I64X2_EQ:
        icompare(fn, S_I64X2, LLVMIntEQ);
        return true;
    case WASM_OP_I64X2_NE:
        icompare(fn, S_I64X2, LLVMIntNE);
        return true;
    case WASM_OP_I64X2_LT_S:
        icompare(fn, S_I64X2, LLVMIntSLT);
        return true;
    case WASM_OP_I64X2_GT_S:
        icompare(fn, S_I64X2, LLVMIntSGT);
        return true;
    case WASM_OP_I64X2_LE_S:
        icompare(fn, S_I64X2, LLVMIntSLE);
        return true;
    case WASM_OP_I64X2_GE_S:
        icompare(fn, S_I64X2, LLVMIntSGE);
        return true;
    case WASM_OP_F32X4_EQ:
        fcompare(fn, S_F32X4, LLVMRealOEQ);
        return true;
    case WASM_OP_F32X4_NE:
        fcompare(fn, S_F32X4, LLVMRealUNE);
        return true;
    case WASM_OP_F32X4_LT:
        fcompare(fn, S_F32X4, LLVMRealOLT);
        return true;
    case WASM_OP_F32X4_GT:
        fcompare(fn, S_F32X4, LLVMRealOGT);
        return true;
    case WASM_OP_F32X4_LE:
        fcompare(fn, S_F32X4, LLVMRealOLE);
        return true;
    case WASM_OP_F32X4_GE:
        fcompare(fn, S_F32X4, LLVMRealOGE);
        return true;
    case WASM_OP_F64X2_EQ:
        fcompare(fn, S_F64X2, LLVMRealOEQ);
        return true;
    case WASM_OP_F64X2_NE:
        fcompare(fn, S_F64X2, LLVMRealUNE);
        return true;
    case WASM_OP_F64X2_LT:
        fcompare(fn, S_F64X2, LLVMRealOLT);
        return true;
    case WASM_OP_F64X2_GT:
        fcompare(fn, S_F64X2, LLVMRealOGT);
        return true;
    case WASM_OP_F64X2_LE:
        fcompare(fn, S_F64X2, LLVMRealOLE);
        return true;
    case WASM_OP_F64X2_GE:
        fcompare(fn, S_F64X2, LLVMRealOGE);
        return true;
    default:
        return false;
    }
}

/* Bitwise ops, tests, masks, narrow/extend and the other lane reshaping. */
static bool emit_bitwise(cg_func *fn, wasm_op op)
{
    switch (op) {
    case WASM_OP_V128_NOT:
        cg_push(fn, LLVMBuildNot(fn->b, cg_pop(fn), ""));
        return true;
    case WASM_OP_V128_AND:
        binop(fn, S_I64X2, LLVMBuildAnd);
        return true;
    case WASM_OP_V128_ANDNOT: {
        LLVMValueRef b = cg_pop(fn), a = cg_pop(fn);
        cg_push(fn, LLVMBuildAnd(fn->b, a, LLVMBuildNot(fn->b, b, ""), ""));
        return true;
    }
    case WASM_OP_V128_OR:
        binop(fn, S_I64X2, LLVMBuildOr);
        return true;
    case WASM_OP_V128_XOR:
        binop(fn, S_I64X2, LLVMBuildXor);
        return true;
    case WASM_OP_V128_BITSELECT:
        bitselect(fn);
        return true;
    case WASM_OP_V128_ANY_TRUE:
        any_true(fn);
        return true;
    case WASM_OP_I8X16_ALL_TRUE:
        all_true(fn, S_I8X16);
        return true;
    case WASM_OP_I16X8_ALL_TRUE:
        all_true(fn, S_I16X8);
        return true;
    case WASM_OP_I32X4_ALL_TRUE:
        all_true(fn, S_I32X4);
        return true;
    case WASM_OP_I64X2_ALL_TRUE:
        all_true(fn, S_I64X2);
        return true;
    case WASM_OP_I8X16_BITMASK:
        bitmask(fn, S_I8X16);
        return true;
    case WASM_OP_I16X8_BITMASK:
        bitmask(fn, S_I16X8);
        return true;
    case WASM_OP_I32X4_BITMASK:
        bitmask(fn, S_I32X4);
        return true;
    case WASM_OP_I64X2_BITMASK:
        bitmask(fn, S_I64X2);
        return true;
    case WASM_OP_I8X16_NARROW_I16X8_S:
        narrow(fn, S_I16X8, true);
        return true;
    case WASM_OP_I8X16_NARROW_I16X8_U:
        narrow(fn, S_I16X8, false);
        return true;
    case WASM_OP_I16X8_NARROW_I32X4_S:
        narrow(fn, S_I32X4, true);
        return true;
    case WASM_OP_I16X8_NARROW_I32X4_U:
        narrow(fn, S_I32X4, false);
        return true;
    case WASM_OP_I16X8_EXTEND_LOW_I8X16_S:
        extend_half(fn, S_I8X16, false, true);
        return true;
    case WASM_OP_I16X8_EXTEND_HIGH_I8X16_S:
        extend_half(fn, S_I8X16, true, true);
        return true;
    case WASM_OP_I16X8_EXTEND_LOW_I8X16_U:
        extend_half(fn, S_I8X16, false, false);
        return true;
    case WASM_OP_I16X8_EXTEND_HIGH_I8X16_U:
        extend_half(fn, S_I8X16, true, false);
        return true;
    case WASM_OP_I32X4_EXTEND_LOW_I16X8_S:
        extend_half(fn, S_I16X8, false, true);
        return true;
    case WASM_OP_I32X4_EXTEND_HIGH_I16X8_S:
        extend_half(fn, S_I16X8, true, true);
        return true;
    case WASM_OP_I32X4_EXTEND_LOW_I16X8_U:
        extend_half(fn, S_I16X8, false, false);
        return true;
    case WASM_OP_I32X4_EXTEND_HIGH_I16X8_U:
        extend_half(fn, S_I16X8, true, false);
        return true;
    case WASM_OP_I64X2_EXTEND_LOW_I32X4_S:
        extend_half(fn, S_I32X4, false, true);
        return true;
    case WASM_OP_I64X2_EXTEND_HIGH_I32X4_S:
        extend_half(fn, S_I32X4, true, true);
        return true;
    case WASM_OP_I64X2_EXTEND_LOW_I32X4_U:
        extend_half(fn, S_I32X4, false, false);
        return true;
    case WASM_OP_I64X2_EXTEND_HIGH_I32X4_U:
        extend_half(fn, S_I32X4, true, false);
        return true;
    default:
        return false;
    }
}

static bool emit_integer(cg_func *fn, wasm_op op)
{
    switch (op) {
    case WASM_OP_I8X16_ABS:
        iabs(fn, S_I8X16);
        return true;
    case WASM_OP_I16X8_ABS:
        iabs(fn, S_I16X8);
        return true;
    case WASM_OP_I32X4_ABS:
        iabs(fn, S_I32X4);
        return true;
    case WASM_OP_I64X2_ABS:
        iabs(fn, S_I64X2);
        return true;
    case WASM_OP_I8X16_NEG:
        neg(fn, S_I8X16);
        return true;
    case WASM_OP_I16X8_NEG:
        neg(fn, S_I16X8);
        return true;
    case WASM_OP_I32X4_NEG:
        neg(fn, S_I32X4);
        return true;
    case WASM_OP_I64X2_NEG:
        neg(fn, S_I64X2);
        return true;
    case WASM_OP_I8X16_POPCNT:
        unary_intrinsic(fn, S_I8X16, "llvm.ctpop");
        return true;

    case WASM_OP_I8X16_SHL:
        shift(fn, S_I8X16, LLVMBuildShl);
        return true;
    case WASM_OP_I8X16_SHR_S:
        shift(fn, S_I8X16, LLVMBuildAShr);
        return true;
    case WASM_OP_I8X16_SHR_U:
        shift(fn, S_I8X16, LLVMBuildLShr);
        return true;
    case WASM_OP_I16X8_SHL:
        shift(fn, S_I16X8, LLVMBuildShl);
        return true;
    case WASM_OP_I16X8_SHR_S:
        shift(fn, S_I16X8, LLVMBuildAShr);
        return true;
    case WASM_OP_I16X8_SHR_U:
        shift(fn, S_I16X8, LLVMBuildLShr);
        return true;
    case WASM_OP_I32X4_SHL:
        shift(fn, S_I32X4, LLVMBuildShl);
        return true;
    case WASM_OP_I32X4_SHR_S:
        shift(fn, S_I32X4, LLVMBuildAShr);
        return true;
    case WASM_OP_I32X4_SHR_U:
        shift(fn, S_I32X4, LLVMBuildLShr);
        return true;
    case WASM_OP_I64X2_SHL:
        shift(fn, S_I64X2, LLVMBuildShl);
        return true;
    case WASM_OP_I64X2_SHR_S:
        shift(fn, S_I64X2, LLVMBuildAShr);
        return true;
    case WASM_OP_I64X2_SHR_U:
        shift(fn, S_I64X2, LLVMBuildLShr);
        return true;

    case WASM_OP_I8X16_ADD:
        binop(fn, S_I8X16, LLVMBuildAdd);
        return true;
    case WASM_OP_I16X8_ADD:
        binop(fn, S_I16X8, LLVMBuildAdd);
        return true;
    case WASM_OP_I32X4_ADD:
        binop(fn, S_I32X4, LLVMBuildAdd);
        return true;
    case WASM_OP_I64X2_ADD:
        binop(fn, S_I64X2, LLVMBuildAdd);
        return true;
    case WASM_OP_I8X16_SUB:
        binop(fn, S_I8X16, LLVMBuildSub);
        return true;
    case WASM_OP_I16X8_SUB:
        binop(fn, S_I16X8, LLVMBuildSub);
        return true;
    case WASM_OP_I32X4_SUB:
        binop(fn, S_I32X4, LLVMBuildSub);
        return true;
    case WASM_OP_I64X2_SUB:
        binop(fn, S_I64X2, LLVMBuildSub);
        return true;
    case WASM_OP_I16X8_MUL:
        binop(fn, S_I16X8, LLVMBuildMul);
        return true;
    case WASM_OP_I32X4_MUL:
        binop(fn, S_I32X4, LLVMBuildMul);
        return true;
    case WASM_OP_I64X2_MUL:
        binop(fn, S_I64X2, LLVMBuildMul);
        return true;

    case WASM_OP_I8X16_ADD_SAT_S:
        binary_intrinsic(fn, S_I8X16, "llvm.sadd.sat");
        return true;
    case WASM_OP_I8X16_ADD_SAT_U:
        binary_intrinsic(fn, S_I8X16, "llvm.uadd.sat");
        return true;
    case WASM_OP_I8X16_SUB_SAT_S:
        binary_intrinsic(fn, S_I8X16, "llvm.ssub.sat");
        return true;
    case WASM_OP_I8X16_SUB_SAT_U:
        binary_intrinsic(fn, S_I8X16, "llvm.usub.sat");
        return true;
    case WASM_OP_I16X8_ADD_SAT_S:
        binary_intrinsic(fn, S_I16X8, "llvm.sadd.sat");
        return true;
    case WASM_OP_I16X8_ADD_SAT_U:
        binary_intrinsic(fn, S_I16X8, "llvm.uadd.sat");
        return true;
    case WASM_OP_I16X8_SUB_SAT_S:
        binary_intrinsic(fn, S_I16X8, "llvm.ssub.sat");
        return true;
    case WASM_OP_I16X8_SUB_SAT_U:
        binary_intrinsic(fn, S_I16X8, "llvm.usub.sat");
        return true;

    case WASM_OP_I8X16_MIN_S:
        binary_intrinsic(fn, S_I8X16, "llvm.smin");
        return true;
    case WASM_OP_I8X16_MIN_U:
        binary_intrinsic(fn, S_I8X16, "llvm.umin");
        return true;
    case WASM_OP_I8X16_MAX_S:
        binary_intrinsic(fn, S_I8X16, "llvm.smax");
        return true;
    case WASM_OP_I8X16_MAX_U:
        binary_intrinsic(fn, S_I8X16, "llvm.umax");
        return true;
    case WASM_OP_I16X8_MIN_S:
        binary_intrinsic(fn, S_I16X8, "llvm.smin");
        return true;
    case WASM_OP_I16X8_MIN_U:
        binary_intrinsic(fn, S_I16X8, "llvm.umin");
        return true;
    case WASM_OP_I16X8_MAX_S:
        binary_intrinsic(fn, S_I16X8, "llvm.smax");
        return true;
    case WASM_OP_I16X8_MAX_U:
        binary_intrinsic(fn, S_I16X8, "llvm.umax");
        return true;
    case WASM_OP_I32X4_MIN_S:
        binary_intrinsic(fn, S_I32X4, "llvm.smin");
        return true;
    case WASM_OP_I32X4_MIN_U:
        binary_intrinsic(fn, S_I32X4, "llvm.umin");
        return true;
    case WASM_OP_I32X4_MAX_S:
        binary_intrinsic(fn, S_I32X4, "llvm.smax");
        return true;
    case WASM_OP_I32X4_MAX_U:
        binary_intrinsic(fn, S_I32X4, "llvm.umax");
        return true;

    case WASM_OP_I8X16_AVGR_U:
        avgr_u(fn, S_I8X16);
        return true;
    case WASM_OP_I16X8_AVGR_U:
        avgr_u(fn, S_I16X8);
        return true;
    case WASM_OP_I16X8_Q15MULR_SAT_S:
        q15mulr_sat_s(fn);
        return true;
    case WASM_OP_I32X4_DOT_I16X8_S:
        dot_i16x8_s(fn);
        return true;

    case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_S:
        extadd_pairwise(fn, S_I8X16, true);
        return true;
    case WASM_OP_I16X8_EXTADD_PAIRWISE_I8X16_U:
        extadd_pairwise(fn, S_I8X16, false);
        return true;
    case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_S:
        extadd_pairwise(fn, S_I16X8, true);
        return true;
    case WASM_OP_I32X4_EXTADD_PAIRWISE_I16X8_U:
        extadd_pairwise(fn, S_I16X8, false);
        return true;

    case WASM_OP_I16X8_EXTMUL_LOW_I8X16_S:
        extmul(fn, S_I8X16, false, true);
        return true;
    case WASM_OP_I16X8_EXTMUL_HIGH_I8X16_S:
        extmul(fn, S_I8X16, true, true);
        return true;
    case WASM_OP_I16X8_EXTMUL_LOW_I8X16_U:
        extmul(fn, S_I8X16, false, false);
        return true;
    case WASM_OP_I16X8_EXTMUL_HIGH_I8X16_U:
        extmul(fn, S_I8X16, true, false);
        return true;
    case WASM_OP_I32X4_EXTMUL_LOW_I16X8_S:
        extmul(fn, S_I16X8, false, true);
        return true;
    case WASM_OP_I32X4_EXTMUL_HIGH_I16X8_S:
        extmul(fn, S_I16X8, true, true);
        return true;
    case WASM_OP_I32X4_EXTMUL_LOW_I16X8_U:
        extmul(fn, S_I16X8, false, false);
        return true;
    case WASM_OP_I32X4_EXTMUL_HIGH_I16X8_U:
        extmul(fn, S_I16X8, true, false);
        return true;
    case WASM_OP_I64X2_EXTMUL_LOW_I32X4_S:
        extmul(fn, S_I32X4, false, true);
        return true;
    case WASM_OP_I64X2_EXTMUL_HIGH_I32X4_S:
        extmul(fn, S_I32X4, true, true);
        return true;
    case WASM_OP_I64X2_EXTMUL_LOW_I32X4_U:
        extmul(fn, S_I32X4, false, false);
        return true;
    case WASM_OP_I64X2_EXTMUL_HIGH_I32X4_U:
        extmul(fn, S_I32X4, true, false);
        return true;
    default:
        return false;
    }
}

static bool emit_float(cg_func *fn, wasm_op op)
{
    switch (op) {
    case WASM_OP_F32X4_ABS:
        unary_intrinsic(fn, S_F32X4, "llvm.fabs");
        return true;
    case WASM_OP_F64X2_ABS:
        unary_intrinsic(fn, S_F64X2, "llvm.fabs");
        return true;
    case WASM_OP_F32X4_NEG:
        fneg(fn, S_F32X4);
        return true;
    case WASM_OP_F64X2_NEG:
        fneg(fn, S_F64X2);
        return true;
    case WASM_OP_F32X4_SQRT:
        unary_intrinsic(fn, S_F32X4, "llvm.sqrt");
        return true;
    case WASM_OP_F64X2_SQRT:
        unary_intrinsic(fn, S_F64X2, "llvm.sqrt");
        return true;
    case WASM_OP_F32X4_CEIL:
        rounding(fn, S_F32X4, "llvm.ceil");
        return true;
    case WASM_OP_F64X2_CEIL:
        rounding(fn, S_F64X2, "llvm.ceil");
        return true;
    case WASM_OP_F32X4_FLOOR:
        rounding(fn, S_F32X4, "llvm.floor");
        return true;
    case WASM_OP_F64X2_FLOOR:
        rounding(fn, S_F64X2, "llvm.floor");
        return true;
    case WASM_OP_F32X4_TRUNC:
        rounding(fn, S_F32X4, "llvm.trunc");
        return true;
    case WASM_OP_F64X2_TRUNC:
        rounding(fn, S_F64X2, "llvm.trunc");
        return true;
    case WASM_OP_F32X4_NEAREST:
        rounding(fn, S_F32X4, "llvm.roundeven");
        return true;
    case WASM_OP_F64X2_NEAREST:
        rounding(fn, S_F64X2, "llvm.roundeven");
        return true;
    case WASM_OP_F32X4_ADD:
        fbinop(fn, S_F32X4, CG_FP_ADD);
        return true;
    case WASM_OP_F64X2_ADD:
        fbinop(fn, S_F64X2, CG_FP_ADD);
        return true;
    case WASM_OP_F32X4_SUB:
        fbinop(fn, S_F32X4, CG_FP_SUB);
        return true;
    case WASM_OP_F64X2_SUB:
        fbinop(fn, S_F64X2, CG_FP_SUB);
        return true;
    case WASM_OP_F32X4_MUL:
        fbinop(fn, S_F32X4, CG_FP_MUL);
        return true;
    case WASM_OP_F64X2_MUL:
        fbinop(fn, S_F64X2, CG_FP_MUL);
        return true;
    case WASM_OP_F32X4_DIV:
        fbinop(fn, S_F32X4, CG_FP_DIV);
        return true;
    case WASM_OP_F64X2_DIV:
        fbinop(fn, S_F64X2, CG_FP_DIV);
        return true;
    case WASM_OP_F32X4_MIN:
        fminmax(fn, S_F32X4, false);
        return true;
    case WASM_OP_F64X2_MIN:
        fminmax(fn, S_F64X2, false);
        return true;
    case WASM_OP_F32X4_MAX:
        fminmax(fn, S_F32X4, true);
        return true;
    case WASM_OP_F64X2_MAX:
        fminmax(fn, S_F64X2, true);
        return true;
    case WASM_OP_F32X4_PMIN:
        pseudo_minmax(fn, S_F32X4, false);
        return true;
    case WASM_OP_F64X2_PMIN:
        pseudo_minmax(fn, S_F64X2, false);
        return true;
    case WASM_OP_F32X4_PMAX:
        pseudo_minmax(fn, S_F32X4, true);
        return true;
    case WASM_OP_F64X2_PMAX:
        pseudo_minmax(fn, S_F64X2, true);
        return true;

    case WASM_OP_I32X4_TRUNC_SAT_F32X4_S:
        trunc_sat_f32x4(fn, true);
        return true;
    case WASM_OP_I32X4_TRUNC_SAT_F32X4_U:
        trunc_sat_f32x4(fn, false);
        return true;
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_S_ZERO:
        trunc_sat_f64x2_zero(fn, true);
        return true;
    case WASM_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO:
        trunc_sat_f64x2_zero(fn, false);
        return true;
    case WASM_OP_F32X4_CONVERT_I32X4_S:
        convert_i32x4(fn, true);
        return true;
    case WASM_OP_F32X4_CONVERT_I32X4_U:
        convert_i32x4(fn, false);
        return true;
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_S:
        convert_low_i32x4(fn, true);
        return true;
    case WASM_OP_F64X2_CONVERT_LOW_I32X4_U:
        convert_low_i32x4(fn, false);
        return true;
    case WASM_OP_F32X4_DEMOTE_F64X2_ZERO:
        demote_zero(fn);
        return true;
    case WASM_OP_F64X2_PROMOTE_LOW_F32X4:
        promote_low(fn);
        return true;
    default:
        return false;
    }
}

kiln_status cg_emit_simd(cg_func *fn, const wasm_instr *in)
{
    wasm_op op = (wasm_op)in->op;
    if (emit_memory(fn, in) || emit_lanes(fn, in) || emit_compare(fn, op) ||
        emit_bitwise(fn, op) || emit_integer(fn, op) || emit_float(fn, op))
        return KILN_OK;
    return cg_unsupported(fn, in);
}
