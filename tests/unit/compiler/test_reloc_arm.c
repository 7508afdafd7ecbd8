/*
 * 32-bit Arm (Thumb-2) relocations (compiler/emit/reloc_arm.c with
 * object.c): the instruction encodings of BL/B.W, B<c>.W and MOVW/MOVT,
 * then every kind LLVM emits for kiln's code, each resolved in an image
 * built from real objects (IR and module-level assembly compiled by LLVM
 * for thumbv7-linux-gnueabihf, PIC, as the compiler does): calls through
 * stubs, branches between objects, PC-relative MOVW/MOVT pairs, data
 * (ABS32 records, REL32 and PREL31 resolved), the unwind tables left out,
 * and the refusals (absolute addresses in code, branches beyond reach).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/TargetMachine.h>

#include "emit/emit.h"
#include "emit/image.h"
#include "ir_image.h"
#include "kiln_common.h"
#include "kiln_compiler.h"

#define TRIPLE "thumbv7-unknown-linux-gnueabihf"

/* ---- encodings -------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t hi, uint16_t lo)
{
    p[0] = (uint8_t)hi;
    p[1] = (uint8_t)(hi >> 8);
    p[2] = (uint8_t)lo;
    p[3] = (uint8_t)(lo >> 8);
}

static uint16_t hw(const uint8_t *p, unsigned i)
{
    return kiln_read_u16le(p + 2 * i);
}

/* Known encodings (from llvm-mc), then every bit of the field both ways. */
static void test_thumb_branch24(void **state)
{
    (void)state;
    uint8_t p[4];
    put16(p, 0xF7FF, 0xFFFE); /* bl . (offset -4 from PC) */
    assert_int_equal(emit_thumb_branch24_get(p), -4);
    put16(p, 0xF000, 0xF800); /* bl to PC + 0 */
    assert_int_equal(emit_thumb_branch24_get(p), 0);
    put16(p, 0xF7FF, 0xBFFE); /* b.w . */
    assert_int_equal(emit_thumb_branch24_get(p), -4);

    const int64_t values[] = {0, 2, -2, 0x1234, -0x1234, 0x400000, 0x800000, -0x800000,
                              0xFFFFFE, -0x1000000, 0x2AAAAA, -0x555556};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        put16(p, 0xF000, 0xD000); /* bl, offset 0 bits cleared */
        assert_true(emit_thumb_branch24_set(p, values[i]));
        assert_int_equal(emit_thumb_branch24_get(p), values[i]);
        assert_int_equal(hw(p, 0) & 0xF800u, 0xF000u); /* opcode bits kept */
        assert_int_equal(hw(p, 1) & 0xD000u, 0xD000u); /* BL, not BLX */
        put16(p, 0xF000, 0x9000);                     /* b.w */
        assert_true(emit_thumb_branch24_set(p, values[i]));
        assert_int_equal(emit_thumb_branch24_get(p), values[i]);
        assert_int_equal(hw(p, 1) & 0xD000u, 0x9000u);
    }
    /* +-16 MiB, even only; a refused value leaves the instruction alone. */
    put16(p, 0xF7FF, 0xFFFE);
    assert_false(emit_thumb_branch24_set(p, 0x1000000));
    assert_false(emit_thumb_branch24_set(p, -0x1000002));
    assert_false(emit_thumb_branch24_set(p, 3));
    assert_int_equal(emit_thumb_branch24_get(p), -4);
}

static void test_thumb_branch19(void **state)
{
    (void)state;
    uint8_t p[4];
    put16(p, 0xF43F, 0xAFFE); /* beq.w . */
    assert_int_equal(emit_thumb_branch19_get(p), -4);
    const int64_t values[] = {0, 2, -2, 0x40000, 0x80000, -0x80000, 0xFFFFE, -0x100000,
                              0x2AAAA, -0x55556};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        put16(p, 0xF040, 0x8000); /* bne.w (cond 0001) */
        assert_true(emit_thumb_branch19_set(p, values[i]));
        assert_int_equal(emit_thumb_branch19_get(p), values[i]);
        assert_int_equal((hw(p, 0) >> 6) & 0xFu, 1u); /* condition kept */
        assert_int_equal(hw(p, 1) & 0xD000u, 0x8000u);
    }
    assert_false(emit_thumb_branch19_set(p, 0x100000));
    assert_false(emit_thumb_branch19_set(p, -0x100002));
    assert_false(emit_thumb_branch19_set(p, 1));
}

