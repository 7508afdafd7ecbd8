/*
 * The compiler back end (prefix emit_): target machine, optimisation, and
 * the step from an in-memory relocatable object to the position-independent
 * code image of a kiln container (CODE, RELOCS, SYMBOLS sections).
 *
 * Invariants:
 * - An emit_target is created once per compile and owns its LLVM target
 *   machine, its data layout and the strings it reports; nothing else in it
 *   is shared with other compiles.
 * - An emit_image never refers to the object it was built from: it owns the
 *   image bytes, the relocation records and every name.
 * - Every PC-relative reference from the image into the image is resolved in
 *   the image bytes; relocs[] holds only what the loader must patch
 *   (absolute addresses of the image, calls and GOT slots of external
 *   symbols), already normalised to KILN_RELOC_* kinds.
 */
#ifndef KILN_EMIT_H
#define KILN_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "kiln/aot_format.h"
#include "kiln_compiler.h"

/* ---- target machine (emit/target.c) -------------------------------------- */

typedef struct emit_target {
    LLVMTargetMachineRef machine; /* owned */
    LLVMTargetDataRef layout;     /* owned, from the machine */
    char *triple;                 /* normalised triple, owned */
    char *cpu;                    /* CPU name given to LLVM, owned */
    char *cpu_features;           /* "+a,-b" given to LLVM, owned */
    unsigned pointer_width;       /* bytes, from the data layout: 4 or 8 */
    kiln_bounds_mode bounds;      /* option, or the target's default */
    unsigned opt_level;           /* 0..3 */
    unsigned size_level;          /* 0..2 */
} emit_target;

/* Initialises every LLVM target once per process (thread-safe). */
void emit_targets_init(void);

/*
 * Creates the target machine the options describe (defaults: the host).
 * KILN_ERR_ARGUMENT for an unknown triple, CPU or CPU feature, or an
 * option out of range, with LLVM's own words where it has any.
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

/* ---- object -> code image (emit/object.c) --------------------------------- */

/* A relocation the loader applies, in container form. */
typedef struct emit_reloc {
    uint32_t offset; /* of the patched field in the image */
    uint8_t kind;    /* kiln_reloc_kind */
    uint32_t symbol; /* KILN_RELOC_SYM_IMAGE or an index into externs */
    int64_t addend;
} emit_reloc;

/* A symbol defined in the image (functions and trampolines). */
typedef struct emit_symbol {
    char *name;      /* owned */
    uint32_t offset; /* in the image */
    uint32_t size;   /* bytes, from the object's symbol table */
} emit_symbol;

typedef struct emit_image {
    uint8_t *bytes;       /* image_size bytes, owned */
    uint32_t exec_size;   /* [0, exec_size) is machine code */
    uint32_t image_size;  /* code + read-only data + GOT */
    uint32_t image_align; /* power of two, at least the pointer width */

    emit_reloc *relocs;   /* sorted by offset */
    uint32_t reloc_count;

    char **externs;       /* external symbol names, SYMBOLS order */
    uint32_t extern_count;

    emit_symbol *symbols; /* sorted by name, for emit_image_find */
    uint32_t symbol_count;
} emit_image;

/*
 * Builds the code image from an ELF relocatable object (in memory, not
 * kept). KILN_ERR_UNSUPPORTED names a writable data section, a relocation
 * type or an object format the back end cannot place; KILN_ERR_CODEGEN
 * reports an object that is inconsistent.
 */
kiln_status emit_image_from_object(const uint8_t *object, size_t object_size,
                                   emit_image **out, kiln_error *err);
void emit_image_free(emit_image *image);

/* Looks up a defined symbol by name; NULL when the object has none (e.g. a
 * function LLVM inlined everywhere and dropped). */
const emit_symbol *emit_image_find(const emit_image *image, const char *name);

/* ---- per-architecture relocation tables (emit/reloc_<arch>.c) -------------- */

/* What a relocation type means, independent of the architecture. */
typedef enum emit_reloc_action {
    EMIT_RA_IGNORE,    /* no effect (R_*_NONE) */
    EMIT_RA_PCREL,     /* S + A - P into a field; resolved inside the image */
    EMIT_RA_CALL,      /* a call: like PCREL, external -> CALL_REL32 */
    EMIT_RA_GOT_PCREL, /* GOT slot of S + A - P */
    EMIT_RA_ABS,       /* S + A: absolute, left to the loader */
    EMIT_RA_REFUSE     /* known type the image cannot hold (named in the
                          error message) */
} emit_reloc_action;

typedef struct emit_reloc_type {
    uint32_t type;            /* ELF r_type */
    const char *name;         /* "R_X86_64_PLT32" */
    emit_reloc_action action;
    uint8_t width;            /* bytes of the patched field */
} emit_reloc_type;

typedef struct emit_reloc_arch {
    uint16_t elf_machine;     /* EM_* */
    const char *name;         /* "x86-64" */
    uint8_t code_fill;        /* padding byte between code sections */
    const emit_reloc_type *types;
    size_t type_count;
    /* Writes a resolved PC-relative value into the field at p; false when
     * it does not fit the field. */
    bool (*write_pcrel)(uint8_t *p, const emit_reloc_type *type, int64_t value);
} emit_reloc_arch;

extern const emit_reloc_arch emit_reloc_x86_64;

#endif /* KILN_EMIT_H */
