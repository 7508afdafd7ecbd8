/*
 * libkilnc driver: the public API of include/kiln_compiler.h.
 *
 * Pipeline per compile: decode the module, validate it, then build units
 * (driver.h): create the target machine, lower the unit's defined functions
 * (decode body -> validate -> codegen -> free body, one at a time), finish
 * and verify the LLVM module, optimise. A small module is one unit, emitted
 * in the requested format (LLVM IR text, assembly, the plain object, or a
 * kiln container built from the object); a large one is compiled as
 * partitions on threads (partition.c) whose objects form one image.
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
#include "driver.h"
#include "emit/emit.h"
#include "emit/inspect.h"
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
    options->keep_custom = NULL;
}

const char *kilnc_version(void)
{
    return KILNC_VERSION_STRING;
}

bool kilnc_target_get(size_t index, kilnc_target_info *out)
{
    const emit_target_spec *spec = emit_target_spec_at(index);
    if (spec == NULL)
        return false;
    out->triple = spec->triple;
    out->cpu = spec->cpu;
    out->cpu_features = spec->features;
    out->bounds_checks = (int)spec->bounds;
    out->pointer_width = spec->pointer_width;
    return true;
}

const char *kilnc_host_triple(void)
{
    return emit_host_triple();
}

void kilnc_buffer_free(void *buffer)
{
    free(buffer);
}

kiln_status kilnc_inspect(const uint8_t *bytes, size_t size, char **text, kiln_error *err)
{
    if ((bytes == NULL && size != 0) || text == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kilnc_inspect: NULL argument");
    return emit_inspect(bytes, size, text, err);
}

/* Copies an LLVM memory buffer into a malloc'd one the caller owns. */
kiln_status kc_take_llvm_buffer(LLVMMemoryBufferRef mb, uint8_t **out, size_t *out_size,
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

kiln_status kc_emit_llvm(const emit_target *target, LLVMModuleRef llvm,
                         LLVMCodeGenFileType type, LLVMMemoryBufferRef *out, kiln_error *err)
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

kiln_status kc_module_text(LLVMModuleRef llvm, uint8_t **out, size_t *out_size, kiln_error *err)
{
    char *text = LLVMPrintModuleToString(llvm);
    size_t size = strlen(text);
    uint8_t *copy = malloc(size > 0 ? size : 1);
    kiln_status st = KILN_OK;
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

LLVMContextRef kc_context_new(const kilnc_options *options)
{
    LLVMContextRef ctx = LLVMContextCreate();
    /* Names of instructions and blocks are for reading IR only: without
     * them LLVM allocates less and clones faster (the inliner names every
     * copy). Globals keep theirs. */
    if (options->format != KILNC_FORMAT_LLVM_IR)
        LLVMContextSetDiscardValueNames(ctx, 1);
    return ctx;
}

/* The unit as an object or assembly file, after the emit problems LLVM
 * reported to the unit's handler. */
static kiln_status emit_file(const kc_unit *unit, LLVMCodeGenFileType type,
                             LLVMMemoryBufferRef *out, kiln_error *err)
{
    kiln_status st = kc_emit_llvm(unit->target, cg_module_llvm(unit->cgm), type, out, err);
    return st == KILN_OK ? cg_module_check_emitted(unit->cgm, err) : st;
}

/* Lowers the unit's defined functions, one body at a time. */
kiln_status kc_lower_functions(const wasm_module *module, cg_module *cgm, uint32_t first,
                                   uint32_t end, kiln_error *err)
{
    for (uint32_t f = first; f < end; f++) {
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

cg_config kc_codegen_config(const emit_target *target, const kilnc_options *options)
{
    return (cg_config){
        .triple = target->triple,
        .layout = target->layout,
        .pointer_width = target->pointer_width,
        .bounds = target->bounds,
        .xip = target->xip,
        .opt_level = target->opt_level,
        .quiet_rounding_nans = target->quiet_rounding_nans,
        .interruptible = options->interruptible,
    };
}

kiln_status kc_unit_build(const wasm_module *module, const kilnc_options *options,
                          kc_range range, kc_unit *unit, kiln_error *err)
{
    memset(unit, 0, sizeof *unit);
    kiln_status st = emit_target_new(options, &unit->target, err);
    if (st != KILN_OK)
        return st;
    unit->ctx = kc_context_new(options);
    cg_config config = kc_codegen_config(unit->target, options);
    config.first_func = range.first;
    config.end_func = range.end;
    config.with_trampolines = range.trampolines;
    config.called_across = range.called_across;
    config.symbol_prefix = range.symbol_prefix;
    config.prelinked = range.prelinked;
    st = cg_module_new(unit->ctx, module, &config, &unit->cgm, err);
    if (st != KILN_OK)
        return st;
    uint32_t first = range.end != 0 ? range.first : module->func_import_count;
    uint32_t end = range.end != 0 ? range.end : module->func_count;
    st = kc_lower_functions(module, unit->cgm, first, end, err);
    if (st == KILN_OK)
        st = cg_module_finish(unit->cgm, err);
    if (st == KILN_OK)
        st = emit_optimize(cg_module_llvm(unit->cgm), unit->target, err);
    if (st == KILN_OK)
        cg_module_keep_loads_whole(unit->cgm);
    return st;
}

void kc_unit_free(kc_unit *unit)
{
    cg_module_free(unit->cgm);
    if (unit->ctx != NULL)
        LLVMContextDispose(unit->ctx);
    emit_target_free(unit->target);
    memset(unit, 0, sizeof *unit);
}

kiln_status kc_unit_object(const kc_unit *unit, uint8_t **out, size_t *out_size,
                           kiln_error *err)
{
    LLVMMemoryBufferRef mb = NULL;
    kiln_status st = emit_file(unit, LLVMObjectFile, &mb, err);
    if (st == KILN_OK)
        st = kc_take_llvm_buffer(mb, out, out_size, err);
    if (mb != NULL)
        LLVMDisposeMemoryBuffer(mb);
    return st;
}

/* The container of an image, with what the header records of the target. */
kiln_status kc_write_container(const wasm_module *module, const emit_image *image,
                               const emit_target *target, uint64_t helpers_used,
                               const char *keep_custom, bool bundle_member, uint8_t **out,
                               size_t *out_size, kiln_error *err)
{
    wr_target_info info = {
        .bundle_member = bundle_member,
        .triple = target->triple,
        .cpu = target->cpu,
        .cpu_features = target->cpu_features,
        .compiler_version = KILNC_VERSION_STRING,
        .pointer_width = target->pointer_width,
        .page_size = target->max_page_size,
        .bounds = target->bounds,
        .xip = target->xip,
        .helpers_used = helpers_used,
        .keep_custom = keep_custom,
    };
    return wr_container(module, image, &info, out, out_size, err);
}

/* One unit for the whole module, written in the requested format. */
static kiln_status compile_whole(const wasm_module *module, const kilnc_options *options,
                                 uint8_t **out, size_t *out_size, kiln_error *err)
{
    kc_unit unit;
    kc_range whole = {0, 0, true, NULL, NULL, NULL};
    kiln_status st = kc_unit_build(module, options, whole, &unit, err);
    LLVMModuleRef llvm = unit.cgm != NULL ? cg_module_llvm(unit.cgm) : NULL;
    LLVMMemoryBufferRef mb = NULL;
    uint8_t *object = NULL;
    size_t object_size = 0;
    emit_image *image = NULL;
    if (st != KILN_OK)
        goto out;

    switch (options->format) {
    case KILNC_FORMAT_LLVM_IR:
        st = kc_module_text(llvm, out, out_size, err);
        break;
    case KILNC_FORMAT_ASM:
        st = emit_file(&unit, LLVMAssemblyFile, &mb, err);
        if (st == KILN_OK)
            st = kc_take_llvm_buffer(mb, out, out_size, err);
        break;
    case KILNC_FORMAT_OBJECT:
        st = emit_linked_record(llvm, module, options->linked_name, err);
        if (st == KILN_OK)
            st = kc_unit_object(&unit, out, out_size, err);
        break;
    case KILNC_FORMAT_AOT:
        st = kc_unit_object(&unit, &object, &object_size, err);
        if (st == KILN_OK)
            st = emit_image_link((const uint8_t *const *)&object, &object_size, 1,
                                 &(emit_image_options){.xip = unit.target->xip}, &image, err);
        if (st == KILN_OK)
            st = kc_write_container(module, image, unit.target,
                                    cg_module_helpers_used(unit.cgm), options->keep_custom,
                                    false, out, out_size, err);
        break;
    default:
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "unknown output format %d",
                            (int)options->format);
        break;
    }
out:
    if (mb != NULL)
        LLVMDisposeMemoryBuffer(mb);
    free(object);
    emit_image_free(image);
    kc_unit_free(&unit);
    return st;
}

/* Partitions compiled on threads, linked into one image, then written. */
static kiln_status compile_partitioned(const wasm_module *module, const kilnc_options *options,
                                       uint32_t parts, uint8_t **out, size_t *out_size,
                                       kiln_error *err)
{
    emit_image *image = NULL;
    emit_target *target = NULL;
    uint64_t helpers_used = 0;
    kiln_status st = kc_compile_partitions(module, options, parts, &image, &helpers_used, err);
    if (st == KILN_OK)
        st = emit_target_new(options, &target, err); /* what the header records */
    if (st == KILN_OK)
        st = kc_write_container(module, image, target, helpers_used, options->keep_custom,
                                false, out, out_size, err);
    emit_target_free(target);
    emit_image_free(image);
    return st;
}

/* A header string of a kiln container, when it lies inside the bytes. */
static void container_string(const uint8_t *b, size_t size, uint32_t field, const char **s,
                             int *len)
{
    *s = "?";
    *len = 1;
    if (size < KILN_AOT_HEADER_FIXED_SIZE)
        return;
    uint32_t off = kiln_read_u32le(b + field), n = kiln_read_u32le(b + field + 4);
    if ((uint64_t)off + n <= size && n < 200) {
        *s = (const char *)b + off;
        *len = (int)n;
    }
}

/*
 * kilnc_compile's first step: input that is recognisably something other
 * than a core .wasm module is refused with KILN_ERR_NOT_WASM (a component:
 * KILN_ERR_UNSUPPORTED), saying what it is and what to do. Unrecognised
 * bytes go on to the decoder, whose messages are the spec's ("magic header
 * not detected").
 */
kiln_status kc_check_input_kind(const uint8_t *b, size_t size, kiln_error *err)
{
    kiln_input_kind kind = kiln_input_identify(b, size);
    const char *what = kiln_input_description(kind);
    switch (kind) {
    case KILN_INPUT_WASM:
    case KILN_INPUT_EMPTY:
    case KILN_INPUT_UNKNOWN:
        return KILN_OK;
    case KILN_INPUT_WASM_COMPONENT:
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "this is %s: kilnc compiles core modules (extract them, e.g. "
                              "with wasm-tools, and compile those)",
                              what);
    case KILN_INPUT_KILN: {
        const char *triple, *by;
        int triple_len, by_len;
        container_string(b, size, KILN_AOT_OFF_TRIPLE, &triple, &triple_len);
        container_string(b, size, KILN_AOT_OFF_COMPILER_VERSION, &by, &by_len);
        return kiln_error_set(err, KILN_ERR_NOT_WASM, KILN_NO_OFFSET,
                              "this is already compiled: a kiln container for %.*s, written "
                              "by %.*s. Run it with kiln (kiln_module_load); to compile "
                              "again, give kilnc the .wasm it was made from",
                              triple_len, triple, by_len, by);
    }
    case KILN_INPUT_WAMR_AOT:
    case KILN_INPUT_WASMTIME_CWASM:
        return kiln_error_set(err, KILN_ERR_NOT_WASM, KILN_NO_OFFSET,
                              "this is %s, another runtime's precompiled code: "
                              "recompile the .wasm it was made from with kilnc",
                              what);
    case KILN_INPUT_ELF:
        return kiln_error_set(err, KILN_ERR_NOT_WASM, KILN_NO_OFFSET,
                              "this is %s, not a WebAssembly module: kilnc compiles .wasm "
                              "files",
                              what);
    case KILN_INPUT_WAT:
        return kiln_error_set(err, KILN_ERR_NOT_WASM, KILN_NO_OFFSET,
                              "this is %s: convert it with wat2wasm (wabt), then compile "
                              "the .wasm",
                              what);
    }
    return KILN_OK;
}

kiln_status kilnc_compile(const uint8_t *wasm, size_t wasm_size, const kilnc_options *options,
                          uint8_t **out, size_t *out_size, kiln_error *err)
{
    if (wasm == NULL || options == NULL || out == NULL || out_size == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kilnc_compile: NULL argument");
    kiln_status st = kc_check_input_kind(wasm, wasm_size, err);
    if (st != KILN_OK)
        return st;
    wasm_module *module = NULL;
    st = dec_module(wasm, wasm_size, &module, err);
    if (st == KILN_OK)
        st = val_module(module, err);
    if (st == KILN_OK && options->interruptible)
        module->features |= KILN_FEATURE_INTERRUPTIBLE; /* recorded in the header */
    if (st == KILN_OK) {
        uint32_t parts = kc_partition_count(module, options);
        uint32_t total = module->func_count - module->func_import_count;
        if (options->progress != NULL)
            options->progress(options->progress_user, 0, total);
        st = parts > 1 ? compile_partitioned(module, options, parts, out, out_size, err)
                       : compile_whole(module, options, out, out_size, err);
        if (st == KILN_OK && parts <= 1 && options->progress != NULL)
            options->progress(options->progress_user, total, total);
    }
    dec_module_free(module);
    return st;
}