static void test_thumb_mov16(void **state)
{
    (void)state;
    uint8_t p[4];
    put16(p, 0xF241, 0x2334); /* movw r3, #0x1234 */
    assert_int_equal(emit_thumb_mov16_get(p), 0x1234);
    put16(p, 0xF64F, 0x70F4); /* movw r0, #0xfff4 */
    assert_int_equal(emit_thumb_mov16_get(p), 0xFFF4);
    for (uint32_t bit = 0; bit < 16; bit++) {
        put16(p, 0xF2C0, 0x0500); /* movt r5, #0 */
        emit_thumb_mov16_set(p, 1u << bit);
        assert_int_equal(emit_thumb_mov16_get(p), 1u << bit);
        assert_int_equal(hw(p, 0) & 0xFBF0u, 0xF2C0u);
        assert_int_equal(hw(p, 1) & 0x8F00u, 0x0500u); /* Rd kept */
    }
}

/* ---- objects -------------------------------------------------------------- */

/* The helpers of ir_image.h for Thumb-2 code as kiln's armhf baseline. */
static LLVMMemoryBufferRef compile_ir(const char *ir)
{
    return ir_object(TRIPLE, "generic", "+vfp3d16,+thumb2", ir);
}

static kiln_status image_from_irs(const char *const *irs, uint32_t count, emit_image **out,
                                  kiln_error *err)
{
    return ir_image(TRIPLE, "generic", "+vfp3d16,+thumb2", irs, count, out, err);
}

static kiln_status image_from_ir(const char *ir, emit_image **out, kiln_error *err)
{
    return image_from_irs(&ir, 1, out, err);
}

/* An image that must build; prints the error otherwise. */
static emit_image *must_build(const char *const *irs, uint32_t count)
{
    emit_image *img = NULL;
    kiln_error err;
    kiln_status st = image_from_irs(irs, count, &img, &err);
    if (st != KILN_OK)
        print_error("image: %s\n", err.message);
    assert_int_equal(st, KILN_OK);
    return img;
}

static const emit_symbol *must_find(const emit_image *img, const char *name)
{
    const emit_symbol *s = emit_image_find(img, name);
    assert_non_null(s);
    return s;
}

/* Image offset a BL/B.W at image offset at reaches (Thumb: PC = at + 4). */
static int64_t branch24_target(const emit_image *img, uint32_t at)
{
    return (int64_t)at + 4 + emit_thumb_branch24_get(img->bytes + at);
}

/* Module-level assembly wrapped in IR. */
#define ASM(text) "module asm \".syntax unified\"\nmodule asm \".thumb\"\n" text

/* A Thumb function symbol is odd (its entry point); calls between objects
 * (THM_CALL), a tail jump (THM_JUMP24) and a conditional one (THM_JUMP19)
 * land on the callee's first instruction; no records remain. */
static void test_arm_branches_between_objects(void **state)
{
    (void)state;
    const char *irs[2] = {
        ASM("module asm \".text\"\n"
            "module asm \".globl a\"\nmodule asm \".type a,%function\"\n"
            "module asm \".thumb_func\"\nmodule asm \"a:\"\n"
            "module asm \"  bl b\"\n"      /* +0 */
            "module asm \"  cmp r0, #0\"\n" /* +4 */
            "module asm \"  beq.w b\"\n"   /* +6 */
            "module asm \"  b.w b\"\n"     /* +10 */
            "module asm \".size a, .-a\"\n"),
        ASM("module asm \".text\"\n"
            "module asm \".globl b\"\nmodule asm \".type b,%function\"\n"
            "module asm \".thumb_func\"\nmodule asm \"b:\"\n"
            "module asm \"  bx lr\"\nmodule asm \".size b, .-b\"\n")};
    emit_image *img = must_build(irs, 2);
    const emit_symbol *a = must_find(img, "a");
    const emit_symbol *b = must_find(img, "b");
    assert_int_equal(a->offset & 1u, 1u);
    assert_int_equal(b->offset & 1u, 1u);
    uint32_t a0 = a->offset - 1, b0 = b->offset - 1;
    assert_int_equal(branch24_target(img, a0), b0);
    assert_int_equal(hw(img->bytes + a0, 1) & 0xD000u, 0xD000u); /* still BL */
    assert_int_equal(a0 + 6 + 4 + emit_thumb_branch19_get(img->bytes + a0 + 6), b0);
    assert_int_equal(branch24_target(img, a0 + 10), b0);
    assert_int_equal(img->reloc_count, 0);
    emit_image_free(img);
}

/* A call to an external symbol reaches its stub (THM_CALL), which forms the
 * GOT slot's address PC-relatively and loads PC from it; the slot is the
 * only record (ABS32). The .ARM.exidx entries (PREL31) are left out. */
