/*
 * Test helper for the object -> image tests (test_object.c for x86-64,
 * test_reloc_arm.c for Thumb-2): compiles small hand-written LLVM IR for a
 * triple the way the compiler does (PIC, small code model) into an ELF
 * object in memory, and links objects into a kiln code image with the
 * compiler's own emit_image_from_objects, so the tests see exactly what
 * LLVM emits. Any LLVM error fails the calling test.
 */
#ifndef KILN_TEST_IR_IMAGE_H
#define KILN_TEST_IR_IMAGE_H

#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/IRReader.h>
#include <llvm-c/TargetMachine.h>

#include "emit/emit.h"
#include "emit/image.h"

/* The object LLVM emits for ir (a module of text IR) on triple with the
 * given CPU and features; the caller disposes it. */
static inline LLVMMemoryBufferRef ir_object(const char *triple, const char *cpu,
                                            const char *features, const char *ir)
{
    emit_targets_init();
    LLVMTargetRef target;
    char *msg = NULL;
    assert_int_equal(LLVMGetTargetFromTriple(triple, &target, &msg), 0);
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, cpu, features,
                                                      LLVMCodeGenLevelDefault, LLVMRelocPIC,
                                                      LLVMCodeModelSmall);
    assert_non_null(tm);
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMMemoryBufferRef src =
        LLVMCreateMemoryBufferWithMemoryRangeCopy(ir, strlen(ir), "test.ll");
    LLVMModuleRef m = NULL;
    if (LLVMParseIRInContext(ctx, src, &m, &msg) != 0) {
        print_error("IR: %s\n", msg);
        fail();
    }
    LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
    LLVMSetTarget(m, triple);
    LLVMSetModuleDataLayout(m, dl);
    LLVMMemoryBufferRef obj = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMObjectFile, &msg, &obj) != 0) {
        print_error("emit: %s\n", msg);
        fail();
    }
    LLVMDisposeModule(m);
    LLVMContextDispose(ctx);
    LLVMDisposeTargetData(dl);
    LLVMDisposeTargetMachine(tm);
    return obj;
}

/* Compiles each of the count (at most 4) IR modules and builds one image
 * from all their objects: emit_image_from_objects' status and error. */
static inline kiln_status ir_image(const char *triple, const char *cpu, const char *features,
                                   const char *const *irs, uint32_t count, emit_image **out,
                                   kiln_error *err)
{
    LLVMMemoryBufferRef objs[4];
    const uint8_t *bytes[4];
    size_t sizes[4];
    assert_true(count <= 4);
    for (uint32_t i = 0; i < count; i++) {
        objs[i] = ir_object(triple, cpu, features, irs[i]);
        bytes[i] = (const uint8_t *)LLVMGetBufferStart(objs[i]);
        sizes[i] = LLVMGetBufferSize(objs[i]);
    }
    kiln_status st = emit_image_from_objects(bytes, sizes, count, out, err);
    for (uint32_t i = 0; i < count; i++)
        LLVMDisposeMemoryBuffer(objs[i]);
    return st;
}

#endif /* KILN_TEST_IR_IMAGE_H */
