/*
 * riscv64 relocations resolved at build time (compiler/emit/reloc_riscv64.c
 * through object.c): calls, PCREL_HI20 paired with PCREL_LO12_I/S through
 * the label on the auipc, GOT_HI20, absolute HI20/LO12 (absolute symbols
 * only), the branch kinds and ADD/SUB pairs that linker relaxation leaves,
 * RELAX and ALIGN marks, 32_PCREL; encoder limits; refusals named; real
 * modules compiled for riscv64 at every optimisation level.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <elf.h>

#include "kiln_common.h"
#include "kiln_compiler.h"

#include "cross_asm.h"

#define TRIPLE "riscv64-unknown-linux-gnu"
#define FEATURES "+m,+a,+f,+d"

static const char pairs[] =
    ".option norelax\n"
    ".section .text.a,\"ax\",@progbits\n"
    ".globl fa\n.type fa,@function\n"
    "fa:\n"
    "  call fb\n"                                   /* +0  CALL_PLT */
    "  call ext_fn\n"                               /* +8  CALL_PLT to a stub */
    ".Lhi0: auipc a0, %pcrel_hi(dneg)\n"            /* +16 PCREL_HI20 */
    "  addi a0, a0, %pcrel_lo(.Lhi0)\n"             /* +20 PCREL_LO12_I */
    ".Lhi1: auipc a1, %pcrel_hi(d8)\n"              /* +24 PCREL_HI20 */
    "  sd a2, %pcrel_lo(.Lhi1)(a1)\n"               /* +28 PCREL_LO12_S */
    ".Lhi2: auipc a3, %got_pcrel_hi(ext_data)\n"    /* +32 GOT_HI20 */
    "  ld a3, %pcrel_lo(.Lhi2)(a3)\n"               /* +36 PCREL_LO12_I */
    "  .reloc ., R_RISCV_HI20, abs_sym\n  lui a4, 0\n"          /* +40 */
    "  .reloc ., R_RISCV_LO12_I, abs_sym\n  addi a4, a4, 0\n"   /* +44 */
    "  .reloc ., R_RISCV_LO12_S, abs_sym\n  sw a4, 0(a5)\n"     /* +48 */
    "  tail ext_fn\n"                               /* +52 CALL_PLT, same stub */
    ".section .text.b,\"ax\",@progbits\n"
    ".globl fb\n.type fb,@function\n"
    "fb: ret\n"
    ".section .rodata,\"a\",@progbits\n"
    ".p2align 3\n"
    ".type d8,@function\nd8: .quad 1\n"
    "  .skip 0x7f0\n" /* dneg's offset from its auipc has a low part >= 0x800 */
    ".type dneg,@function\ndneg: .quad 2\n"
    ".type pc32,@function\npc32: .reloc ., R_RISCV_32_PCREL, fb\n .word 0\n"
    ".type diff,@function\ndiff: .word fb - fa\n" /* ADD32/SUB32 */
    ".set abs_sym, 0x12345ABC\n";

/* What an auipc at off plus the I/S-immediate of the instruction at lo
 * computes (image offsets). */
static int64_t u_imm(uint32_t insn)
{
    return sign_extend(insn & 0xFFFFF000u, 32);
}

static int64_t i_imm(uint32_t insn)
{
    return sign_extend(insn >> 20, 12);
}

static int64_t s_imm(uint32_t insn)
{
    return sign_extend(((insn >> 25) << 5) | ((insn >> 7) & 0x1Fu), 12);
}

static uint64_t pair_target(const emit_image *img, uint32_t hi, uint32_t lo, bool store)
{
    uint32_t l = insn_at(img, lo);
    return (uint64_t)((int64_t)hi + u_imm(insn_at(img, hi)) + (store ? s_imm(l) : i_imm(l)));
}