static void test_arm_external_call_stub(void **state)
{
    (void)state;
    const char *ir = "declare double @floor(double)\n"
                     "define hidden double @kiln_f0(double %x) noinline {\n"
                     "  %a = call double @floor(double %x)\n"
                     "  %b = fadd double %a, %x\n"
                     "  ret double %b }\n";
    emit_image *img = must_build(&ir, 1);
    assert_int_equal(img->extern_count, 1);
    assert_string_equal(img->externs[0], "floor");
    assert_int_equal(img->reloc_count, 1);
    const emit_reloc *slot = &img->relocs[0];
    assert_int_equal(slot->kind, KILN_RELOC_ABS32);
    assert_int_equal(slot->addend, 0);
    assert_true(slot->offset >= img->exec_size && slot->offset + 4 <= img->image_size);

    const emit_symbol *f = must_find(img, "kiln_f0");
    int64_t stub = -1;
    for (uint32_t p = f->offset - 1; p + 4 <= f->offset - 1 + f->size; p += 2) {
        if ((hw(img->bytes + p, 0) & 0xF800u) == 0xF000u &&
            (hw(img->bytes + p, 1) & 0xD000u) == 0xD000u) {
            stub = branch24_target(img, p);
            break;
        }
    }
    assert_true(stub > 0 && stub % 16 == 0 && stub + 16 <= img->exec_size);
    const uint8_t *s = img->bytes + stub;
    uint32_t delta = emit_thumb_mov16_get(s) | (emit_thumb_mov16_get(s + 4) << 16);
    assert_int_equal(hw(s, 4), 0x44FC);                              /* add ip, pc */
    assert_int_equal((uint32_t)(stub + 12) + delta, slot->offset);   /* pc = stub + 12 */
    assert_int_equal(hw(s, 5), 0xF8DC);                              /* ldr.w pc, [ip] */
    assert_int_equal(hw(s, 6), 0xF000);
    emit_image_free(img);
}

/* MOVW/MOVT_PREL pairs (execute-only style address formation) and data:
 * REL32 and PREL31 resolved in place (PREL31 keeps bit 31), ABS32 becomes a
 * loader record carrying the Thumb bit of a function. */
static void test_arm_movw_movt_and_data(void **state)
{
    (void)state;
    const char *ir =
        ASM("module asm \".text\"\n"
            "module asm \".globl f\"\nmodule asm \".type f,%function\"\n"
            "module asm \".thumb_func\"\nmodule asm \"f:\"\n"
            "module asm \"  movw r0, #:lower16:(tab - (1f + 4))\"\n"
            "module asm \"  movt r0, #:upper16:(tab - (1f + 4))\"\n"
            "module asm \"1: add r0, pc\"\n"
            "module asm \"  bx lr\"\nmodule asm \".size f, .-f\"\n"
            "module asm \".section .rodata,\\22a\\22\"\n"
            "module asm \".p2align 2\"\n"
            "module asm \"tab: .long f\"\n"
            "module asm \"  .long tab - .\"\n"
            "module asm \"  .long 0x80000000 + f(prel31)\"\n");
    emit_image *img = must_build(&ir, 1);
    const emit_symbol *f = must_find(img, "f");
    uint32_t f0 = f->offset - 1;
    const uint8_t *code = img->bytes + f0;
    uint32_t delta = emit_thumb_mov16_get(code) | (emit_thumb_mov16_get(code + 4) << 16);
    uint32_t tab = f0 + 8 + 4 + delta; /* add r0, pc at +8: PC = +12 */
    assert_true(tab >= img->exec_size && tab + 12 <= img->image_size);

    assert_int_equal(img->reloc_count, 1);
    assert_int_equal(img->relocs[0].kind, KILN_RELOC_ABS32);
    assert_int_equal(img->relocs[0].offset, tab);
    assert_int_equal(img->relocs[0].symbol, KILN_RELOC_SYM_IMAGE);
    assert_int_equal(img->relocs[0].addend, f->offset); /* odd: a Thumb address */
    assert_int_equal((int32_t)kiln_read_u32le(img->bytes + tab + 4), -4);
    uint32_t prel31 = kiln_read_u32le(img->bytes + tab + 8);
    assert_int_equal(prel31 >> 31, 1u);
    int32_t off31 = (int32_t)(prel31 << 1) >> 1;
    assert_int_equal((int64_t)tab + 8 + off31, f->offset);
    emit_image_free(img);
}

/* An absolute address inside an instruction, or an ABS32 word in code, is
 * refused by name: the loader never patches code. */
