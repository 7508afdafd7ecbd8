/*
 * Internals of the libkilnc driver shared by kilnc.c (one LLVM module) and
 * partition.c (several, compiled on threads and linked into one image).
 *
 * A unit is one LLVM module of a decoded and validated wasm module: the
 * whole module, or the defined functions [first, end) of a partition, with
 * its own target machine and LLVMContext, so units on different threads
 * share nothing of LLVM's.
 */
#ifndef KILN_DRIVER_H
#define KILN_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "codegen/codegen.h"
#include "emit/emit.h"
#include "emit/image.h"
#include "kiln_compiler.h"
#include "module.h"

typedef struct kc_unit {
    emit_target *target;
    LLVMContextRef ctx;
    cg_module *cgm;
} kc_unit;

/* Which functions a unit defines: end == 0 means the whole module. */
typedef struct kc_range {
    uint32_t first;
    uint32_t end;
    bool trampolines; /* partitions only: define the trampolines here */
    /* partitions only: per function index, whether a function of another
     * partition calls it (NULL: assume every one is); not owned */
    const bool *called_across;
    /* bundles only (bundle.c): cg_config.symbol_prefix and .prelinked;
     * NULL otherwise; not owned */
    const char *symbol_prefix;
    const char *const *prelinked;
} kc_range;

/* Lowers, verifies and optimises the unit; *unit is filled even on
 * failure (free it with kc_unit_free). */
kiln_status kc_unit_build(const wasm_module *module, const kilnc_options *options,
                          kc_range range, kc_unit *unit, kiln_error *err);
void kc_unit_free(kc_unit *unit);

/* The unit's relocatable object, malloc'ed. */
kiln_status kc_unit_object(const kc_unit *unit, uint8_t **out, size_t *out_size,
                           kiln_error *err);

/* How many partitions kilnc compiles module into for these options: 1 for
 * small modules and for outputs other than a container; depends on the
 * module and options only, never on the machine, so the output is the same
 * on every machine. */
uint32_t kc_partition_count(const wasm_module *module, const kilnc_options *options);

/* The partitions kc_compile_partitions cuts module into: parts ranges
 * (trampolines in the first), and in called_across (func_count entries,
 * zeroed by the caller, referred to by the ranges) the functions another
 * partition calls. */
kiln_status kc_partition_plan(const wasm_module *module, uint32_t parts, kc_range *ranges,
                              bool *called_across, kiln_error *err);

/* Compiles module as parts partitions on up to options->threads threads
 * (0: one per online CPU) and links their objects into one image. */
kiln_status kc_compile_partitions(const wasm_module *module, const kilnc_options *options,
                                  uint32_t parts, emit_image **image, uint64_t *helpers_used,
                                  kiln_error *err);

/* Decodes, validates and lowers the defined functions [first, end). */
/* A context for the units of one compile (value names only for IR output). */
LLVMContextRef kc_context_new(const kilnc_options *options);

/* llvm emitted as an object or assembly file for target (LLVM's own
 * errors only; the module's handler may have more: cg_module_check_emitted). */
kiln_status kc_emit_llvm(const emit_target *target, LLVMModuleRef llvm,
                         LLVMCodeGenFileType type, LLVMMemoryBufferRef *out, kiln_error *err);

/* A malloc'ed copy of an LLVM buffer / of llvm's IR text. */
kiln_status kc_take_llvm_buffer(LLVMMemoryBufferRef mb, uint8_t **out, size_t *out_size,
                                kiln_error *err);
kiln_status kc_module_text(LLVMModuleRef llvm, uint8_t **out, size_t *out_size, kiln_error *err);

/* The codegen configuration the target and options give; callers add what
 * is theirs (the function range, trampolines, bundle symbols). */
cg_config kc_codegen_config(const emit_target *target, const kilnc_options *options);

kiln_status kc_lower_functions(const wasm_module *module, cg_module *cgm, uint32_t first,
                               uint32_t end, kiln_error *err);

/* Refuses input that is recognisably not a core .wasm module (what it is,
 * and what to do), as kilnc_compile says. */
kiln_status kc_check_input_kind(const uint8_t *b, size_t size, kiln_error *err);

/* The container of module and image for target (bundle_member: without
 * the image, wr_target_info). */
kiln_status kc_write_container(const wasm_module *module, const emit_image *image,
                               const emit_target *target, uint64_t helpers_used,
                               const char *keep_custom, bool bundle_member, uint8_t **out,
                               size_t *out_size, kiln_error *err);

#endif /* KILN_DRIVER_H */
