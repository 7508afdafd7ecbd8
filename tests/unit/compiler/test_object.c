/*
 * Object -> code image (compiler/emit/object.c): relocation normalisation
 * for each x86-64 kind LLVM emits, section placement, symbol offsets and
 * the refusals (writable data, relocation types the image cannot hold);
 * several objects linked into one image (calls, addresses and libcalls
 * between them, duplicate and local names).
 *
 * Objects are produced from small hand-written LLVM IR through the same
 * target machine the compiler uses (x86_64-unknown-linux-gnu, PIC, small
 * code model), so the tests see exactly what LLVM really emits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <elf.h>

#include "emit/image.h"
#include "kiln_common.h"
#include "kiln_compiler.h"

/*
 * The unit-test build does not put LLVM's include directory on the path
 * (only libkilnc has it), so without it this file declares the few LLVM-C
 * functions it uses, exactly as llvm-c/*.h of LLVM 19 does.
 */
#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/TargetMachine.h>

#include "emit/emit.h"
#include "ir_image.h"

#define TRIPLE "x86_64-unknown-linux-gnu"

/* The helpers of ir_image.h for this file's target. */
static LLVMMemoryBufferRef compile_ir(const char *ir)
{
    return ir_object(TRIPLE, "x86-64", "", ir);
}

/* Compiles each IR module and builds one image from all their objects. */
static kiln_status image_from_irs(const char *const *irs, uint32_t count, emit_image **out,
                                  kiln_error *err)
{
    return ir_image(TRIPLE, "x86-64", "", irs, count, out, err);
}

static kiln_status image_from_ir(const char *ir, emit_image **out, kiln_error *err)
{
    LLVMMemoryBufferRef obj = compile_ir(ir);
    kiln_status st = emit_image_from_object((const uint8_t *)LLVMGetBufferStart(obj),
                                            LLVMGetBufferSize(obj), out, err);
    LLVMDisposeMemoryBuffer(obj);
    return st;
}

static const emit_reloc *find_reloc(const emit_image *img, kiln_reloc_kind kind,
                                    uint32_t symbol)
{
    for (uint32_t i = 0; i < img->reloc_count; i++)
        if (img->relocs[i].kind == kind && img->relocs[i].symbol == symbol)
            return &img->relocs[i];
    return NULL;
}

/* A symbol the image must have. */
static const emit_symbol *must_find(const emit_image *img, const char *name)
{
    const emit_symbol *s = emit_image_find(img, name);
    assert_non_null(s);
    return s;
}

static int32_t read_i32(const emit_image *img, uint32_t off)
{
    return (int32_t)kiln_read_u32le(img->bytes + off);
}

/* IR of a module whose function `name` calls floor, an external. */
#define FLOOR_CALLER(name)                                                      \
    "declare double @floor(double)\n"                                           \
    "define hidden double @" name "(double %x) noinline {\n"                    \
    "  %a = call double @floor(double %x)\n"                                    \
    "  %b = fadd double %a, %x\n"                                               \
    "  ret double %b }\n"

/* The GOT slot of the image's only external, floor, which is also its only
 * record (ABS64, no addend) and comes last. */
static uint32_t only_floor_slot(const emit_image *img)
{
    assert_int_equal(img->extern_count, 1);
    assert_string_equal(img->externs[0], "floor");
    assert_int_equal(img->reloc_count, 1);
    const emit_reloc *slot = &img->relocs[0];
    assert_int_equal(slot->kind, KILN_RELOC_ABS64);
    assert_int_equal(slot->symbol, 0);
    assert_int_equal(slot->addend, 0);
    assert_int_equal(slot->offset + 8, img->image_size);
    return slot->offset;
}

/* Whether f has a call (E8 rel32) that lands on image offset target. */
static bool calls(const emit_image *img, const emit_symbol *f, uint32_t target)
{
    for (uint32_t p = f->offset; p + 5 <= f->offset + f->size; p++)
        if (img->bytes[p] == 0xE8 && (int64_t)p + 5 + read_i32(img, p + 1) == target)
            return true;
    return false;
}

/* The stub that a call or tail jump in f reaches and that jumps through the
 * GOT slot at image offset slot (jmp *disp32(%rip)); -1 when there is none. */
static int64_t stub_called(const emit_image *img, const emit_symbol *f, uint32_t slot)
{
    for (uint32_t p = f->offset; p + 5 <= f->offset + f->size; p++) {
        if (img->bytes[p] != 0xE8 && img->bytes[p] != 0xE9)
            continue;
        int64_t stub = (int64_t)p + 5 + read_i32(img, p + 1);
        if (stub < 0 || stub + 6 > img->exec_size)
            continue;
        if (img->bytes[stub] != 0xFF || img->bytes[stub + 1] != 0x25)
            continue;
        if (stub + 6 + read_i32(img, (uint32_t)stub + 2) == slot)
            return stub;
    }
    return -1;
}

