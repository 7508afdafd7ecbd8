/*
 * aarch64 relocations resolved at build time (compiler/emit/reloc_aarch64.c
 * through object.c): one object assembled with every kind LLVM emits, each
 * patched field decoded and checked against the image offsets; calls to
 * externals through stubs and GOT slots; the range and alignment limits
 * of each encoding; refused kinds named; real modules compiled for
 * aarch64 at every optimisation level.
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

#define TRIPLE "aarch64-unknown-linux-gnu"

static const char every_kind[] =
    ".section .text.a,\"ax\",@progbits\n"
    ".globl fa\n.type fa,@function\n"
    "fa:\n"
    "  bl fb\n"                             /* +0  CALL26 */
    "  b fb\n"                              /* +4  JUMP26 */
    "  bl ext_fn\n"                         /* +8  CALL26 to a stub */
    "  adrp x0, d8\n"                       /* +12 ADR_PREL_PG_HI21 */
    "  add x0, x0, :lo12:d8\n"              /* +16 ADD_ABS_LO12_NC */
    "  ldrb w1, [x0, :lo12:d1]\n"           /* +20 LDST8 */
    "  ldrh w1, [x0, :lo12:d2]\n"           /* +24 LDST16 */
    "  ldr w1, [x0, :lo12:d4]\n"            /* +28 LDST32 */
    "  ldr x1, [x0, :lo12:d8]\n"            /* +32 LDST64 */
    "  ldr q1, [x0, :lo12:d16]\n"           /* +36 LDST128 */
    "  adrp x2, :got:ext_data\n"            /* +40 ADR_GOT_PAGE */
    "  ldr x2, [x2, :got_lo12:ext_data]\n"  /* +44 LD64_GOT_LO12_NC */
    "  cbz x0, fb\n"                        /* +48 CONDBR19 */
    "  tbz x0, #3, fb\n"                    /* +52 TSTBR14 */
    "  adr x3, fb\n"                        /* +56 ADR_PREL_LO21 */
    "  ldr x4, lit\n"                       /* +60 LD_PREL_LO19 */
    "  b ext_fn\n"                          /* +64 JUMP26 to the same stub */
    "  ret\n"
    ".section .text.b,\"ax\",@progbits\n"
    ".globl fb\n.type fb,@function\n"
    "fb:\n  ret\n"
    ".section .rodata,\"a\",@progbits\n"
    ".p2align 4\n"
    "  .skip 0xff0\n" /* d16 lands near a page end, d8.. on the next page */
    ".type d16,@function\nd16: .quad 1, 2\n"
    ".type d8,@function\nd8: .quad 3\n"
    ".type d4,@function\nd4: .word 4\n"
    ".type d2,@function\nd2: .hword 5\n"
    ".type d1,@function\nd1: .byte 6\n"
    ".p2align 3\n"
    ".type p32,@function\np32: .word fb - .\n"   /* PREL32 */
    ".type p64,@function\np64: .xword fb - .\n"  /* PREL64 */
    ".type lit,@function\nlit: .xword 7\n"
    ".section .data.rel.ro,\"aw\",@progbits\n"
    ".type a64,@function\na64: .xword fb + 8\n"; /* ABS64 */

/* Target of the branch at off, decoding imm `bits` at bit `lsb`, scaled 4. */
static uint64_t branch_target(const emit_image *img, uint32_t off, unsigned lsb, unsigned bits)
{
    uint32_t insn = insn_at(img, off);
    uint64_t imm = (insn >> lsb) & ((1u << bits) - 1u);
    return (uint64_t)((int64_t)off + sign_extend(imm, bits) * 4);
}

static int64_t adr_imm(uint32_t insn)
{
    uint64_t v = ((insn >> 29) & 3u) | (((insn >> 5) & 0x7FFFFu) << 2);
    return sign_extend(v, 21);
}

/* Address an ADRP at off computes (image offsets; the image is page
 * aligned at run time). */
static uint64_t adrp_page(const emit_image *img, uint32_t off)
{
    return (uint64_t)((int64_t)(off & ~0xFFFu) + adr_imm(insn_at(img, off)) * 4096);
}

static uint32_t lo12_of(const emit_image *img, uint32_t off, unsigned shift)
{
    return ((insn_at(img, off) >> 10) & 0xFFFu) << shift;
}

