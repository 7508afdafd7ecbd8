/*
 * Unit tests for the SIMD (cg_simd.c) and atomic (cg_atomic.c) codegen.
 *
 * The test modules are built here from opcodes.def itself: one function
 * per instruction of the family, taking the instruction's operands as
 * params (their types from opsig.h) and returning its results, with
 * immediates chosen valid (natural alignment, offset 3, the last lane, a
 * fixed shuffle). So every SIMD and atomic instruction goes through the
 * real pipeline (decode, validate, codegen, finish) in both bounds modes,
 * the IR must verify before and after -O2, and the lowering must use the
 * expected LLVM operations. A last test compiles the SIMD module for an
 * x86-64-v2 CPU through the public kilnc API and checks that the tricky
 * instructions become single vector instructions and make no libcalls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen/codegen.h"
#include "kiln_compiler.h"
#include "module.h"
#include "opsig.h"

/* ---- building a module from opcodes.def ---------------------------------- */

typedef struct op_encoding {
    wasm_op op;
    uint8_t prefix;
    uint32_t code;
} op_encoding;

static const op_encoding encodings[] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) {WASM_OP_##name, prefix, code},
#include "opcodes.def"
#undef WASM_OPCODE
};

typedef struct bytes {
    uint8_t *data;
    size_t size, cap;
} bytes;

static void put(bytes *b, uint8_t v)
{
    if (b->size == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 256;
        b->data = realloc(b->data, b->cap);
        assert_non_null(b->data);
    }
    b->data[b->size++] = v;
}