/* A call to a function defined in the object (PLT32) and a constant-pool
 * load (PC32 into .rodata) are both resolved in the image: no records. */
static void test_object_internal_pcrel_resolved(void **state)
{
    (void)state;
    const char *ir =
        "define hidden i32 @kiln_f1(i32 %x) noinline { %y = mul i32 %x, 3 ret i32 %y }\n"
        "define hidden double @kiln_f0(i32 %x) {\n"
        "  %c = call i32 @kiln_f1(i32 %x)\n"
        "  %d = sitofp i32 %c to double\n"
        "  %e = fadd double %d, 1.234567e+00\n"
        "  ret double %e }\n";
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_ir(ir, &img, &err), KILN_OK);
    assert_int_equal(img->reloc_count, 0);
    assert_int_equal(img->extern_count, 0);
    assert_true(img->exec_size < img->image_size); /* the constant pool */
    const emit_symbol *f0 = must_find(img, "kiln_f0");
    const emit_symbol *f1 = must_find(img, "kiln_f1");
    assert_true(f0->size > 0 && f1->size > 0);
    assert_true(f0->offset + f0->size <= img->exec_size);

    assert_true(calls(img, f0, f1->offset));
    /* The rodata constant's bits are in the read-only part. */
    double k = 1.234567;
    uint64_t bits;
    memcpy(&bits, &k, 8);
    bool found = false;
    for (uint32_t p = img->exec_size; p + 8 <= img->image_size; p++)
        found |= kiln_read_u64le(img->bytes + p) == bits;
    assert_true(found);
    /* The rip-relative load that reads it (disp32 resolved to the pool). */
    found = false;
    for (uint32_t p = f0->offset; p + 4 <= f0->offset + f0->size; p++) {
        int64_t target = (int64_t)p + 4 + read_i32(img, p);
        if (target >= img->exec_size && target + 8 <= img->image_size &&
            kiln_read_u64le(img->bytes + target) == bits)
            found = true;
    }
    assert_true(found);
    emit_image_free(img);
}

/* A call to an external symbol (PLT32) goes through a stub in the code:
 * the call lands on the stub, the stub jumps through the symbol's GOT slot
 * (jmp *disp32(%rip)), and the slot is the only relocation (ABS64). */
static void test_object_external_call(void **state)
{
    (void)state;
    const char *ir = FLOOR_CALLER("kiln_f0");
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_ir(ir, &img, &err), KILN_OK);
    uint32_t slot = only_floor_slot(img);
    const emit_symbol *f0 = must_find(img, "kiln_f0");
    assert_true(stub_called(img, f0, slot) >= f0->offset + f0->size);
    emit_image_free(img);
}

/* Taking an external function's address in PIC code goes through the GOT
 * (REX_GOTPCRELX): the image gets a GOT slot, the code points at it
 * PC-relatively, and the slot gets an ABS64 record for the symbol. */
static void test_object_got_external(void **state)
{
    (void)state;
    const char *ir =
        "declare void @memcpy_like(ptr)\n"
        "define hidden ptr @kiln_f0() { ret ptr @memcpy_like }\n";
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_ir(ir, &img, &err), KILN_OK);
    assert_int_equal(img->extern_count, 1);
    assert_string_equal(img->externs[0], "memcpy_like");
    assert_int_equal(img->reloc_count, 1);
    const emit_reloc *r = &img->relocs[0];
    assert_int_equal(r->kind, KILN_RELOC_ABS64);
    assert_int_equal(r->symbol, 0);
    assert_int_equal(r->addend, 0);
    assert_int_equal(r->offset % 8, 0);
    assert_true(r->offset >= img->exec_size);
    assert_int_equal(r->offset + 8, img->image_size); /* GOT is last */
    /* mov slot(%rip), %rax: 48 8B 05 disp32 */
    const emit_symbol *f0 = must_find(img, "kiln_f0");
    assert_int_equal(img->bytes[f0->offset], 0x48);
    assert_int_equal(img->bytes[f0->offset + 1], 0x8B);
    int64_t target = (int64_t)f0->offset + 7 + read_i32(img, f0->offset + 3);
    assert_int_equal(target, r->offset);
    emit_image_free(img);
}

