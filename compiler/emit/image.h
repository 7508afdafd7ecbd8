/*
 * The code image of a kiln container (prefix emit_), built from one or more
 * relocatable ELF objects: the CODE section's bytes, its RELOCS and SYMBOLS,
 * and the offsets of every function and trampoline. Also the interface of
 * the per-architecture relocation tables (emit/reloc_<arch>.c).
 *
 * This header needs no LLVM: the object is plain ELF, read with <elf.h>.
 *
 * Invariants:
 * - An emit_image never refers to the objects it was built from: it owns the
 *   image bytes, the relocation records and every name.
 * - Every PC-relative reference from the image into the image is resolved in
 *   the image bytes; relocs[] holds only what the loader must patch
 *   (absolute addresses of the image, calls and GOT slots of external
 *   symbols), already normalised to KILN_RELOC_* kinds.
 */
#ifndef KILN_EMIT_IMAGE_H
#define KILN_EMIT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln/aot_format.h"
#include "kiln/status.h"

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
    uint32_t offset; /* in the image: the entry point (Thumb: address + 1) */
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

    emit_symbol *symbols; /* sorted by name (then offset), for emit_image_find */
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

/*
 * Several objects that form one image (e.g. partitions of one module
 * compiled in parallel), linked as a static linker would: an undefined
 * symbol of one object binds to the global or weak definition of its name
 * in another, and only names no object defines stay external (one entry
 * each in externs, one GOT slot and stub shared by all objects). The code
 * of objects[0], objects[1], ... comes first, then the stubs, then their
 * read-only data, then the GOT. The objects' bytes are not kept. Errors as
 * for emit_image_from_object, plus KILN_ERR_CODEGEN for a global symbol
 * defined in two objects (named) or objects for different architectures,
 * and KILN_ERR_ARGUMENT for count 0.
 */
kiln_status emit_image_from_objects(const uint8_t *const *objects, const size_t *sizes,
                                    uint32_t count, emit_image **out, kiln_error *err);

/* How an image is linked. xip: execute in place (KILN_AOT_FLAG_XIP): no
 * GOT and no loader records; external calls go through stubs into the
 * runtime's libcall table (KILN_LIBCALLS order, the arch's
 * write_table_stub), and any relocation that the loader would have to
 * apply, or an external not in KILN_LIBCALLS, is KILN_ERR_UNSUPPORTED,
 * named. */
typedef struct emit_image_options {
    bool xip;
} emit_image_options;

/* emit_image_from_objects with options (NULL: the defaults). */
kiln_status emit_image_link(const uint8_t *const *objects, const size_t *sizes, uint32_t count,
                            const emit_image_options *options, emit_image **out,
                            kiln_error *err);

void emit_image_free(emit_image *image);

/* Looks up a defined symbol by name; NULL when the objects have none (e.g.
 * a function LLVM inlined everywhere and dropped). Meant for globally unique
 * names: a name with a global definition finds that one; a local name that
 * several objects define finds any of them. */
const emit_symbol *emit_image_find(const emit_image *image, const char *name);

/* ---- per-architecture relocation tables (emit/reloc_<arch>.c) -------------- */

/*
 * What a relocation type means, independent of the architecture. S is the
 * target's image offset (or its GOT slot's, for the GOT kinds), A the
 * addend, P the field's image offset. Page(x) = x & ~0xFFF: the loader maps
 * images on a page boundary (at least 4 KiB), so page numbers and low 12
 * bits of image offsets are those of the run-time addresses.
 */