static void put_u32(bytes *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static void put_bytes(bytes *b, const bytes *src)
{
    for (size_t i = 0; i < src->size; i++)
        put(b, src->data[i]);
}

static void put_section(bytes *module, uint8_t id, bytes *content)
{
    put(module, id);
    put_u32(module, (uint32_t)content->size);
    put_bytes(module, content);
    content->size = 0;
}

static uint8_t valtype_byte(char letter)
{
    switch (letter) {
    case 'i':
        return 0x7f;
    case 'I':
        return 0x7e;
    case 'f':
        return 0x7d;
    case 'F':
        return 0x7c;
    default:
        return 0x7b; /* v */
    }
}

/* One exported function per instruction of `family`; memory 0 is
 * [1, 2] pages, shared when asked. Returns the function count. */
static uint32_t build_family_module(wasm_family family, bool shared, bytes *module)
{
    static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    bytes sec = {0}, body = {0};
    const size_t n_ops = sizeof encodings / sizeof encodings[0];
    uint32_t count = 0;
    for (size_t i = 0; i < n_ops; i++)
        count += wasm_op_family(encodings[i].op) == family;

    for (size_t i = 0; i < 8; i++)
        put(module, header[i]);

    put_u32(&sec, count); /* types: one per function */
    for (size_t i = 0; i < n_ops; i++) {
        if (wasm_op_family(encodings[i].op) != family)
            continue;
        const wasm_sig_info *si = wasm_sig_get(wasm_op_sig(encodings[i].op));
        put(&sec, 0x60);
        put_u32(&sec, (uint32_t)strlen(si->params));
        for (const char *p = si->params; *p; p++)
            put(&sec, valtype_byte(*p));
        put_u32(&sec, (uint32_t)strlen(si->results));
        for (const char *p = si->results; *p; p++)
            put(&sec, valtype_byte(*p));
    }
    put_section(module, 1, &sec);

    put_u32(&sec, count);
    for (uint32_t f = 0; f < count; f++)
        put_u32(&sec, f);
    put_section(module, 3, &sec);

    put_u32(&sec, 1);
    put(&sec, shared ? 0x03 : 0x01); /* has max (+ shared) */
    put_u32(&sec, 1);
    put_u32(&sec, 2);
    put_section(module, 5, &sec);

    put_u32(&sec, count);
    for (uint32_t f = 0; f < count; f++) {
        char name[16];
        int len = snprintf(name, sizeof name, "f%u", f);
        put_u32(&sec, (uint32_t)len);
        for (int k = 0; k < len; k++)
            put(&sec, (uint8_t)name[k]);
        put(&sec, 0x00); /* func */
        put_u32(&sec, f);
    }
    put_section(module, 7, &sec);

    put_u32(&sec, count);
    for (size_t i = 0; i < n_ops; i++) {
        const op_encoding *e = &encodings[i];
        if (wasm_op_family(e->op) != family)
            continue;
        const wasm_sig_info *si = wasm_sig_get(wasm_op_sig(e->op));
        put(&body, 0x00); /* no locals */
        for (uint32_t p = 0; p < strlen(si->params); p++) {
            put(&body, 0x20);
            put_u32(&body, p);
        }
        put(&body, e->prefix);
        put_u32(&body, e->code);
        switch (wasm_op_imm(e->op)) {
        case WASM_IMM_MEMARG:
        case WASM_IMM_MEMARG_LANE:
            put_u32(&body, (uint32_t)si->align_log2);
            put_u32(&body, 3);
            if (wasm_op_imm(e->op) == WASM_IMM_MEMARG_LANE)
                put(&body, (uint8_t)(si->lanes - 1));
            break;
        case WASM_IMM_LANE:
            put(&body, (uint8_t)(si->lanes - 1));
            break;
        case WASM_IMM_SHUFFLE: {
            static const uint8_t lanes[16] = {0, 17, 2, 19, 4, 21, 6, 23,
                                              31, 30, 29, 28, 3, 3, 16, 0};
            for (int k = 0; k < 16; k++)
                put(&body, lanes[k]);
            break;
        }
        case WASM_IMM_V128:
            for (int k = 0; k < 16; k++)
                put(&body, (uint8_t)(0xf0 + k));
            break;
        case WASM_IMM_FENCE:
            put(&body, 0x00);
            break;
        default:
            break;
        }
        put(&body, 0x0b);
        put_u32(&sec, (uint32_t)body.size);
        put_bytes(&sec, &body);
        body.size = 0;
    }
    put_section(module, 10, &sec);
    free(sec.data);
    free(body.data);
    return count;
}

/* ---- pipeline ------------------------------------------------------------ */

typedef struct compiled {
    LLVMContextRef ctx;
    wasm_module *module;
    cg_module *cgm;
    char *ir; /* after finish, before optimisation */
} compiled;

static cg_config config_for(kiln_bounds_mode bounds)
{
    cg_config c;
    memset(&c, 0, sizeof c); /* every field not set below is off or zero */
    c.triple = "x86_64-unknown-linux-gnu";
    c.layout = NULL;
    c.pointer_width = 8;
    c.bounds = bounds;
    c.opt_level = 2;
    return c;
}

static void compile_ok(const bytes *wasm, kiln_bounds_mode bounds, compiled *out)
{
    kiln_error err = {0};
    cg_config config = config_for(bounds);
    memset(out, 0, sizeof *out);
    out->ctx = LLVMContextCreate();
    if (dec_module(wasm->data, wasm->size, &out->module, &err) != KILN_OK)
        fail_msg("decode: %s", err.message);
    if (val_module(out->module, &err) != KILN_OK)
        fail_msg("validate: %s", err.message);
    if (cg_module_new(out->ctx, out->module, &config, &out->cgm, &err) != KILN_OK)
        fail_msg("cg_module_new: %s", err.message);
    const wasm_module *m = out->module;
    for (uint32_t i = m->func_import_count; i < m->func_count; i++) {
        wasm_body body;
        assert_int_equal(dec_function_body(m, i, &body, &err), KILN_OK);
        if (val_function(m, &body, &err) != KILN_OK)
            fail_msg("validate function %u: %s", i, err.message);
        kiln_status st = cg_function(out->cgm, &body, &err);
        dec_body_free(&body);
        if (st != KILN_OK)
            fail_msg("codegen of function %u: %s", i, err.message);
    }
    if (cg_module_finish(out->cgm, &err) != KILN_OK)
        fail_msg("finish: %s", err.message);
    out->ir = LLVMPrintModuleToString(cg_module_llvm(out->cgm));
}

static void release(compiled *c)
{
    if (c->ir)
        LLVMDisposeMessage(c->ir);
    cg_module_free(c->cgm);
    dec_module_free(c->module);
    LLVMContextDispose(c->ctx);
}

static void assert_has(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        fail_msg("output lacks \"%s\"", needle);
}

static void assert_lacks(const char *text, const char *needle)
{
    if (strstr(text, needle))
        fail_msg("output unexpectedly has \"%s\"", needle);
}

/* Some line of text contains both a and b. */
static void assert_line_has(const char *text, const char *a, const char *b)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        const char *pa = strstr(line, a), *pb = strstr(line, b);
        if (pa && pb && pa < line + n && pb < line + n)
            return;
        line = end ? end + 1 : NULL;
    }
    fail_msg("no line has both \"%s\" and \"%s\"", a, b);
}

