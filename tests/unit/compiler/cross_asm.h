/*
 * Test helper for the per-architecture relocation tests: assembles text
 * (LLVM's integrated assembler, through module asm) for a triple into an
 * ELF object and links it into a kiln code image with the compiler's own
 * emit_image_from_object, so every relocation kind can be produced exactly.
 */
#ifndef KILN_TEST_CROSS_ASM_H
#define KILN_TEST_CROSS_ASM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "emit/emit.h"
#include "emit/image.h"

/* Assembles asm_text for triple/features into an image (or an error). */
static kiln_status asm_image(const char *triple, const char *features, const char *asm_text,
                             emit_image **out, kiln_error *err)
{
    emit_targets_init();
    LLVMTargetRef target;
    char *msg = NULL;
    assert_int_equal(LLVMGetTargetFromTriple(triple, &target, &msg), 0);
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, "generic", features,
                                                      LLVMCodeGenLevelDefault, LLVMRelocPIC,
                                                      LLVMCodeModelSmall);
    assert_non_null(tm);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef m = LLVMModuleCreateWithNameInContext("asm", ctx);
    LLVMSetTarget(m, triple);
    LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(m, dl);
    LLVMSetModuleInlineAsm2(m, asm_text, strlen(asm_text));
    LLVMMemoryBufferRef obj = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMObjectFile, &msg, &obj) != 0) {
        print_error("assembler: %s\n", msg);
        fail();
    }
    kiln_status st = emit_image_from_object((const uint8_t *)LLVMGetBufferStart(obj),
                                            LLVMGetBufferSize(obj), out, err);
    LLVMDisposeMemoryBuffer(obj);
    LLVMDisposeModule(m);
    LLVMContextDispose(ctx);
    LLVMDisposeTargetData(dl);
    LLVMDisposeTargetMachine(tm);
    return st;
}

/* Image offset of a symbol the image lists (STT_FUNC symbols). */
static uint32_t sym_offset(const emit_image *img, const char *name)
{
    const emit_symbol *s = emit_image_find(img, name);
    if (s == NULL) {
        print_error("no symbol %s in the image\n", name);
        fail();
    }
    return s->offset;
}

static uint32_t insn_at(const emit_image *img, uint32_t off)
{
    return kiln_read_u32le(img->bytes + off);
}

static int64_t sign_extend(uint64_t v, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    return (int64_t)((v ^ m) - m);
}

/* The only record for external `name` (its GOT slot): the slot's offset. */
static uint32_t got_slot_of(const emit_image *img, const char *name)
{
    for (uint32_t i = 0; i < img->reloc_count; i++) {
        const emit_reloc *r = &img->relocs[i];
        if (r->symbol != KILN_RELOC_SYM_IMAGE && strcmp(img->externs[r->symbol], name) == 0 &&
            r->kind == KILN_RELOC_ABS64 && r->addend == 0)
            return r->offset;
    }
    print_error("no GOT slot for %s\n", name);
    fail();
    return 0;
}

#endif