/* An absolute pointer into the image (R_X86_64_64 in .data.rel.ro, a
 * constant table of function pointers) becomes ABS64 against the image
 * with the target's image offset as addend. */
static void test_object_abs64_into_image(void **state)
{
    (void)state;
    const char *ir =
        "define hidden i32 @kiln_f1() noinline { ret i32 1 }\n"
        "define hidden i32 @kiln_f2() noinline { ret i32 2 }\n"
        "@tbl = internal constant [2 x ptr] [ptr @kiln_f1, ptr @kiln_f2]\n"
        "define hidden ptr @kiln_f0(i32 %i) {\n"
        "  %p = getelementptr [2 x ptr], ptr @tbl, i32 0, i32 %i\n"
        "  %v = load ptr, ptr %p\n"
        "  ret ptr %v }\n";
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_ir(ir, &img, &err), KILN_OK);
    const emit_symbol *f1 = must_find(img, "kiln_f1");
    const emit_symbol *f2 = must_find(img, "kiln_f2");
    assert_int_equal(img->reloc_count, 2);
    assert_int_equal(img->extern_count, 0);
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(img->relocs[i].kind, KILN_RELOC_ABS64);
        assert_int_equal(img->relocs[i].symbol, KILN_RELOC_SYM_IMAGE);
        assert_true(img->relocs[i].offset >= img->exec_size);
        assert_int_equal(kiln_read_u64le(img->bytes + img->relocs[i].offset), 0);
    }
    /* Sorted by offset; the table is in order f1, f2. */
    assert_int_equal(img->relocs[1].offset, img->relocs[0].offset + 8);
    assert_int_equal(img->relocs[0].addend, f1->offset);
    assert_int_equal(img->relocs[1].addend, f2->offset);
    emit_image_free(img);
}

/* Mutable data cannot live in the read+execute image. */
static void test_object_writable_data_refused(void **state)
{
    (void)state;
    const char *ir =
        "@counter = internal global i32 5\n"
        "define hidden i32 @kiln_f0() {\n"
        "  %v = load i32, ptr @counter\n"
        "  %w = add i32 %v, 1\n"
        "  store i32 %w, ptr @counter\n"
        "  ret i32 %w }\n";
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_ir(ir, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_null(img);
    assert_non_null(strstr(err.message, ".data"));
}

/* A relocation type the image cannot hold is refused by name. */
static void test_object_refused_type_named(void **state)
{
    (void)state;
    const char *ir =
        "module asm \".text\"\n"
        "module asm \".globl kiln_f0\"\n"
        "module asm \".type kiln_f0,@function\"\n"
        "module asm \"kiln_f0:\"\n"
        "module asm \"  movq $$ext_sym, %rax\"\n"
        "module asm \"  ret\"\n";
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_ir(ir, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "R_X86_64_32S"));
}

/* A type the table does not know at all is refused with its number. */
static void test_object_unknown_type_refused(void **state)
{
    (void)state;
    const char *ir =
        "declare void @ext()\n"
        "define hidden void @kiln_f0() { call void @ext() ret void }\n";
    LLVMMemoryBufferRef obj = compile_ir(ir);
    size_t size = LLVMGetBufferSize(obj);
    uint8_t *copy = malloc(size);
    memcpy(copy, LLVMGetBufferStart(obj), size);
    LLVMDisposeMemoryBuffer(obj);

    /* Rewrite the type of every entry of every RELA section to 200. */
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)copy;
    int patched = 0;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        Elf64_Shdr *sh = (Elf64_Shdr *)(copy + eh->e_shoff + i * sizeof(Elf64_Shdr));
        if (sh->sh_type != SHT_RELA)
            continue;
        for (size_t k = 0; k < sh->sh_size / sizeof(Elf64_Rela); k++) {
            Elf64_Rela *r = (Elf64_Rela *)(copy + sh->sh_offset + k * sizeof(Elf64_Rela));
            r->r_info = ELF64_R_INFO(ELF64_R_SYM(r->r_info), 200);
            patched++;
        }
    }
    assert_true(patched > 0);
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(emit_image_from_object(copy, size, &img, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "type 200"));
    free(copy);
}