static void test_reloc_riscv64_pairs(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(asm_image(TRIPLE, FEATURES, pairs, &img, &err), KILN_OK);
    uint32_t fa = sym_offset(img, "fa"), fb = sym_offset(img, "fb");
    assert_int_equal(pair_target(img, fa, fa + 4, false), fb);
    uint32_t dneg = sym_offset(img, "dneg");
    assert_int_equal(pair_target(img, fa + 16, fa + 20, false), dneg);
    assert_true(((dneg - (fa + 16)) & 0x800u) != 0); /* the rounded case */
    assert_true(i_imm(insn_at(img, fa + 20)) < 0);
    assert_int_equal(pair_target(img, fa + 24, fa + 28, true), sym_offset(img, "d8"));
    assert_int_equal(pair_target(img, fa + 32, fa + 36, false), got_slot_of(img, "ext_data"));

    /* Absolute symbol: its value in lui + addi (and the store's offset). */
    assert_int_equal(u_imm(insn_at(img, fa + 40)) + i_imm(insn_at(img, fa + 44)), 0x12345ABC);
    assert_int_equal(s_imm(insn_at(img, fa + 48)), i_imm(insn_at(img, fa + 44)));

    /* call and tail of ext_fn reach one stub, which loads ext_fn's slot. */
    uint64_t stub = pair_target(img, fa + 8, fa + 12, false);
    assert_int_equal(pair_target(img, fa + 52, fa + 56, false), stub);
    assert_true(stub < img->exec_size);
    assert_int_equal(pair_target(img, (uint32_t)stub, (uint32_t)stub + 4, false),
                     got_slot_of(img, "ext_fn"));
    assert_int_equal(insn_at(img, (uint32_t)stub + 8), 0x000E0067u); /* jr t3 */

    uint32_t pc32 = sym_offset(img, "pc32"), diff = sym_offset(img, "diff");
    assert_int_equal((int32_t)kiln_read_u32le(img->bytes + pc32), (int64_t)fb - pc32);
    assert_int_equal((int32_t)kiln_read_u32le(img->bytes + diff), (int64_t)fb - fa);
    for (uint32_t i = 0; i < img->reloc_count; i++)
        assert_true(img->relocs[i].offset >= img->exec_size);
    emit_image_free(img);
}

/* With linker relaxation on, branches keep relocations, RELAX marks the
 * call and ALIGN the padding; kiln relaxes nothing and resolves them all. */
static const char relaxed[] =
    ".option relax\n"
    ".section .text.r,\"ax\",@progbits\n"
    ".globl fr\n.type fr,@function\n"
    "fr:\n"
    "  beq a0, a1, .Lt\n" /* +0  BRANCH */
    "  jal .Lt\n"         /* +4  JAL */
    "  c.beqz a0, .Lt\n"  /* +8  RVC_BRANCH */
    "  c.j .Lt\n"         /* +10 RVC_JUMP */
    "  call fb2\n"        /* +12 CALL_PLT + RELAX */
    "  .p2align 4\n"      /* ALIGN */
    ".Lt:\n.globl lt\n.type lt,@function\nlt:\n  ret\n"
    ".section .text.b,\"ax\",@progbits\n"
    ".globl fb2\n.type fb2,@function\nfb2: ret\n"
    ".section .rodata.r,\"a\",@progbits\n"
    ".type diff,@function\ndiff: .word .Lt - fr\n"; /* ADD32/SUB32 */