/* The text of one function's definition, up to its closing brace. */
static char *function_text(const compiled *c, uint32_t index)
{
    char pattern[32];
    snprintf(pattern, sizeof pattern, "@kiln_f%u(", index);
    const char *start = strstr(c->ir, pattern);
    if (!start)
        fail_msg("no function kiln_f%u", index);
    const char *end = strstr(start, "\n}\n");
    assert_non_null(end);
    size_t n = (size_t)(end - start);
    char *text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, start, n);
    text[n] = 0;
    return text;
}

/* Index of the function testing `op` in a module of its family. */
static uint32_t function_of(wasm_op op)
{
    uint32_t index = 0;
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
        if (encodings[i].op == op)
            return index;
        index += wasm_op_family(encodings[i].op) == wasm_op_family(op);
    }
    fail_msg("no opcode %u", (unsigned)op);
    return 0;
}

static void assert_optimised_module_verifies(compiled *c)
{
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(cg_module_llvm(c->cgm), "default<O2>", NULL, opts);
    LLVMDisposePassBuilderOptions(opts);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        fail_msg("passes failed: %s", msg);
    }
    char *msg = NULL;
    int broken = LLVMVerifyModule(cg_module_llvm(c->cgm), LLVMReturnStatusAction, &msg);
    if (broken)
        fail_msg("optimised module broken: %s", msg);
    LLVMDisposeMessage(msg);
}

/* ---- SIMD ---------------------------------------------------------------- */

static void test_codegen_simd_every_instruction(void **state)
{
    (void)state;
    bytes wasm = {0};
    uint32_t count = build_family_module(WASM_FAM_SIMD, false, &wasm);
    assert_true(count >= 236); /* every v128 instruction of wasm 2.0 */
    for (int mode = 0; mode < 2; mode++) {
        compiled c;
        compile_ok(&wasm, mode ? KILN_BOUNDS_EXPLICIT : KILN_BOUNDS_GUARD, &c);
        /* v128 stays <2 x i64> at function boundaries. */
        assert_has(c.ir, "define hidden <2 x i64> @kiln_f0(ptr nonnull align 16 dereferenceable(");
        assert_has(c.ir, "%vmctx, i32 %0)");
        assert_has(c.ir, "@llvm.sadd.sat.v16i8");
        assert_has(c.ir, "@llvm.usub.sat.v8i16");
        assert_has(c.ir, "@llvm.smin.v16i16"); /* narrow clamps in the wide type */
        assert_has(c.ir, "@llvm.smin.v8i32");  /* q15mulr saturation */
        assert_has(c.ir, "@llvm.umax.v4i32");
        assert_has(c.ir, "@llvm.abs.v2i64(<2 x i64> %");
        assert_has(c.ir, "@llvm.ctpop.v16i8");
        assert_has(c.ir, "@llvm.minimum.v4f32");
        assert_has(c.ir, "@llvm.maximum.v2f64");
        assert_has(c.ir, "@llvm.roundeven.v4f32");
        assert_has(c.ir, "@llvm.sqrt.v2f64");
        assert_has(c.ir, "@llvm.fptosi.sat.v4i32.v4f32");
        assert_has(c.ir, "@llvm.fptoui.sat.v2i32.v2f64");
        assert_has(c.ir, "sext <16 x i1>");      /* comparisons: all-ones lanes */
        assert_has(c.ir, "bitcast <16 x i1> %"); /* bitmask, all_true */
        assert_has(c.ir, "shufflevector <16 x i8>");
        assert_has(c.ir, "fcmp une <4 x float>");
        assert_has(c.ir, "uitofp <4 x i32>");
        assert_has(c.ir, "fptrunc <2 x double>");
        assert_has(c.ir, "fpext <2 x float>");
        /* No target intrinsics, no wrap flags. */
        assert_lacks(c.ir, "@llvm.x86");
        assert_lacks(c.ir, "add nsw");
        if (mode)
            assert_has(c.ir, "trap.oob_memory");
        else
            assert_lacks(c.ir, "trap.oob_memory");
        assert_optimised_module_verifies(&c);
        release(&c);
    }
    free(wasm.data);
}