/* Garbage and truncated objects are errors, never crashes. */
static void test_object_bad_input(void **state)
{
    (void)state;
    emit_image *img = NULL;
    kiln_error err;
    static const uint8_t junk[] = "not an object at all";
    assert_int_equal(emit_image_from_object(junk, sizeof junk, &img, &err),
                     KILN_ERR_UNSUPPORTED);
    assert_int_equal(emit_image_from_objects(NULL, NULL, 0, &img, &err), KILN_ERR_ARGUMENT);

    LLVMMemoryBufferRef obj = compile_ir("define hidden i32 @kiln_f0() { ret i32 7 }\n");
    size_t size = LLVMGetBufferSize(obj);
    const uint8_t *bytes = (const uint8_t *)LLVMGetBufferStart(obj);
    for (size_t cut = 0; cut < size; cut += 7) {
        kiln_status st = emit_image_from_object(bytes, cut, &img, &err);
        if (st == KILN_OK)
            emit_image_free(img);
        else
            assert_true(st == KILN_ERR_CODEGEN || st == KILN_ERR_UNSUPPORTED);
    }
    assert_int_equal(emit_image_from_object(bytes, size, &img, &err), KILN_OK);
    emit_image_free(img);
    LLVMDisposeMemoryBuffer(obj);
}

/* ---- several objects, one image (partitions of one module) ---------------- */

/* Module A calls kiln_f1, which module B defines; B calls floor, which
 * neither defines. The call between the objects is resolved in the image
 * (no record); floor gets the only stub, GOT slot and record. */
static void test_objects_call_between_objects(void **state)
{
    (void)state;
    const char *irs[] = {
        "declare hidden double @kiln_f1(double)\n"
        "define hidden double @kiln_f0(double %x) {\n"
        "  %a = call double @kiln_f1(double %x)\n"
        "  %b = fadd double %a, %x\n"
        "  ret double %b }\n",
        FLOOR_CALLER("kiln_f1"),
    };
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_irs(irs, 2, &img, &err), KILN_OK);
    const emit_symbol *f0 = must_find(img, "kiln_f0");
    const emit_symbol *f1 = must_find(img, "kiln_f1");
    assert_true(f1->offset >= f0->offset + f0->size); /* object order */
    assert_true(f1->offset + f1->size <= img->exec_size);
    assert_true(calls(img, f0, f1->offset));
    uint32_t slot = only_floor_slot(img);
    assert_true(stub_called(img, f1, slot) >= f1->offset + f1->size);
    emit_image_free(img);
}

/* Both objects call floor: one extern, one GOT slot, one stub. */
static void test_objects_share_extern_slot(void **state)
{
    (void)state;
    const char *irs[] = {FLOOR_CALLER("kiln_f0"), FLOOR_CALLER("kiln_f1")};
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_irs(irs, 2, &img, &err), KILN_OK);
    uint32_t slot = only_floor_slot(img);
    const emit_symbol *f0 = must_find(img, "kiln_f0");
    const emit_symbol *f1 = must_find(img, "kiln_f1");
    int64_t stub = stub_called(img, f0, slot);
    assert_true(stub >= f1->offset + f1->size); /* after both objects' code */
    assert_int_equal(stub_called(img, f1, slot), stub);
    emit_image_free(img);
}

/* A global symbol defined in two objects is an error that names it. */
static void test_objects_duplicate_global_refused(void **state)
{
    (void)state;
    const char *irs[] = {
        "define i32 @kiln_f0() { ret i32 1 }\n",
        "define hidden i32 @kiln_f0() { ret i32 2 }\n",
    };
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_irs(irs, 2, &img, &err), KILN_ERR_CODEGEN);
    assert_null(img);
    assert_non_null(strstr(err.message, "'kiln_f0'"));
}

/* Addresses of a function another object defines: A loads it from the GOT
 * (default visibility, so GOTPCRELX) and keeps it in a constant table
 * (R_X86_64_64); B takes it through the GOT too. All resolve to the image:
 * one shared GOT slot and the table entry, both image-relative records. */
static void test_objects_address_between_objects(void **state)
{
    (void)state;
    const char *irs[] = {
        "declare i32 @kiln_f1()\n"
        "@tbl = internal constant [1 x ptr] [ptr @kiln_f1]\n"
        "define hidden ptr @kiln_f0() { ret ptr @kiln_f1 }\n"
        "define hidden ptr @kiln_f2(i32 %i) {\n"
        "  %p = getelementptr [1 x ptr], ptr @tbl, i32 0, i32 %i\n"
        "  %v = load ptr, ptr %p\n"
        "  ret ptr %v }\n",
        "define i32 @kiln_f1() noinline { ret i32 1 }\n"
        "define hidden ptr @kiln_f3() { ret ptr @kiln_f1 }\n",
    };
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_irs(irs, 2, &img, &err), KILN_OK);
    const emit_symbol *f0 = must_find(img, "kiln_f0");
    const emit_symbol *f1 = must_find(img, "kiln_f1");
    const emit_symbol *f3 = must_find(img, "kiln_f3");
    assert_int_equal(img->extern_count, 0);
    assert_int_equal(img->reloc_count, 2);
    for (uint32_t i = 0; i < 2; i++) {
        assert_int_equal(img->relocs[i].kind, KILN_RELOC_ABS64);
        assert_int_equal(img->relocs[i].symbol, KILN_RELOC_SYM_IMAGE);
        assert_int_equal(img->relocs[i].addend, f1->offset);
        assert_true(img->relocs[i].offset >= img->exec_size);
    }
    uint32_t slot = img->relocs[1].offset; /* sorted: the GOT comes last */
    assert_int_equal(slot + 8, img->image_size);
    /* mov slot(%rip), %rax: 48 8B 05 disp32, in both objects' code */
    const emit_symbol *users[] = {f0, f3};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(img->bytes[users[i]->offset + 1], 0x8B);
        assert_int_equal(users[i]->offset + 7 + read_i32(img, users[i]->offset + 3), slot);
    }
    emit_image_free(img);
}