static void test_reloc_riscv64_relaxation(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(asm_image(TRIPLE, FEATURES ",+c,+relax", relaxed, &img, &err), KILN_OK);
    uint32_t fr = sym_offset(img, "fr"), lt = sym_offset(img, "lt");
    uint32_t b = insn_at(img, fr);
    int64_t boff = sign_extend(((b >> 31) << 12) | (((b >> 7) & 1u) << 11) |
                                   (((b >> 25) & 0x3Fu) << 5) | (((b >> 8) & 0xFu) << 1),
                               13);
    assert_int_equal(fr + boff, lt);
    uint32_t j = insn_at(img, fr + 4);
    int64_t joff = sign_extend(((j >> 31) << 20) | (((j >> 12) & 0xFFu) << 12) |
                                   (((j >> 20) & 1u) << 11) | (((j >> 21) & 0x3FFu) << 1),
                               21);
    assert_int_equal(fr + 4 + joff, lt);
    uint16_t cb = kiln_read_u16le(img->bytes + fr + 8);
    int64_t cboff = sign_extend((((cb >> 12) & 1u) << 8) | (((cb >> 10) & 3u) << 3) |
                                    (((cb >> 5) & 3u) << 6) | (((cb >> 3) & 3u) << 1) |
                                    (((cb >> 2) & 1u) << 5),
                                9);
    assert_int_equal(fr + 8 + cboff, lt);
    uint16_t cj = kiln_read_u16le(img->bytes + fr + 10);
    int64_t cjoff = sign_extend((((cj >> 12) & 1u) << 11) | (((cj >> 11) & 1u) << 4) |
                                    (((cj >> 9) & 3u) << 8) | (((cj >> 8) & 1u) << 10) |
                                    (((cj >> 7) & 1u) << 6) | (((cj >> 6) & 1u) << 7) |
                                    (((cj >> 3) & 7u) << 1) | (((cj >> 2) & 1u) << 5),
                                12);
    assert_int_equal(fr + 10 + cjoff, lt);
    assert_int_equal(pair_target(img, fr + 12, fr + 16, false), sym_offset(img, "fb2"));
    uint32_t diff = sym_offset(img, "diff");
    assert_int_equal(kiln_read_u32le(img->bytes + diff), lt - fr);
    emit_image_free(img);
}

static const emit_reloc_type *type_of(uint32_t elf_type)
{
    for (size_t i = 0; i < emit_reloc_riscv64.type_count; i++)
        if (emit_reloc_riscv64.types[i].type == elf_type)
            return &emit_reloc_riscv64.types[i];
    fail();
    return NULL;
}