static void test_codegen_simd_shift_counts_are_masked(void **state)
{
    (void)state;
    bytes wasm = {0};
    build_family_module(WASM_FAM_SIMD, false, &wasm);
    compiled c;
    compile_ok(&wasm, KILN_BOUNDS_GUARD, &c);
    char *shl8 = function_text(&c, function_of(WASM_OP_I8X16_SHL));
    assert_line_has(shl8, "and i32 %", ", 7");
    assert_has(shl8, "shl <16 x i8>");
    free(shl8);
    char *shr64 = function_text(&c, function_of(WASM_OP_I64X2_SHR_S));
    assert_line_has(shr64, "and i32 %", ", 63");
    assert_has(shr64, "ashr <2 x i64>");
    free(shr64);
    release(&c);
    free(wasm.data);
}

static void test_codegen_simd_tricky_semantics_in_ir(void **state)
{
    (void)state;
    bytes wasm = {0};
    build_family_module(WASM_FAM_SIMD, false, &wasm);
    compiled c;
    compile_ok(&wasm, KILN_BOUNDS_GUARD, &c);

    /* q15mulr: (a * b + 0x4000) >> 15 in i32, then smin 0x7fff only. */
    char *t = function_text(&c, function_of(WASM_OP_I16X8_Q15MULR_SAT_S));
    assert_has(t, "mul <8 x i32>");
    assert_has(t, "i32 16384");
    assert_has(t, "ashr <8 x i32>");
    assert_has(t, "@llvm.smin.v8i32");
    assert_lacks(t, "@llvm.smax");
    free(t);

    /* swizzle: indices >= 16 select 0. */
    t = function_text(&c, function_of(WASM_OP_I8X16_SWIZZLE));
    assert_has(t, "icmp ule <16 x i8>");
    assert_has(t, "select <16 x i1>");
    free(t);

    /* pmin: b < a ? b : a; pmax: a < b ? b : a. Params a, b are loaded
     * into %2, %3 and bitcast to %5 (a) and %4 (b). */
    t = function_text(&c, function_of(WASM_OP_F32X4_PMIN));
    assert_has(t, "%4 = bitcast <2 x i64> %3 to <4 x float>");
    assert_has(t, "%5 = bitcast <2 x i64> %2 to <4 x float>");
    assert_has(t, "fcmp olt <4 x float> %4, %5");
    assert_has(t, "select <4 x i1> %6, <4 x float> %4, <4 x float> %5");
    free(t);
    t = function_text(&c, function_of(WASM_OP_F64X2_PMAX));
    assert_has(t, "fcmp olt <2 x double> %5, %4");
    assert_has(t, "select <2 x i1> %6, <2 x double> %4, <2 x double> %5");
    free(t);

    /* narrow_u clamps signed inputs to [0, 255]. */
    t = function_text(&c, function_of(WASM_OP_I8X16_NARROW_I16X8_U));
    assert_has(t, "@llvm.smax.v16i16");
    assert_has(t, "i16 255");
    assert_has(t, "trunc <16 x i16>");
    free(t);

    /* abs: INT_MIN is not poison. */
    t = function_text(&c, function_of(WASM_OP_I8X16_ABS));
    assert_line_has(t, "@llvm.abs.v16i8(<16 x i8> %", ", i1 false)");
    free(t);

    /* avgr_u keeps the carry in the double width. */
    t = function_text(&c, function_of(WASM_OP_I8X16_AVGR_U));
    assert_has(t, "zext <16 x i8>");
    assert_has(t, "lshr <16 x i16>");
    free(t);

    /* trunc_sat_f64x2_u_zero: the high lanes are zero. */
    t = function_text(&c, function_of(WASM_OP_I32X4_TRUNC_SAT_F64X2_U_ZERO));
    assert_has(t, "@llvm.fptoui.sat.v2i32.v2f64");
    assert_has(t, "zeroinitializer, <4 x i32> <i32 0, i32 1, i32 2, i32 3>");
    free(t);

    /* bitmask of i64x2: 2 sign bits. */
    t = function_text(&c, function_of(WASM_OP_I64X2_BITMASK));
    assert_has(t, "icmp slt <2 x i64>");
    assert_has(t, "bitcast <2 x i1> %");
    assert_has(t, "to i2");
    free(t);

    /* Loads use their access width, align 1. */
    t = function_text(&c, function_of(WASM_OP_V128_LOAD8X8_S));
    assert_has(t, "load <8 x i8>, ptr %ea, align 1");
    assert_has(t, "sext <8 x i8>");
    free(t);
    release(&c);
    free(wasm.data);
}