/* A local helper may have the same name in several objects (each calls its
 * own); a lookup of a name that is also a global finds the global. */
static void test_objects_local_names(void **state)
{
    (void)state;
    const char *irs[] = {
        "define internal i32 @kiln_f1(i32 %x) noinline { %y = mul i32 %x, 3 ret i32 %y }\n"
        "define hidden i32 @kiln_f0(i32 %x) {\n"
        "  %c = call i32 @kiln_f1(i32 %x)\n"
        "  %d = add i32 %c, 1\n"
        "  ret i32 %d }\n",
        "define hidden i32 @kiln_f1(i32 %x) noinline { %y = mul i32 %x, 5 ret i32 %y }\n"
        "define internal i32 @helper(i32 %x) noinline { %y = mul i32 %x, 7 ret i32 %y }\n"
        "define hidden i32 @kiln_f2(i32 %x) {\n"
        "  %c = call i32 @helper(i32 %x)\n"
        "  %d = add i32 %c, 1\n"
        "  ret i32 %d }\n",
        "define internal i32 @helper(i32 %x) noinline { %y = mul i32 %x, 9 ret i32 %y }\n"
        "define hidden i32 @kiln_f3(i32 %x) {\n"
        "  %c = call i32 @helper(i32 %x)\n"
        "  %d = add i32 %c, 1\n"
        "  ret i32 %d }\n",
    };
    emit_image *img = NULL;
    kiln_error err;
    assert_int_equal(image_from_irs(irs, 3, &img, &err), KILN_OK);
    const emit_symbol *f0 = must_find(img, "kiln_f0");
    const emit_symbol *f1 = must_find(img, "kiln_f1");
    const emit_symbol *f2 = must_find(img, "kiln_f2");
    const emit_symbol *f3 = must_find(img, "kiln_f3");
    assert_true(f1->offset > f0->offset); /* B's global, not A's local */
    assert_false(calls(img, f0, f1->offset));
    /* Each object calls its own helper (B's comes before f2, C's after). */
    assert_int_equal(img->reloc_count, 0);
    uint32_t helpers = 0;
    for (uint32_t i = 0; i < img->symbol_count; i++) {
        const emit_symbol *h = &img->symbols[i];
        if (strcmp(h->name, "helper") != 0)
            continue;
        helpers++;
        assert_true(calls(img, h->offset < f2->offset ? f2 : f3, h->offset));
    }
    assert_int_equal(helpers, 2);
    emit_image_free(img);
}

/* Unknown CPU names and features are errors, not LLVM warnings; checked
 * through the public API on the empty module. */
static void test_target_rejects_unknown_cpu(void **state)
{
    (void)state;
    static const uint8_t empty[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};
    kilnc_options o;
    kilnc_options_init(&o);
    o.target_triple = TRIPLE;
    uint8_t *out = NULL;
    size_t size = 0;
    kiln_error err;
    o.cpu = "no-such-cpu";
    assert_int_equal(kilnc_compile(empty, sizeof empty, &o, &out, &size, &err),
                     KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "no-such-cpu"));
    o.cpu = "x86-64";
    o.cpu_features = "+no-such-feature";
    assert_int_equal(kilnc_compile(empty, sizeof empty, &o, &out, &size, &err),
                     KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "no-such-feature"));
    o.cpu_features = NULL;
    o.target_triple = "nonsense-arch-none";
    assert_int_equal(kilnc_compile(empty, sizeof empty, &o, &out, &size, &err),
                     KILN_ERR_ARGUMENT);
    o.target_triple = TRIPLE;
    assert_int_equal(kilnc_compile(empty, sizeof empty, &o, &out, &size, &err), KILN_OK);
    assert_true(size > KILN_AOT_HEADER_FIXED_SIZE);
    assert_int_equal(out[KILN_AOT_OFF_POINTER_WIDTH], 8);
    assert_int_equal(out[KILN_AOT_OFF_BOUNDS_CHECKS], KILN_BOUNDS_GUARD);
    kilnc_buffer_free(out);
}

