/*
 * libkilnc driver: the public API of include/kiln_compiler.h.
 *
 * Pipeline per compile: decode the module, validate it, create the target
 * machine, lower every defined function (decode body -> validate -> codegen
 * -> free body, one at a time), finish and verify the LLVM module, optimise,
 * then emit in the requested format (LLVM IR text, assembly, the plain
 * object, or a kiln container built from the object).
 *
 * Invariants: each compile owns a private LLVMContext, so concurrent
 * compiles share nothing but LLVM's one-time target registration; every
 * LLVM object and message created here is disposed on every path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "codegen/codegen.h"
#include "emit/emit.h"
#include "emit/writer.h"
#include "kiln_common.h"
#include "kiln_compiler.h"
#include "module.h"

#ifndef KILN_LLVM_VERSION
#error "KILN_LLVM_VERSION must be defined by the build (CMakeLists.txt)"
#endif

#define KILNC_VERSION_STRING "kilnc 0.1.0 (LLVM " KILN_LLVM_VERSION ")"

void kilnc_options_init(kilnc_options *options)
{
    memset(options, 0, sizeof *options);
    options->target_triple = NULL;
    options->cpu = NULL;
    options->cpu_features = NULL;
    options->opt_level = 3;
    options->size_level = 0;
    options->format = KILNC_FORMAT_AOT;
    options->bounds_checks = -1;
}

const char *kilnc_version(void)
{
    return KILNC_VERSION_STRING;
}

const char *kilnc_host_triple(void)
{
    return emit_host_triple();
}

void kilnc_buffer_free(uint8_t *buffer)
{
    free(buffer);
}

/* Copies an LLVM memory buffer into a malloc'd one the caller owns. */
static kiln_status take_llvm_buffer(LLVMMemoryBufferRef mb, uint8_t **out, size_t *out_size,
                                    kiln_error *err)
{
    size_t size = LLVMGetBufferSize(mb);
    uint8_t *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
    memcpy(copy, LLVMGetBufferStart(mb), size);
    *out = copy;
    *out_size = size;
    return KILN_OK;
}

static kiln_status emit_file(const emit_target *target, LLVMModuleRef llvm,
                             LLVMCodeGenFileType type, LLVMMemoryBufferRef *out,
                             kiln_error *err)
{
    char *message = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(target->machine, llvm, type, &message, out) != 0) {
        kiln_status st = kiln_error_set(err, KILN_ERR_CODEGEN, KILN_NO_OFFSET,
                                        "LLVM could not emit %s for %s: %s",
                                        type == LLVMAssemblyFile ? "assembly" : "an object",
                                        target->triple, message != NULL ? message : "?");
        LLVMDisposeMessage(message);
        return st;
    }
    if (message != NULL)
        LLVMDisposeMessage(message);
    return KILN_OK;
}

/* Lowers every defined function, one body at a time. */
static kiln_status lower_functions(const wasm_module *module, cg_module *cgm, kiln_error *err)
{
    for (uint32_t f = module->func_import_count; f < module->func_count; f++) {
        wasm_body body;
        kiln_status st = dec_function_body(module, f, &body, err);
        if (st != KILN_OK)
            return st;
        st = val_function(module, &body, err);
        if (st == KILN_OK)
            st = cg_function(cgm, &body, err);
        dec_body_free(&body);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status write_output(const wasm_module *module, cg_module *cgm,
                                const emit_target *target, kilnc_format format,
                                uint8_t **out, size_t *out_size, kiln_error *err)
{
    LLVMModuleRef llvm = cg_module_llvm(cgm);
    kiln_status st = KILN_OK;
    LLVMMemoryBufferRef mb = NULL;
    emit_image *image = NULL;

    switch (format) {
    case KILNC_FORMAT_LLVM_IR: {
        char *text = LLVMPrintModuleToString(llvm);
        size_t size = strlen(text);
        uint8_t *copy = malloc(size > 0 ? size : 1);
        if (copy == NULL) {
            st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
        } else {
            memcpy(copy, text, size);
            *out = copy;
            *out_size = size;
        }
        LLVMDisposeMessage(text);
        return st;
    }
    case KILNC_FORMAT_ASM:
        st = emit_file(target, llvm, LLVMAssemblyFile, &mb, err);
        if (st == KILN_OK)
            st = take_llvm_buffer(mb, out, out_size, err);
        break;
    case KILNC_FORMAT_OBJECT:
        st = emit_file(target, llvm, LLVMObjectFile, &mb, err);
        if (st == KILN_OK)
            st = take_llvm_buffer(mb, out, out_size, err);
        break;
    case KILNC_FORMAT_AOT: {
        st = emit_file(target, llvm, LLVMObjectFile, &mb, err);
        if (st != KILN_OK)
            break;
        st = emit_image_from_object((const uint8_t *)LLVMGetBufferStart(mb),
                                    LLVMGetBufferSize(mb), &image, err);
        if (st != KILN_OK)
            break;
        wr_target_info info = {
            .triple = target->triple,
            .cpu = target->cpu,
            .cpu_features = target->cpu_features,
            .compiler_version = KILNC_VERSION_STRING,
            .pointer_width = target->pointer_width,
            .page_size = target->max_page_size,
            .bounds = target->bounds,
            .helpers_used = cg_module_helpers_used(cgm),
        };
        st = wr_container(module, image, &info, out, out_size, err);
        break;
    }
    default:
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "unknown output format %d",
                            (int)format);
        break;
    }
    if (mb != NULL)
        LLVMDisposeMemoryBuffer(mb);
    emit_image_free(image);
    return st;
}

kiln_status kilnc_compile(const uint8_t *wasm, size_t wasm_size, const kilnc_options *options,
                          uint8_t **out, size_t *out_size, kiln_error *err)
{
    if (wasm == NULL || options == NULL || out == NULL || out_size == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kilnc_compile: NULL argument");
    kiln_status st;
    wasm_module *module = NULL;
    emit_target *target = NULL;
    LLVMContextRef ctx = NULL;
    cg_module *cgm = NULL;

    st = dec_module(wasm, wasm_size, &module, err);
    if (st != KILN_OK)
        goto out;
    st = val_module(module, err);
    if (st != KILN_OK)
        goto out;
    st = emit_target_new(options, &target, err);
    if (st != KILN_OK)
        goto out;

    ctx = LLVMContextCreate();
    cg_config config = {
        .triple = target->triple,
        .layout = target->layout,
        .pointer_width = target->pointer_width,
        .bounds = target->bounds,
        .opt_level = target->opt_level,
    };
    st = cg_module_new(ctx, module, &config, &cgm, err);
    if (st != KILN_OK)
        goto out;
    st = lower_functions(module, cgm, err);
    if (st != KILN_OK)
        goto out;
    st = cg_module_finish(cgm, err);
    if (st != KILN_OK)
        goto out;
    st = emit_optimize(cg_module_llvm(cgm), target, err);
    if (st != KILN_OK)
        goto out;
    st = write_output(module, cgm, target, options->format, out, out_size, err);

out:
    cg_module_free(cgm);
    if (ctx != NULL)
        LLVMContextDispose(ctx);
    emit_target_free(target);
    dec_module_free(module);
    return st;
}