typedef enum emit_reloc_action {
    EMIT_RA_IGNORE,    /* no effect (R_*_NONE, riscv RELAX/ALIGN marks) */
    EMIT_RA_PCREL,     /* S + A - P into a field; resolved inside the image */
    EMIT_RA_CALL,      /* a call: like PCREL; to an external symbol it goes
                          through the symbol's stub */
    EMIT_RA_GOT_PCREL, /* GOT slot of S + A - P */
    EMIT_RA_ABS,       /* S + A: absolute data field, left to the loader */
    EMIT_RA_PAGE_PCREL,     /* Page(S + A) - Page(P) (aarch64 ADRP) */
    EMIT_RA_GOT_PAGE_PCREL, /* Page(GOT slot of S) - Page(P) */
    EMIT_RA_LO12,      /* (S + A) & 0xFFF (aarch64 ADD/LDST *_LO12_NC) */
    EMIT_RA_GOT_LO12,  /* (GOT slot of S) & 0xFFF */
    EMIT_RA_PCREL_LO,  /* riscv PCREL_LO12_*: S names the instruction of a
                          PCREL_HI20/GOT_HI20 relocation in the same section;
                          the value is that relocation's S + A - P */
    EMIT_RA_ABS_CODE,  /* S + A in an instruction (riscv HI20/LO12): only an
                          absolute symbol can be resolved at build time */
    EMIT_RA_ADD,       /* field += S + A; must pair with a SUB at the same
                          offset (riscv label differences) */
    EMIT_RA_SUB,       /* field -= S + A; after its ADD */
    EMIT_RA_REFUSE     /* known type the image cannot hold (named in the
                          error message) */
} emit_reloc_action;

typedef struct emit_reloc_type {
    uint32_t type;            /* ELF r_type */
    const char *name;         /* "R_X86_64_PLT32" */
    emit_reloc_action action;
    uint8_t width;            /* bytes of the patched field */
    uint8_t encoding;         /* how the value goes in: the arch file's own
                                 numbering (0: a plain little-endian field) */
} emit_reloc_type;

typedef struct emit_reloc_arch {
    uint16_t elf_machine;     /* EM_* */
    const char *name;         /* "x86-64" */
    uint8_t code_fill;        /* padding byte between code sections */
    uint8_t code_entry_bit;   /* added to a code address to call it: 1 for
                                 Thumb (as in a Thumb function's symbol
                                 value), else 0 */
    const emit_reloc_type *types;
    size_t type_count;
    /* The implicit addend of a REL relocation, decoded from its field
     * (instruction immediates included); NULL: a little-endian integer of
     * the type's width. */
    int64_t (*read_addend)(const uint8_t *p, const emit_reloc_type *type);
    /* Writes a resolved value (what the type's action computes) into the
     * field at p, merging it into the instruction where the type is
     * encoded in one; false when it does not fit the field or breaks its
     * alignment. */
    bool (*write_pcrel)(uint8_t *p, const emit_reloc_type *type, int64_t value);
    /* Call stubs: stub_size bytes (a power of two) at image offset `stub`
     * that jump to the address held in the GOT slot at image offset `slot`. */
    uint32_t stub_size;
    void (*write_stub)(uint8_t *p, uint64_t stub, uint64_t slot);
    /* XIP stubs: a jump through entry `index` of the libcall table the
     * code's context register holds; NULL where XIP is not supported. */
    void (*write_table_stub)(uint8_t *p, uint32_t index);
    /* Smallest image_align: 4096 where code addresses data by page. */
    uint32_t min_image_align;
} emit_reloc_arch;

extern const emit_reloc_arch emit_reloc_x86_64;
extern const emit_reloc_arch emit_reloc_arm;

/* Thumb-2 immediate fields (reloc_arm.c), exposed for unit tests: the
 * signed byte offset of BL/B.W (+-16 MiB) and of B<c>.W (+-1 MiB), and the
 * 16-bit immediate of MOVW/MOVT. The setters keep the other bits and
 * return false (writing nothing) for an odd or out-of-range offset. */
int64_t emit_thumb_branch24_get(const uint8_t *p);
bool emit_thumb_branch24_set(uint8_t *p, int64_t offset);
int64_t emit_thumb_branch19_get(const uint8_t *p);
bool emit_thumb_branch19_set(uint8_t *p, int64_t offset);
uint32_t emit_thumb_mov16_get(const uint8_t *p);
void emit_thumb_mov16_set(uint8_t *p, uint32_t imm16);
extern const emit_reloc_arch emit_reloc_aarch64;
extern const emit_reloc_arch emit_reloc_riscv64;

/* Whether v fits a signed field of `bits` bits (1..63): the range check of
 * every architecture's write_pcrel. */
static inline bool emit_fits_signed(int64_t v, unsigned bits)
{
    int64_t limit = (int64_t)1 << (bits - 1);
    return v >= -limit && v < limit;
}

#endif /* KILN_EMIT_IMAGE_H */