typedef struct progress_log {
    uint32_t calls, last_done, total;
    bool monotonic;
} progress_log;

static void record_progress(void *user, uint32_t done, uint32_t total)
{
    progress_log *log = user;
    if (log->calls > 0 && (done < log->last_done || total != log->total))
        log->monotonic = false;
    log->calls++;
    log->last_done = done;
    log->total = total;
}

/* The progress callback counts defined functions from 0 to all of them,
 * never backwards, whole or in partitions on several threads. */
static void test_compile_reports_progress(void **state)
{
    (void)state;
    /* three functions () -> () with empty bodies */
    static const uint8_t wasm[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
                                   0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                                   0x03, 0x04, 0x03, 0x00, 0x00, 0x00,
                                   0x0a, 0x0a, 0x03, 0x02, 0x00, 0x0b, 0x02, 0x00, 0x0b,
                                   0x02, 0x00, 0x0b};
    static const unsigned partitions[] = {1, 3};
    for (size_t i = 0; i < 2; i++) {
        kilnc_options o;
        kilnc_options_init(&o);
        o.target_triple = TRIPLE;
        o.opt_level = 0;
        o.partitions = partitions[i];
        o.threads = 2;
        progress_log log = {0, 0, 0, true};
        o.progress = record_progress;
        o.progress_user = &log;
        uint8_t *out = NULL;
        size_t size = 0;
        kiln_error err;
        assert_int_equal(kilnc_compile(wasm, sizeof wasm, &o, &out, &size, &err), KILN_OK);
        assert_true(log.monotonic);
        assert_true(log.calls >= 2);
        assert_int_equal(log.total, 3);
        assert_int_equal(log.last_done, 3);
        kilnc_buffer_free(out);
    }
}

/* A module of count functions () -> (), each 23 x (i32.const 0; drop):
 * 71 bytes of code. Caller frees. */
static uint8_t *many_functions_module(uint32_t count, size_t *size)
{
    enum { BODY = 71 };
    size_t cap = 64 + (size_t)count * (BODY + 2);
    uint8_t *w = malloc(cap);
    assert_non_null(w);
    size_t n = 0;
    static const uint8_t head[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
                                   0x01, 0x04, 0x01, 0x60, 0x00, 0x00};
    memcpy(w, head, sizeof head);
    n = sizeof head;
    /* function section: count (2-byte LEB) type indices 0 */
    assert_true(count >= 128 && count < 16384);
    uint32_t fsize = 2 + count;
    w[n++] = 0x03;
    w[n++] = (uint8_t)(0x80 | (fsize & 0x7f));
    w[n++] = (uint8_t)((fsize >> 7) & 0x7f);
    assert_true(fsize < (1u << 14));
    w[n++] = (uint8_t)(0x80 | (count & 0x7f));
    w[n++] = (uint8_t)(count >> 7);
    for (uint32_t i = 0; i < count; i++)
        w[n++] = 0x00;
    /* code section: count bodies of BODY bytes (size byte + BODY) */
    uint32_t csize = 2 + count * (BODY + 1);
    w[n++] = 0x0a;
    w[n++] = (uint8_t)(0x80 | (csize & 0x7f));
    w[n++] = (uint8_t)(0x80 | ((csize >> 7) & 0x7f));
    w[n++] = (uint8_t)(csize >> 14);
    w[n++] = (uint8_t)(0x80 | (count & 0x7f));
    w[n++] = (uint8_t)(count >> 7);
    for (uint32_t i = 0; i < count; i++) {
        w[n++] = BODY;
        w[n++] = 0x00; /* no locals */
        for (int k = 0; k < 23; k++) {
            w[n++] = 0x41;
            w[n++] = 0x00;
            w[n++] = 0x1a;
        }
        w[n++] = 0x0b;
    }
    assert_true(n <= cap);
    *size = n;
    return w;
}

/* Many small functions are cut into partitions although their code is
 * under 1 MiB (8,000 functions, 568,000 bytes: each function weighs its
 * fixed cost too), and the container is the same for 1, 2 and 3 threads. */
