/*
 * Codegen: lowers a validated wasm_module to one LLVM module, following the
 * compiled-code ABI of include/kiln/aot_format.h.
 *
 * Use: cg_module_new, then cg_function for every defined function (the
 * caller decodes and validates each body just before), then cg_module_finish
 * (trampolines, verification). The caller then optimises and emits
 * cg_module_llvm(). Symbols: kiln_f<N> (function N of the index space),
 * kiln_entry_t<T> and kiln_host_t<T> (trampolines of type T).
 */
#ifndef KILN_CODEGEN_H
#define KILN_CODEGEN_H

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>

#include "kiln/aot_format.h"
#include "module.h"

typedef struct cg_config {
    const char *triple;        /* target triple, set on the LLVM module */
    LLVMTargetDataRef layout;  /* target data layout (not owned) */
    unsigned pointer_width;    /* bytes: 4 or 8 */
    kiln_bounds_mode bounds;   /* how memory accesses are checked */
    unsigned opt_level;        /* 0..3, to pick attributes only */
    /* The target's ceil/floor/trunc/nearest return a signalling NaN input
     * unchanged (riscv64 without Zfa rounds in integer registers and
     * passes NaNs through): their results are quietened, as wasm wants. */
    bool quiet_rounding_nans;
    /* Partitioned compilation (several LLVM modules, one object each,
     * linked into one image): this module defines the functions of index
     * [first_func, end_func) only, a function another partition calls
     * (called_across) has external (hidden) linkage, and only partition 0
     * (with_trampolines) defines the trampolines. end_func == 0: the whole
     * module, with trampolines and internal linkage where nothing outside
     * needs a function. */
    uint32_t first_func;
    uint32_t end_func;
    /* Partitions: per function index, whether another partition calls it;
     * the others are internal unless their address escapes. NULL: all of
     * the partition's functions are external. Not owned. */
    const bool *called_across;
    bool with_trampolines;
    /* Execute in place (32-bit Arm, r9 reserved): entry trampolines load
     * the libcall table from vmctx into r9 and restore the caller's r9. */
    bool xip;
    /* Check vmctx's interrupt word at function entries and loop headers. */
    bool interruptible;
    /* Pre-linked bundles (compiler/bundle.c): every symbol this module
     * defines starts with symbol_prefix (NULL: none), and a call to
     * function import i with prelinked[i] != NULL calls that symbol (the
     * callee module's function, in the same LLVM module) directly, passing
     * the vmctx of the import slot. NULL: every import is called through
     * its slot. Not owned. */
    const char *symbol_prefix;
    const char *const *prelinked;
} cg_config;

typedef struct cg_module cg_module;

/* Creates the LLVM module in ctx and declares every function and trampoline. */
kiln_status cg_module_new(LLVMContextRef ctx, const wasm_module *module,
                          const cg_config *config, cg_module **out, kiln_error *err);
/* Emits the body of one defined function; body was validated. */
kiln_status cg_function(cg_module *cgm, const wasm_body *body, kiln_error *err);
/* Emits trampolines and runs LLVMVerifyModule. KILN_ERR_CODEGEN when broken. */
kiln_status cg_module_finish(cg_module *cgm, kiln_error *err);

/* After the optimisation pipeline, before code generation: in guard mode,
 * makes every linear-memory load volatile so that the back end cannot
 * narrow it (a partly out-of-bounds access must trap; cg_liveness.c). */
void cg_module_keep_loads_whole(cg_module *cgm);
/* After LLVM generated code from the module: KILN_ERR_CODEGEN with the
 * first error LLVM reported, KILN_ERR_UNSUPPORTED when a function's frame
 * is larger than its target allows (targets without stack probes). */
kiln_status cg_module_check_emitted(const cg_module *cgm, kiln_error *err);
/* The LLVM module; still owned by cgm unless taken. */
LLVMModuleRef cg_module_llvm(const cg_module *cgm);
/* Transfers ownership of the LLVM module to the caller. */
LLVMModuleRef cg_module_take_llvm(cg_module *cgm);
/* Bit i set when code calls helper i (container header helpers_used). */
uint64_t cg_module_helpers_used(const cg_module *cgm);
/* The LLVM function type of helper id, from its C signature in KILN_HELPERS
 * (aot_format.h); NULL for an unknown id or a signature using a C type
 * codegen does not map (a unit test checks every helper has one). */
LLVMTypeRef cg_helper_type(const cg_module *cgm, kiln_helper_id id);
/* Disposes the LLVM module too, unless it was taken. NULL is a no-op. */
void cg_module_free(cg_module *cgm);

#endif /* KILN_CODEGEN_H */