static void test_reloc_riscv64_limits(void **state)
{
    (void)state;
    uint8_t insn[8] = {0};
    bool (*write)(uint8_t *, const emit_reloc_type *, int64_t) = emit_reloc_riscv64.write_pcrel;
    static const struct {
        uint32_t type;
        int64_t ok_hi, ok_lo, bad_hi, bad_lo;
    } cases[] = {
        {R_RISCV_BRANCH, 4094, -4096, 4096, -4098},
        {R_RISCV_JAL, (1 << 20) - 2, -(1 << 20), 1 << 20, -(1 << 20) - 2},
        {R_RISCV_RVC_BRANCH, 254, -256, 256, -258},
        {R_RISCV_RVC_JUMP, 2046, -2048, 2048, -2050},
        /* auipc + 12-bit low part: [-2^31 - 2^11, 2^31 - 2^11) */
        {R_RISCV_CALL_PLT, INT64_C(0x7FFFF7FF), -INT64_C(0x80000800), INT64_C(0x7FFFF800),
         -INT64_C(0x80000801)},
        {R_RISCV_PCREL_HI20, INT64_C(0x7FFFF7FF), -INT64_C(0x80000800), INT64_C(0x7FFFF800),
         -INT64_C(0x80000801)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const emit_reloc_type *t = type_of(cases[i].type);
        assert_true(write(insn, t, cases[i].ok_hi));
        assert_true(write(insn, t, cases[i].ok_lo));
        assert_false(write(insn, t, cases[i].bad_hi));
        assert_false(write(insn, t, cases[i].bad_lo));
        if (cases[i].type != R_RISCV_CALL_PLT && cases[i].type != R_RISCV_PCREL_HI20)
            assert_false(write(insn, t, 1)); /* odd */
    }
    /* HI20 rounds up when the low part is negative: 0x12345800 = 0x12346000 - 0x800. */
    kiln_write_u32le(insn, 0x00000517u); /* auipc a0, 0 */
    assert_true(write(insn, type_of(R_RISCV_PCREL_HI20), 0x12345800));
    assert_int_equal(kiln_read_u32le(insn), 0x12346517u);
    kiln_write_u32le(insn, 0x00050513u); /* addi a0, a0, 0 */
    assert_true(write(insn, type_of(R_RISCV_PCREL_LO12_I), 0x12345800));
    assert_int_equal(kiln_read_u32le(insn), 0x80050513u); /* addi a0, a0, -2048 */
}

/* Refusals, each naming what is wrong. */
static void test_reloc_riscv64_refused(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    /* An absolute address of the image inside an instruction. */
    const char *hi = ".text\n.globl f\n.type f,@function\nf:\n  lui a0, %hi(f)\n  ret\n";
    assert_int_equal(asm_image(TRIPLE, FEATURES, hi, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_RISCV_HI20"));
    /* An ADD with no SUB: its value would depend on the load address. */
    const char *add = ".text\n.globl f\n.type f,@function\nf:\n  ret\n"
                      ".section .rodata,\"a\",@progbits\n"
                      ".reloc ., R_RISCV_ADD32, f\n.word 0\n";
    assert_int_equal(asm_image(TRIPLE, FEATURES, add, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_RISCV_ADD32"));
    assert_non_null(strstr(err.message, "SUB"));
    /* A PCREL_LO12 whose label carries no HI20. */
    const char *lo = ".text\n.globl f\n.type f,@function\nf:\n"
                     ".Lno: nop\n"
                     "  .reloc ., R_RISCV_PCREL_LO12_I, .Lno\n  addi a0, a0, 0\n  ret\n";
    assert_int_equal(asm_image(TRIPLE, FEATURES, lo, &img, &err), KILN_ERR_CODEGEN);
    assert_non_null(strstr(err.message, "PCREL_HI20"));
    /* Thread-local storage has no place in an image. */
    const char *tls = ".text\n.globl f\n.type f,@function\nf:\n"
                      "  lui a0, %tprel_hi(tv)\n  ret\n";
    assert_int_equal(asm_image(TRIPLE, FEATURES, tls, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_RISCV_TPREL_HI20"));
}

/* Real modules: every optimisation level and -Os, the baseline (relax
 * off) and with +relax. */
static void test_reloc_riscv64_compile_levels(void **state)
{
    (void)state;
    /* (func (param f64 i32) (result f64)): a br_table choosing f64.nearest,
     * f64.ceil or f64.load + f64.add. */
    static const uint8_t wasm[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7c,
        0x7f, 0x01, 0x7c, 0x03, 0x02, 0x01, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x05,
        0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x24, 0x01, 0x22, 0x00, 0x02, 0x40, 0x02, 0x40,
        0x02, 0x40, 0x20, 0x01, 0x0e, 0x02, 0x00, 0x01, 0x02, 0x0b, 0x20, 0x00, 0x9e, 0x0f,
        0x0b, 0x20, 0x00, 0x9b, 0x0f, 0x0b, 0x20, 0x01, 0x2b, 0x03, 0x08, 0x20, 0x00, 0xa0,
        0x0b};
    for (unsigned relax = 0; relax <= 1; relax++) {
        for (unsigned level = 0; level <= 4; level++) {
            kilnc_options o;
            kilnc_options_init(&o);
            o.target_triple = "riscv64-linux-gnu";
            if (relax)
                o.cpu_features = "+m,+a,+f,+d,+c,+relax";
            o.opt_level = level < 4 ? level : 2;
            o.size_level = level < 4 ? 0 : 1;
            uint8_t *out = NULL;
            size_t size = 0;
            kiln_error err;
            kiln_status st = kilnc_compile(wasm, sizeof wasm, &o, &out, &size, &err);
            if (st != KILN_OK)
                print_error("relax %u level %u: %s\n", relax, level, err.message);
            assert_int_equal(st, KILN_OK);
            kilnc_buffer_free(out);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloc_riscv64_pairs),
        cmocka_unit_test(test_reloc_riscv64_relaxation),
        cmocka_unit_test(test_reloc_riscv64_limits),
        cmocka_unit_test(test_reloc_riscv64_refused),
        cmocka_unit_test(test_reloc_riscv64_compile_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
