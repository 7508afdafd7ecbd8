/*
 * The compiler back end (prefix emit_): target machine and optimisation,
 * on the LLVM-C API. The object -> code image step is in image.h, which
 * needs no LLVM.
 *
 * Invariant: an emit_target is created once per compile and owns its LLVM
 * target machine, its data layout and the strings it reports; nothing in it
 * is shared with other compiles.
 */
#ifndef KILN_EMIT_H
#define KILN_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "image.h"
#include "kiln/aot_format.h"
#include "kiln_compiler.h"
#include "kiln_cpu.h"
#include "module.h"

/* ---- linked modules (emit/linked.c) ---------------------------------------- */

/* Adds the kiln_linked_code record (aot_format.h) named `name` to the LLVM
 * module of a whole wasm module (kilnc --format=object), pointing at its
 * functions and trampolines, and makes every other defined symbol local.
 * KILN_ERR_ARGUMENT when name is not a C identifier. */
kiln_status emit_linked_record(LLVMModuleRef llvm, const wasm_module *module,
                               const char *name, kiln_error *err);

/* ---- target machine (emit/target.c) -------------------------------------- */

/* One target kiln supports (a row of target.c's table, static storage). */
typedef struct emit_target_spec {
    const char *triple;        /* as users write it: "aarch64-linux-gnu" */
    const char *description;   /* one line, for --target=help */
    kiln_arch arch;            /* the triples it stands for */
    const char *cpu;           /* baseline CPU (LLVM name) */
    const char *features;      /* baseline features, LLVM syntax */
    const char *abi;           /* LLVM "target-abi" module flag, NULL: default */
    unsigned pointer_width;    /* bytes */
    kiln_bounds_mode bounds;   /* default bounds-check mode */
    unsigned max_page_size;    /* largest page size of the target's OS (bytes;
                                  aarch64 Linux kernels use 4, 16 or 64 KiB) */
    bool quiet_rounding_nans;  /* see cg_config (codegen.h) */
} emit_target_spec;

size_t emit_target_spec_count(void);
/* Row index (0 ..count-1), NULL past the end. */
const emit_target_spec *emit_target_spec_at(size_t index);

typedef struct emit_target {
    LLVMTargetMachineRef machine; /* owned */
    LLVMTargetDataRef layout;     /* owned, from the machine */
    char *triple;                 /* normalised triple, owned */
    char *cpu;                    /* CPU name given to LLVM, owned */
    char *cpu_features;           /* "+a,-b" given to LLVM, owned */
    unsigned pointer_width;       /* bytes, from the data layout: 4 or 8 */
    unsigned max_page_size;       /* largest page size an OS of the target may
                                     use (the image's file alignment) */
    const char *abi;              /* target-abi module flag or NULL (static) */
    bool quiet_rounding_nans;     /* from the spec */
    kiln_bounds_mode bounds;      /* option, or the target's default */
    bool xip;                     /* execute in place (KILN_AOT_FLAG_XIP) */
    unsigned opt_level;           /* 0..3 */
    unsigned size_level;          /* 0..2 */
} emit_target;

/* Initialises every LLVM target once per process (thread-safe). */
void emit_targets_init(void);

/*
 * Creates the target machine the options describe (defaults: the host).
 * KILN_ERR_ARGUMENT for a triple kiln does not support (the message lists
 * the supported ones), an unknown CPU or CPU feature, or an option out of
 * range, with LLVM's own words where it has any.
 */
kiln_status emit_target_new(const kilnc_options *options, emit_target **out,
                            kiln_error *err);
void emit_target_free(emit_target *target);

/* The host's normalised default triple, computed once (static storage). */
const char *emit_host_triple(void);

/* ---- optimisation (emit/optimize.c) --------------------------------------- */

/* Runs LLVM's default<O0..O3> (or <Os>/<Oz> for size levels 1/2) pipeline
 * for target's machine. KILN_ERR_CODEGEN with LLVM's message on failure. */
kiln_status emit_optimize(LLVMModuleRef module, const emit_target *target,
                          kiln_error *err);

#endif /* KILN_EMIT_H */