/* Through the public API for a fixed CPU: the instructions whose lowering
 * LLVM must recognise become single SSE instructions, and SSE4.1 rounding
 * needs no libcall. */
static void test_codegen_simd_x86_64_v2_instructions(void **state)
{
    (void)state;
    bytes wasm = {0};
    build_family_module(WASM_FAM_SIMD, false, &wasm);
    kilnc_options options;
    kilnc_options_init(&options);
    options.target_triple = "x86_64-unknown-linux-gnu";
    options.cpu = "x86-64-v2";
    options.cpu_features = "";
    options.opt_level = 2;
    options.format = KILNC_FORMAT_ASM;
    uint8_t *out = NULL;
    size_t out_size = 0;
    kiln_error err = {0};
    if (kilnc_compile(wasm.data, wasm.size, &options, &out, &out_size, &err) != KILN_OK)
        fail_msg("kilnc_compile: %s", err.message);
    char *text = malloc(out_size + 1);
    assert_non_null(text);
    memcpy(text, out, out_size);
    text[out_size] = 0;
    kilnc_buffer_free(out);
    assert_has(text, "pmaddwd");  /* i32x4.dot_i16x8_s */
    assert_has(text, "pavgb");    /* i8x16.avgr_u */
    assert_has(text, "pavgw");    /* i16x8.avgr_u */
    assert_has(text, "pmovmskb"); /* i8x16.bitmask */
    assert_has(text, "movmskps"); /* i32x4.bitmask */
    assert_has(text, "packsswb"); /* i8x16.narrow_i16x8_s */
    assert_has(text, "packuswb"); /* i8x16.narrow_i16x8_u */
    assert_has(text, "packusdw"); /* i16x8.narrow_i32x4_u */
    assert_has(text, "paddsb");   /* i8x16.add_sat_s */
    assert_has(text, "psubusw");  /* i16x8.sub_sat_u */
    assert_has(text, "pshufb");   /* swizzle, shuffle */
    assert_has(text, "roundps");  /* f32x4.ceil/floor/trunc/nearest */
    assert_has(text, "roundpd");
    assert_has(text, "sqrtpd");
    assert_lacks(text, "roundevenf");
    assert_lacks(text, "ceilf");
    free(text);
    free(wasm.data);
}

/* ---- atomics ------------------------------------------------------------- */

static void test_codegen_atomic_every_instruction(void **state)
{
    (void)state;
    bytes wasm = {0};
    uint32_t count = build_family_module(WASM_FAM_ATOMIC, true, &wasm);
    assert_int_equal(count, 67);
    for (int mode = 0; mode < 2; mode++) {
        compiled c;
        compile_ok(&wasm, mode ? KILN_BOUNDS_EXPLICIT : KILN_BOUNDS_GUARD, &c);
        assert_has(c.ir, "load atomic i32, ptr %ea seq_cst, align 4");
        assert_has(c.ir, "load atomic i16, ptr %ea seq_cst, align 2");
        assert_has(c.ir, "store atomic i8 ");
        assert_has(c.ir, "store atomic i64 ");
        assert_has(c.ir, "atomicrmw add ptr %ea, i8 ");
        assert_has(c.ir, "atomicrmw sub ptr %ea, i64 ");
        assert_has(c.ir, "atomicrmw and ptr %ea, i16 ");
        assert_has(c.ir, "atomicrmw or ptr %ea, i32 ");
        assert_has(c.ir, "atomicrmw xor ptr %ea, i64 ");
        assert_has(c.ir, "atomicrmw xchg ptr %ea, i32 ");
        assert_has(c.ir, "cmpxchg ptr %ea, i16 ");
        assert_has(c.ir, "seq_cst seq_cst, align 8");
        assert_has(c.ir, "fence seq_cst");
        assert_has(c.ir, "trap.unaligned_atomic");
        uint64_t used = cg_module_helpers_used(c.cgm);
        assert_true(used & (UINT64_C(1) << KILN_HELPER_ATOMIC_WAIT32));
        assert_true(used & (UINT64_C(1) << KILN_HELPER_ATOMIC_WAIT64));
        assert_true(used & (UINT64_C(1) << KILN_HELPER_ATOMIC_NOTIFY));
        assert_optimised_module_verifies(&c);
        release(&c);
    }
    free(wasm.data);
}