static void test_arm_absolute_in_code_refused(void **state)
{
    (void)state;
    const char *movw = ASM("module asm \".text\"\nmodule asm \"f:\"\n"
                           "module asm \"  movw r0, #:lower16:g\"\n"
                           "module asm \"  movt r0, #:upper16:g\"\n"
                           "module asm \"  bx lr\"\nmodule asm \"g: bx lr\"\n");
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_ir(movw, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_ARM_THM_MOVW_ABS_NC"));
    const char *word = ASM("module asm \".text\"\nmodule asm \"f: bx lr\"\n"
                           "module asm \".p2align 2\"\nmodule asm \"  .long f\"\n");
    assert_int_equal(image_from_ir(word, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_ARM_ABS32"));
    assert_non_null(strstr(err.message, "never patches"));
}

/* A BL beyond +-16 MiB (an image with more code than that between caller
 * and callee) is refused at build time, naming the kind, the symbol and the
 * distance; no veneer is made. */
static void test_arm_call_out_of_reach(void **state)
{
    (void)state;
    const char *irs[2] = {
        ASM("module asm \".text\"\nmodule asm \".globl a\"\n"
            "module asm \".thumb_func\"\nmodule asm \"a: bl far\"\n"
            "module asm \"  .space 0x1000000\"\n"),
        ASM("module asm \".text\"\nmodule asm \".globl far\"\n"
            "module asm \".type far,%function\"\n"
            "module asm \".thumb_func\"\nmodule asm \"far: bx lr\"\n")};
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_irs(irs, 2, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_ARM_THM_CALL"));
    assert_non_null(strstr(err.message, "'far'"));
    assert_non_null(strstr(err.message, "16777216"));
}

/* Links with emit_image_options.xip. */
static kiln_status xip_image(const char *ir, emit_image **out, kiln_error *err)
{
    LLVMMemoryBufferRef obj = compile_ir(ir);
    const uint8_t *bytes = (const uint8_t *)LLVMGetBufferStart(obj);
    size_t size = LLVMGetBufferSize(obj);
    emit_image_options options = {.xip = true};
    kiln_status st = emit_image_link(&bytes, &size, 1, &options, out, err);
    LLVMDisposeMemoryBuffer(obj);
    return st;
}

/* XIP: a libcall goes through a stub "ldr.w pc, [r9, #4*id]" with id the
 * name's index in KILN_LIBCALLS; no GOT, no record, and the externs list
 * still names it for the loader's check. */
static void test_arm_xip_libcall_stub(void **state)
{
    (void)state;
    const char *ir = "declare double @floor(double)\n"
                     "define hidden double @kiln_f0(double %x) noinline {\n"
                     "  %a = call double @floor(double %x)\n"
                     "  %b = fadd double %a, %x\n"
                     "  ret double %b }\n";
    emit_image *img = NULL;
    kiln_error err;
    kiln_status st = xip_image(ir, &img, &err);
    if (st != KILN_OK)
        print_error("%s\n", err.message);
    assert_int_equal(st, KILN_OK);
    assert_int_equal(img->reloc_count, 0);
    assert_int_equal(img->extern_count, 1);
    assert_string_equal(img->externs[0], "floor");
    const emit_symbol *f = must_find(img, "kiln_f0");
    int64_t stub = -1;
    for (uint32_t p = f->offset - 1; p + 4 <= f->offset - 1 + f->size; p += 2) {
        if ((hw(img->bytes + p, 0) & 0xF800u) == 0xF000u &&
            (hw(img->bytes + p, 1) & 0xD000u) == 0xD000u) {
            stub = branch24_target(img, p);
            break;
        }
    }
    assert_true(stub > 0 && stub + 4 <= img->exec_size);
#define INDEX_OF(name) #name,
    static const char *const names[] = {KILN_LIBCALLS(INDEX_OF)};
    uint32_t floor_index = 0;
    while (strcmp(names[floor_index], "floor") != 0)
        floor_index++;
    assert_int_equal(hw(img->bytes + stub, 0), 0xF8D9);                   /* ldr.w pc, [r9, */
    assert_int_equal(hw(img->bytes + stub, 1), 0xF000 | (4 * floor_index)); /* #4*id] */
    emit_image_free(img);
}

/* XIP refuses, by name, what the loader would have to write: an address in
 * read-only data (ABS32), a GOT reference, and a call to a symbol that is
 * not a libcall. */
static void test_arm_xip_refusals(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    const char *abs = ASM("module asm \".text\"\nmodule asm \".globl f\"\n"
                          "module asm \".type f,%function\"\n"
                          "module asm \".thumb_func\"\nmodule asm \"f: bx lr\"\n"
                          "module asm \".section .rodata,\\22a\\22\"\n"
                          "module asm \".p2align 2\"\nmodule asm \"  .long f\"\n");
    assert_int_equal(xip_image(abs, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "--xip"));
    assert_non_null(strstr(err.message, "R_ARM_ABS32"));
    assert_non_null(strstr(err.message, ".rodata"));
    /* Without --xip the same object links, with a loader record. */
    assert_int_equal(image_from_ir(abs, &img, &err), KILN_OK);
    assert_int_equal(img->reloc_count, 1);
    emit_image_free(img);

    const char *got = ASM("module asm \".text\"\nmodule asm \"f:\"\n"
                          "module asm \"  ldr r0, 1f\"\nmodule asm \"  bx lr\"\n"
                          "module asm \".p2align 2\"\n"
                          "module asm \"1: .long ext(GOT_PREL)\"\n");
    assert_int_equal(xip_image(got, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_ARM_GOT_PREL"));
    assert_non_null(strstr(err.message, "'ext'"));

    const char *call = ASM("module asm \".text\"\nmodule asm \".thumb_func\"\n"
                           "module asm \"f: bl not_a_libcall\"\n");
    assert_int_equal(xip_image(call, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "'not_a_libcall'"));
}

/* Compiles an empty module for armv7-linux-gnueabihf with cpu (NULL: the
 * baseline) and features; on success copies the container's recorded CPU
 * features into recorded (cap bytes, NUL-terminated). */
static kiln_status compile_empty_armv7(const char *cpu, const char *features, char *recorded,
                                       size_t cap, kiln_error *err)
{
    static const uint8_t empty[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    kilnc_options o;
    kilnc_options_init(&o);
    o.target_triple = "armv7-linux-gnueabihf";
    o.cpu = cpu;
    o.cpu_features = features;
    uint8_t *out = NULL;
    size_t size = 0;
    kiln_status st = kilnc_compile(empty, sizeof empty, &o, &out, &size, err);
    if (st != KILN_OK)
        return st;
    uint32_t off = kiln_read_u32le(out + KILN_AOT_OFF_CPU_FEATURES);
    uint32_t len = kiln_read_u32le(out + KILN_AOT_OFF_CPU_FEATURES + 4);
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(recorded, out + off, n);
    recorded[n] = '\0';
    kilnc_buffer_free(out);
    return KILN_OK;
}

/* armv7 code never uses NEON (its f32 arithmetic flushes denormals, which
 * wasm forbids): asking for it is refused, and a NEON CPU compiles
 * without it. */
static void test_arm_neon_refused(void **state)
{
    (void)state;
    char recorded[1024];
    kiln_error err;
    assert_int_equal(compile_empty_armv7("cortex-a7", "+neon", recorded, sizeof recorded, &err),
                     KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "denormals"));
    assert_int_equal(compile_empty_armv7("cortex-a7", NULL, recorded, sizeof recorded, &err),
                     KILN_OK);
    assert_null(strstr(recorded, "neon"));
    assert_non_null(strstr(recorded, "+vfp4"));
}

/* A --cpu-features list of any length is taken whole: its last entry
 * (+vfp4) counts, and what 32-bit Arm code needs (-neon) is still added.
 * The list once went through fixed 512- and 600-byte buffers, which cut it
 * and dropped the end silently. */
static void test_arm_long_feature_list(void **state)
{
    (void)state;
    char features[1024] = ""; /* 100 times "+vfp3d16", then +vfp4: 905 bytes */
    for (int i = 0; i < 100; i++)
        strcat(features, "+vfp3d16,");
    strcat(features, "+vfp4");
    assert_true(strlen(features) > 600 && strlen(features) < sizeof features);
    char recorded[1024];
    kiln_error err;
    if (compile_empty_armv7(NULL, features, recorded, sizeof recorded, &err) != KILN_OK)
        fail_msg("%s", err.message);
    assert_null(strstr(recorded, "neon"));
    assert_non_null(strstr(recorded, "+vfp4"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thumb_branch24),
        cmocka_unit_test(test_thumb_branch19),
        cmocka_unit_test(test_thumb_mov16),
        cmocka_unit_test(test_arm_branches_between_objects),
        cmocka_unit_test(test_arm_external_call_stub),
        cmocka_unit_test(test_arm_movw_movt_and_data),
        cmocka_unit_test(test_arm_absolute_in_code_refused),
        cmocka_unit_test(test_arm_call_out_of_reach),
        cmocka_unit_test(test_arm_xip_libcall_stub),
        cmocka_unit_test(test_arm_xip_refusals),
        cmocka_unit_test(test_arm_neon_refused),
        cmocka_unit_test(test_arm_long_feature_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