static void test_many_small_functions_partitioned_same_output(void **state)
{
    (void)state;
    size_t wasm_size = 0;
    uint8_t *wasm = many_functions_module(8000, &wasm_size);
    uint8_t *first = NULL;
    size_t first_size = 0;
    for (unsigned threads = 1; threads <= 3; threads++) {
        kilnc_options o;
        kilnc_options_init(&o);
        o.target_triple = TRIPLE;
        o.opt_level = 0;
        o.threads = threads;
        progress_log log = {0, 0, 0, true};
        o.progress = record_progress;
        o.progress_user = &log;
        uint8_t *out = NULL;
        size_t size = 0;
        kiln_error err;
        assert_int_equal(kilnc_compile(wasm, wasm_size, &o, &out, &size, &err), KILN_OK);
        /* one call before, one per partition: 1 partition gives 2 */
        assert_int_equal(log.calls, 3);
        if (first == NULL) {
            first = out;
            first_size = size;
        } else {
            assert_int_equal(size, first_size);
            assert_memory_equal(out, first, size);
            kilnc_buffer_free(out);
        }
    }
    kilnc_buffer_free(first);
    free(wasm);
}

/* Writes v as a LEB128 of exactly 3 bytes (v < 2^21). */
static size_t put_leb3(uint8_t *w, uint32_t v)
{
    w[0] = (uint8_t)(0x80 | (v & 0x7f));
    w[1] = (uint8_t)(0x80 | ((v >> 7) & 0x7f));
    w[2] = (uint8_t)((v >> 14) & 0x7f);
    return 3;
}

/* Whether the attribute group of "define ... @name(...) #N {" in LLVM IR
 * text holds attr. */
static bool ir_function_has_attr(const char *ir, const char *name, const char *attr)
{
    char def[64];
    snprintf(def, sizeof def, "@%s(", name);
    const char *d = strstr(ir, def);
    assert_non_null(d);
    const char *eol = strchr(d, '\n');
    assert_non_null(eol);
    const char *hash = eol;
    while (hash > d && *hash != '#')
        hash--;
    assert_true(*hash == '#');
    char group[32];
    snprintf(group, sizeof group, "\nattributes #%ld = {", strtol(hash + 1, NULL, 10));
    const char *g = strstr(ir, group);
    assert_non_null(g);
    const char *g_end = strchr(g + 1, '\n');
    const char *a = strstr(g, attr);
    return a != NULL && (g_end == NULL || a < g_end);
}

/* A function of 16 KiB of wasm code or more is compiled without the SLP
 * and loop vectorisers (noimplicitfloat) at -O2 and -O3: they cost giant
 * functions much and pay nothing there. Smaller functions, and any
 * function at -O0/-O1, are compiled as before. */
static void test_giant_function_not_vectorised(void **state)
{
    (void)state;
    enum { DROPS = 5500 }; /* 3 bytes each: a body of 16,502 bytes */
    uint32_t giant = 1 + 3 * DROPS + 1;
    size_t cap = 128 + giant;
    uint8_t *w = malloc(cap);
    assert_non_null(w);
    static const uint8_t head[] = {
        0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,                     /* type () -> () */
        0x03, 0x03, 0x02, 0x00, 0x00,                           /* two functions */
        0x07, 0x09, 0x02, 0x01, 's', 0x00, 0x00, 0x01, 'g', 0x00, 0x01, /* exports */
    };
    memcpy(w, head, sizeof head);
    size_t n = sizeof head;
    w[n++] = 0x0a;
    n += put_leb3(w + n, 1 + (1 + 5) + 3 + giant);
    w[n++] = 0x02;
    w[n++] = 0x05; /* small: i32.const 0; drop */
    w[n++] = 0x00;
    w[n++] = 0x41;
    w[n++] = 0x00;
    w[n++] = 0x1a;
    w[n++] = 0x0b;
    n += put_leb3(w + n, giant);
    w[n++] = 0x00;
    for (int k = 0; k < DROPS; k++) {
        w[n++] = 0x41;
        w[n++] = 0x00;
        w[n++] = 0x1a;
    }
    w[n++] = 0x0b;
    assert_true(n <= cap);
    for (unsigned level = 0; level <= 3; level++) {
        kilnc_options o;
        kilnc_options_init(&o);
        o.target_triple = TRIPLE;
        o.opt_level = level;
        o.format = KILNC_FORMAT_LLVM_IR;
        uint8_t *out = NULL;
        size_t size = 0;
        kiln_error err;
        assert_int_equal(kilnc_compile(w, n, &o, &out, &size, &err), KILN_OK);
        char *ir = malloc(size + 1);
        assert_non_null(ir);
        memcpy(ir, out, size);
        ir[size] = '\0';
        assert_false(ir_function_has_attr(ir, "kiln_f0", "noimplicitfloat"));
        assert_int_equal(ir_function_has_attr(ir, "kiln_f1", "noimplicitfloat"), level >= 2);
        free(ir);
        kilnc_buffer_free(out);
    }
    free(w);
}