static void test_codegen_atomic_alignment_before_bounds(void **state)
{
    (void)state;
    bytes wasm = {0};
    build_family_module(WASM_FAM_ATOMIC, true, &wasm);
    compiled c;
    compile_ok(&wasm, KILN_BOUNDS_EXPLICIT, &c);
    /* i64.atomic.load at offset 3: (zext addr + 3) & 7, then the bound. */
    char *t = function_text(&c, function_of(WASM_OP_I64_ATOMIC_LOAD));
    const char *align = strstr(t, "and i64");
    const char *bound = strstr(t, "icmp ugt i64");
    assert_non_null(align);
    assert_non_null(bound);
    assert_true(align < bound);
    assert_has(t, ", 7");
    assert_has(t, ", 11"); /* end = addr + offset 3 + 8 bytes */
    free(t);
    /* 8-bit accesses are always aligned. */
    t = function_text(&c, function_of(WASM_OP_I32_ATOMIC_LOAD8_U));
    assert_lacks(t, "unaligned");
    assert_has(t, "zext i8");
    free(t);
    release(&c);

    /* Guard mode: the alignment check stays, the bounds check is the
     * guard page, except for wait/notify whose helper gets an address. */
    compile_ok(&wasm, KILN_BOUNDS_GUARD, &c);
    t = function_text(&c, function_of(WASM_OP_I32_ATOMIC_RMW_CMPXCHG));
    assert_has(t, "trap.unaligned_atomic");
    assert_lacks(t, "trap.oob_memory");
    free(t);
    t = function_text(&c, function_of(WASM_OP_MEMORY_ATOMIC_WAIT64));
    assert_has(t, "trap.unaligned_atomic");
    assert_has(t, "trap.oob_memory");
    assert_has(t, "%mem0_bound = load i64");
    free(t);
    t = function_text(&c, function_of(WASM_OP_MEMORY_ATOMIC_NOTIFY));
    /* helper(vmctx, memory 0, effective address, count) */
    assert_line_has(t, "call i32 %helper", "(ptr %vmctx, i32 0, i32 %ea");
    free(t);
    release(&c);
    free(wasm.data);
}

static void test_codegen_atomic_narrow_values_are_zero_extended(void **state)
{
    (void)state;
    bytes wasm = {0};
    build_family_module(WASM_FAM_ATOMIC, true, &wasm);
    compiled c;
    compile_ok(&wasm, KILN_BOUNDS_GUARD, &c);
    char *t = function_text(&c, function_of(WASM_OP_I64_ATOMIC_RMW16_CMPXCHG_U));
    /* Both operands wrapped to 16 bits, the old value zero-extended. */
    assert_line_has(t, "trunc i64 %", "to i16");
    assert_has(t, "cmpxchg ptr %ea, i16 %");
    assert_has(t, "extractvalue { i16, i1 }");
    assert_has(t, "zext i16 %old to i64");
    free(t);
    t = function_text(&c, function_of(WASM_OP_I64_ATOMIC_RMW32_XCHG_U));
    assert_has(t, "atomicrmw xchg ptr %ea, i32 ");
    assert_has(t, "zext i32");
    free(t);
    release(&c);
    free(wasm.data);
}

static void test_codegen_atomic_on_unshared_memory(void **state)
{
    (void)state;
    /* The threads proposal allows atomics on an unshared memory. */
    bytes wasm = {0};
    build_family_module(WASM_FAM_ATOMIC, false, &wasm);
    compiled c;
    compile_ok(&wasm, KILN_BOUNDS_GUARD, &c);
    assert_false(c.module->memories[0].shared);
    release(&c);
    free(wasm.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codegen_simd_every_instruction),
        cmocka_unit_test(test_codegen_simd_shift_counts_are_masked),
        cmocka_unit_test(test_codegen_simd_tricky_semantics_in_ir),
        cmocka_unit_test(test_codegen_simd_x86_64_v2_instructions),
        cmocka_unit_test(test_codegen_atomic_every_instruction),
        cmocka_unit_test(test_codegen_atomic_alignment_before_bounds),
        cmocka_unit_test(test_codegen_atomic_narrow_values_are_zero_extended),
        cmocka_unit_test(test_codegen_atomic_on_unshared_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