/* The GOT slot a stub (adrp x16; ldr x16, [x16, lo12]; br x16) jumps through. */
static uint64_t stub_slot(const emit_image *img, uint32_t stub)
{
    assert_int_equal(insn_at(img, stub + 8), 0xD61F0200u); /* br x16 */
    return adrp_page(img, stub) + lo12_of(img, stub + 4, 3);
}

static void test_reloc_aarch64_every_kind(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(asm_image(TRIPLE, "+neon", every_kind, &img, &err), KILN_OK);
    assert_true(img->image_align >= 4096);
    uint32_t fa = sym_offset(img, "fa"), fb = sym_offset(img, "fb");
    assert_int_equal(branch_target(img, fa + 0, 0, 26), fb);
    assert_int_equal(branch_target(img, fa + 4, 0, 26), fb);
    assert_int_equal(branch_target(img, fa + 48, 5, 19), fb);
    assert_int_equal(branch_target(img, fa + 52, 5, 14), fb);
    assert_int_equal((uint64_t)((int64_t)(fa + 56) + adr_imm(insn_at(img, fa + 56))), fb);
    assert_int_equal(branch_target(img, fa + 60, 5, 19), sym_offset(img, "lit"));

    uint32_t d8 = sym_offset(img, "d8");
    assert_int_equal(adrp_page(img, fa + 12), d8 & ~0xFFFu);
    assert_int_equal(lo12_of(img, fa + 16, 0), d8 & 0xFFFu);
    assert_int_equal(lo12_of(img, fa + 20, 0), sym_offset(img, "d1") & 0xFFFu);
    assert_int_equal(lo12_of(img, fa + 24, 1), sym_offset(img, "d2") & 0xFFFu);
    assert_int_equal(lo12_of(img, fa + 28, 2), sym_offset(img, "d4") & 0xFFFu);
    assert_int_equal(lo12_of(img, fa + 32, 3), d8 & 0xFFFu);
    assert_int_equal(lo12_of(img, fa + 36, 4), sym_offset(img, "d16") & 0xFFFu);

    /* The GOT pair names ext_data's slot, filled by an ABS64 record. */
    uint32_t data_slot = got_slot_of(img, "ext_data");
    assert_int_equal(adrp_page(img, fa + 40) + lo12_of(img, fa + 44, 3), data_slot);

    /* Both calls of ext_fn reach one stub in the code, through its slot. */
    uint64_t stub = branch_target(img, fa + 8, 0, 26);
    assert_int_equal(branch_target(img, fa + 64, 0, 26), stub);
    assert_true(stub < img->exec_size);
    assert_int_equal(stub_slot(img, (uint32_t)stub), got_slot_of(img, "ext_fn"));

    /* PC-relative data resolved in place; the absolute word left to the
     * loader as one ABS64 record against the image. */
    uint32_t p32 = sym_offset(img, "p32"), p64 = sym_offset(img, "p64");
    assert_int_equal((int32_t)kiln_read_u32le(img->bytes + p32), (int64_t)fb - p32);
    assert_int_equal((int64_t)kiln_read_u64le(img->bytes + p64), (int64_t)fb - p64);
    uint32_t a64 = sym_offset(img, "a64");
    bool found = false;
    for (uint32_t i = 0; i < img->reloc_count; i++)
        if (img->relocs[i].offset == a64) {
            assert_int_equal(img->relocs[i].kind, KILN_RELOC_ABS64);
            assert_int_equal(img->relocs[i].symbol, KILN_RELOC_SYM_IMAGE);
            assert_int_equal(img->relocs[i].addend, fb + 8);
            found = true;
        }
    assert_true(found);
    /* Only data is relocated by the loader: no record inside the code. */
    for (uint32_t i = 0; i < img->reloc_count; i++)
        assert_true(img->relocs[i].offset >= img->exec_size);
    emit_image_free(img);
}

static const emit_reloc_type *type_of(uint32_t elf_type)
{
    for (size_t i = 0; i < emit_reloc_aarch64.type_count; i++)
        if (emit_reloc_aarch64.types[i].type == elf_type)
            return &emit_reloc_aarch64.types[i];
    fail();
    return NULL;
}