/* A header string of a container: {u32 offset, u32 size} at field_offset. */
static bool header_string_is(const uint8_t *aot, unsigned field_offset, const char *want)
{
    uint32_t off = kiln_read_u32le(aot + field_offset);
    uint32_t size = kiln_read_u32le(aot + field_offset + 4);
    return size == strlen(want) && memcmp(aot + off, want, size) == 0;
}

/* Every listed target compiles with --target alone, for its baseline CPU
 * and features (never the build machine's); an unknown triple is refused
 * with the list; --cpu=host needs a target of this machine's architecture. */
static void test_target_baselines(void **state)
{
    (void)state;
    static const uint8_t empty[] = {0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00};
    kilnc_target_info info;
    size_t count = 0;
    for (size_t i = 0; kilnc_target_get(i, &info); i++, count++) {
        kilnc_options o;
        kilnc_options_init(&o);
        o.target_triple = info.triple;
        uint8_t *out = NULL;
        size_t size = 0;
        kiln_error err;
        assert_int_equal(kilnc_compile(empty, sizeof empty, &o, &out, &size, &err), KILN_OK);
        assert_true(header_string_is(out, KILN_AOT_OFF_CPU, info.cpu));
        /* The header records the complete set: the baseline's +features
         * are in it and its -features are not. */
        uint32_t foff = kiln_read_u32le(out + KILN_AOT_OFF_CPU_FEATURES);
        uint32_t fsize = kiln_read_u32le(out + KILN_AOT_OFF_CPU_FEATURES + 4);
        char recorded[1024];
        assert_true(fsize + 3 < sizeof recorded);
        snprintf(recorded, sizeof recorded, ",%.*s,", (int)fsize, (const char *)out + foff);
        char base[256];
        snprintf(base, sizeof base, "%s", info.cpu_features);
        for (char *f = strtok(base, ","); f != NULL; f = strtok(NULL, ",")) {
            char item[80];
            snprintf(item, sizeof item, ",+%s,", f + 1);
            bool present = strstr(recorded, item) != NULL;
            if (present != (f[0] == '+'))
                print_error("%s: %s in %s\n", info.triple, f, recorded);
            assert_true(present == (f[0] == '+'));
        }
        assert_int_equal(out[KILN_AOT_OFF_BOUNDS_CHECKS], info.bounds_checks);
        assert_int_equal(out[KILN_AOT_OFF_POINTER_WIDTH], info.pointer_width);
        kilnc_buffer_free(out);
    }
    assert_true(count >= 3);
    assert_false(kilnc_target_get(count, &info));

    kilnc_options o;
    kilnc_options_init(&o);
    uint8_t *out = NULL;
    size_t size = 0;
    kiln_error err;
    o.target_triple = "mips-linux-gnu";
    assert_int_equal(kilnc_compile(empty, sizeof empty, &o, &out, &size, &err),
                     KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "mips"));
    assert_non_null(strstr(err.message, "aarch64-linux-gnu"));
    assert_non_null(strstr(err.message, "riscv64-linux-gnu"));
    o.target_triple = "aarch64-linux-gnu";
    o.cpu = "host";
    assert_int_equal(kilnc_compile(empty, sizeof empty, &o, &out, &size, &err),
                     KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "--cpu=host"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_object_internal_pcrel_resolved),
        cmocka_unit_test(test_object_external_call),
        cmocka_unit_test(test_object_got_external),
        cmocka_unit_test(test_object_abs64_into_image),
        cmocka_unit_test(test_object_writable_data_refused),
        cmocka_unit_test(test_object_refused_type_named),
        cmocka_unit_test(test_object_unknown_type_refused),
        cmocka_unit_test(test_object_bad_input),
        cmocka_unit_test(test_objects_call_between_objects),
        cmocka_unit_test(test_objects_share_extern_slot),
        cmocka_unit_test(test_objects_duplicate_global_refused),
        cmocka_unit_test(test_objects_address_between_objects),
        cmocka_unit_test(test_objects_local_names),
        cmocka_unit_test(test_target_rejects_unknown_cpu),
        cmocka_unit_test(test_compile_reports_progress),
        cmocka_unit_test(test_many_small_functions_partitioned_same_output),
        cmocka_unit_test(test_giant_function_not_vectorised),
        cmocka_unit_test(test_target_baselines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