/* Each encoding at the edges of its range and alignment. */
static void test_reloc_aarch64_limits(void **state)
{
    (void)state;
    uint8_t insn[8];
    bool (*write)(uint8_t *, const emit_reloc_type *, int64_t) = emit_reloc_aarch64.write_pcrel;
    static const struct {
        uint32_t type;
        int64_t ok_hi, ok_lo, bad_hi, bad_lo, misaligned;
    } cases[] = {
        {R_AARCH64_CALL26, (1 << 27) - 4, -(1 << 27), 1 << 27, -(1 << 27) - 4, 2},
        {R_AARCH64_JUMP26, (1 << 27) - 4, -(1 << 27), 1 << 27, -(1 << 27) - 4, 2},
        {R_AARCH64_CONDBR19, (1 << 20) - 4, -(1 << 20), 1 << 20, -(1 << 20) - 4, 1},
        {R_AARCH64_TSTBR14, (1 << 15) - 4, -(1 << 15), 1 << 15, -(1 << 15) - 4, 2},
        {R_AARCH64_ADR_PREL_PG_HI21, (INT64_C(1) << 32) - 4096, -(INT64_C(1) << 32),
         INT64_C(1) << 32, -(INT64_C(1) << 32) - 4096, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const emit_reloc_type *t = type_of(cases[i].type);
        memset(insn, 0, sizeof insn);
        assert_true(write(insn, t, cases[i].ok_hi));
        assert_true(write(insn, t, cases[i].ok_lo));
        assert_false(write(insn, t, cases[i].bad_hi));
        assert_false(write(insn, t, cases[i].bad_lo));
        assert_false(write(insn, t, cases[i].misaligned));
    }
    /* Scaled low-12 fields refuse an offset their scale cannot hold. */
    assert_true(write(insn, type_of(R_AARCH64_LDST64_ABS_LO12_NC), 0xFF8));
    assert_false(write(insn, type_of(R_AARCH64_LDST64_ABS_LO12_NC), 0xFF4));
    assert_false(write(insn, type_of(R_AARCH64_LDST128_ABS_LO12_NC), 0x8));
    assert_true(write(insn, type_of(R_AARCH64_LDST16_ABS_LO12_NC), 0x2));
    assert_false(write(insn, type_of(R_AARCH64_LDST16_ABS_LO12_NC), 0x1));
    /* A call's immediate keeps the opcode bits. */
    kiln_write_u32le(insn, 0x94000000u); /* bl . */
    assert_true(write(insn, type_of(R_AARCH64_CALL26), -8));
    assert_int_equal(kiln_read_u32le(insn), 0x97FFFFFEu);
}

/* A misaligned scaled load is refused at build time with the kind named. */
static void test_reloc_aarch64_misaligned_refused(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    const char *text = ".text\n.globl f\n.type f,@function\nf:\n"
                       "  adrp x0, odd\n  ldr x1, [x0, :lo12:odd]\n  ret\n"
                       ".section .rodata,\"a\",@progbits\n.p2align 3\n.byte 0\nodd: .quad 1\n";
    assert_int_equal(asm_image(TRIPLE, "", text, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_AARCH64_LDST64_ABS_LO12_NC"));
}

/* Kinds a moving PIC image cannot hold are refused by name. */
static void test_reloc_aarch64_refused_named(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    const char *text = ".text\n.globl f\n.type f,@function\nf:\n"
                       "  movz x0, #:abs_g0:ext_sym\n  ret\n";
    assert_int_equal(asm_image(TRIPLE, "", text, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_AARCH64_MOVW_UABS_G0"));
}

/* Real modules: every optimisation level and -Os write an aarch64
 * container (a float-heavy module with libcalls, a br_table, memory). */
static void test_reloc_aarch64_compile_levels(void **state)
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
    for (unsigned level = 0; level <= 4; level++) {
        kilnc_options o;
        kilnc_options_init(&o);
        o.target_triple = "aarch64-linux-gnu";
        o.opt_level = level < 4 ? level : 2;
        o.size_level = level < 4 ? 0 : 1;
        uint8_t *out = NULL;
        size_t size = 0;
        kiln_error err;
        kiln_status st = kilnc_compile(wasm, sizeof wasm, &o, &out, &size, &err);
        if (st != KILN_OK)
            print_error("level %u: %s\n", level, err.message);
        assert_int_equal(st, KILN_OK);
        kilnc_buffer_free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloc_aarch64_every_kind),
        cmocka_unit_test(test_reloc_aarch64_limits),
        cmocka_unit_test(test_reloc_aarch64_misaligned_refused),
        cmocka_unit_test(test_reloc_aarch64_refused_named),
        cmocka_unit_test(test_reloc_aarch64_compile_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
