/*
 * kiln container (.aot) format and the compiled-code ABI.
 *
 * This header is the single definition shared by the writer (libkilnc) and the
 * reader (libkiln). Everything here is part of KILN_AOT_FORMAT_VERSION: change a
 * byte of the layout, the vmctx layout, a helper's signature or a trampoline's
 * calling convention and the version must change too.
 *
 * Policy: a runtime loads exactly the format versions in
 * [KILN_AOT_FORMAT_VERSION_MIN, KILN_AOT_FORMAT_VERSION] and names that range
 * when it refuses a file.
 *
 * Byte order: every multi-byte integer in the file is little-endian. Nothing in
 * the file is aligned except where stated, so readers use byte-wise accessors
 * and accept buffers at any alignment.
 *
 * File layout
 * -----------
 *   [header (fixed part + strings), header_size bytes]
 *   [section table: section_count entries of 16 bytes]
 *   [section payloads, in any order, non-overlapping, inside the file]
 *
 * Fixed header (KILN_AOT_HEADER_FIXED_SIZE bytes):
 *   off size field
 *     0    4 magic              0x7F 'K' 'L' 'N'
 *     4    4 format_version     KILN_AOT_FORMAT_VERSION of the writer
 *     8    4 header_size        bytes from file start to the section table
 *    12    4 checksum           CRC-32C (Castagnoli, reflected polynomial
 *                               0x82F63B78, init and xorout 0xFFFFFFFF) of
 *                               every byte of the file except these four:
 *                               bytes [0,12) ++ [16,size)
 *    16    8 file_size          total bytes; a shorter buffer is "truncated"
 *    24    1 pointer_width      4 or 8 (bytes)
 *    25    1 endianness         0 = little (the only value written today)
 *    26    1 bounds_checks      enum kiln_bounds_mode
 *    27    1 flags              KILN_AOT_FLAG_* (other bits 0)
 *    28    4 wasm_features      KILN_FEATURE_* bits the module uses
 *    32    8 helpers_used       bit i set <=> code calls helper i (KILN_HELPER_*)
 *    40    4 section_count
 *    44    4 section_table_offset (== header_size)
 *    48    8 triple             string ref {u32 offset, u32 size} from file start
 *    56    8 cpu                string ref
 *    64    8 cpu_features       string ref, LLVM syntax "+a,+b,-c"
 *    72    8 compiler_version   string ref, e.g. "kilnc 0.1.0 (LLVM 19.1.7)"
 *    80      end of fixed part; string bytes follow (not NUL-terminated) and
 *            header_size is rounded up to a multiple of 8.
 *
 * Section table entry (16 bytes): u32 id, u32 offset (from file start),
 * u32 size, u32 reserved (0). Each id appears at most once.
 *
 * Section payloads. "str" is u32 length + bytes (UTF-8, no NUL).
 * "limits" is u8 flags (KILN_LIMITS_*), u64 min, u64 max (0 when no max).
 * "cexpr" is a constant expression in the normalised encoding below.
 *
 *   TYPES     u32 count; per type: u32 param_count, u32 result_count,
 *             u8 valtype[param_count + result_count] (wasm encoding: 0x7F i32,
 *             0x7E i64, 0x7D f32, 0x7C f64, 0x7B v128, 0x70 funcref,
 *             0x6F externref), u32 entry_trampoline, u32 host_trampoline
 *             (code-image offsets, KILN_AOT_NONE when absent).
 *   IMPORTS   u32 count; per import: str module, str field, u8 kind
 *             (KILN_EXTERN_*), then func: u32 type_index | table: u8 reftype,
 *             limits | memory: limits | global: u8 valtype, u8 mutable.
 *   FUNCS     u32 imported_count, u32 defined_count; per defined function:
 *             u32 type_index, u32 code_offset, u32 code_size (offset
 *             KILN_AOT_NONE when LLVM inlined or dropped the body).
 *             Code offsets here and in TYPES are entry points: for Thumb
 *             code (32-bit Arm) bit 0 is set, as in an ELF symbol, so
 *             image base + offset is directly callable; the bytes start
 *             at offset & ~1.
 *   TABLES    u32 count (defined tables only); per table: u8 reftype, limits.
 *   MEMORIES  u32 count (defined only); per memory: limits.
 *   GLOBALS   u32 count (defined only); per global: u8 valtype, u8 mutable,
 *             cexpr init.
 *   EXPORTS   u32 count; per export: str name, u8 kind, u32 index (in the
 *             module's index space of that kind, imports first).
 *   START     u32 func_index (section absent when there is no start function).
 *   ELEMS     u32 count; per segment: u8 mode (KILN_SEGMENT_*), u8 reftype,
 *             u32 table_index, [cexpr offset if active], u32 item_count,
 *             cexpr item[item_count].
 *   DATA      u32 count; per segment: u8 mode, u32 memory_index,
 *             [cexpr offset if active], u32 size, u8 bytes[size].
 *   CODE      u32 exec_size, u32 image_size, u32 image_align, u32 reserved,
 *             u8 image[image_size]. Bytes [0, exec_size) are machine code
 *             (ending with the call stubs of external symbols, each a jump
 *             through its GOT slot), [exec_size, image_size) read-only data
 *             (constant pools, jump tables, .data.rel.ro, the GOT). Code
 *             reaches all of it PC-relatively, so the image moves as one
 *             piece, and RELOCS only patch data (GOT slots, .data.rel.ro),
 *             never instructions. The loader maps the image on a page
 *             boundary writable, applies RELOCS, then makes it read+execute
 *             (never writable and executable at once).
 *             When image_size >= KILN_AOT_IMAGE_PAGE_ALIGN_MIN, the writer
 *             puts image[] at a file offset that is a multiple of the
 *             target's largest page size (4 KiB; 64 KiB for aarch64) and
 *             starts the next section on the next such multiple, so a
 *             loader that mapped the file may use those pages in place
 *             (copy-on-write touches only the pages RELOCS patch). Loaders
 *             check the offset and copy when it is not aligned.
 *   RELOCS    u32 count; per relocation (20 bytes): u32 offset (in image),
 *             u8 kind (KILN_RELOC_*), u8 reserved[3], u32 symbol
 *             (KILN_RELOC_SYM_IMAGE or an index into SYMBOLS), i64 addend.
 *             PC-relative references inside the image are resolved by the
 *             compiler; only absolute and external references remain.
 *   SYMBOLS   u32 count; per symbol: str name. External symbols the code needs
 *             (compiler-generated libcalls such as memcpy, fmod, ceilf); the
 *             loader resolves them from a fixed list and refuses others.
 *   LAYOUT    u32 vmctx_size, u32 func_imports, u32 memories, u32 tables,
 *             u32 globals: the vmctx layout the code was compiled against;
 *             the loader recomputes it and refuses a mismatch.
 *   NAMES     str module_name; u32 count; per entry: u32 func_index, str name.
 *   CUSTOM    u32 count; per custom section: str name, u32 size, u8 bytes[size].
 *   BUNDLE    a pre-linked bundle (kilnc a.wasm b.wasm): several modules
 *             compiled into one code image whose calls between them are
 *             direct. A bundle container has only CODE, RELOCS, SYMBOLS
 *             (the one image) and BUNDLE:
 *               u32 member_count; per member: str name (what the others
 *               import it as, unique, not empty), u32 offset (from file
 *               start), u32 size: the member's own container;
 *               u32 prelink_count; per pre-linked import (16 bytes):
 *               u32 member, u32 import_index (in that member's IMPORTS),
 *               u32 callee_member, u32 callee_func (a defined function of
 *               callee_member, another member, of the import's type);
 *               then the members' containers (8-aligned).
 *             A member container is a complete container (header,
 *             checksum, the bundle's target) without CODE, RELOCS,
 *             SYMBOLS or BUNDLE: its code offsets are into the bundle's
 *             image. The last member is the main module; its code calls a
 *             pre-linked import directly (the slot's vmctx still passed),
 *             so the runtime binds such an import only to an instance of
 *             callee_member of the same loaded bundle.
 *
 * Constant expressions (cexpr): a sequence of u8 op + immediate, ending with
 * KILN_CEXPR_END. Immediates: I32_CONST u32, I64_CONST u64, F32_CONST u32 bits,
 * F64_CONST u64 bits, V128_CONST 16 bytes, GLOBAL_GET u32 global index,
 * REF_NULL u8 reftype, REF_FUNC u32 func index; the arithmetic ops have none.
 */
#ifndef KILN_AOT_FORMAT_H
#define KILN_AOT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/kinds.h"  /* kiln_extern_kind, kiln_valkind: stored as bytes */
#include "kiln/status.h" /* kiln_trap_code: passed to the trap helper */

#define KILN_AOT_MAGIC_0 0x7Fu
#define KILN_AOT_MAGIC_1 'K'
#define KILN_AOT_MAGIC_2 'L'
#define KILN_AOT_MAGIC_3 'N'

#define KILN_AOT_FORMAT_VERSION 3u
#define KILN_AOT_FORMAT_VERSION_MIN 3u

#define KILN_AOT_HEADER_FIXED_SIZE 80u
#define KILN_AOT_SECTION_ENTRY_SIZE 16u
#define KILN_AOT_RELOC_ENTRY_SIZE 20u
#define KILN_AOT_NONE 0xFFFFFFFFu
/* Smallest code image the writer page-aligns in the file (see CODE). */
#define KILN_AOT_IMAGE_PAGE_ALIGN_MIN 65536u

/* Header field offsets. */
enum {
    KILN_AOT_OFF_MAGIC = 0,
    KILN_AOT_OFF_VERSION = 4,
    KILN_AOT_OFF_HEADER_SIZE = 8,
    KILN_AOT_OFF_CHECKSUM = 12,
    KILN_AOT_OFF_FILE_SIZE = 16,
    KILN_AOT_OFF_POINTER_WIDTH = 24,
    KILN_AOT_OFF_ENDIANNESS = 25,
    KILN_AOT_OFF_BOUNDS_CHECKS = 26,
    KILN_AOT_OFF_FLAGS = 27,
    KILN_AOT_OFF_WASM_FEATURES = 28,
    KILN_AOT_OFF_HELPERS_USED = 32,
    KILN_AOT_OFF_SECTION_COUNT = 40,
    KILN_AOT_OFF_SECTION_TABLE = 44,
    KILN_AOT_OFF_TRIPLE = 48,
    KILN_AOT_OFF_CPU = 56,
    KILN_AOT_OFF_CPU_FEATURES = 64,
    KILN_AOT_OFF_COMPILER_VERSION = 72
};

/* The sections, X(ID, id, "NAME"): their ids and the one spelling of their
 * names (the loader's messages; the inspector prints them in lower case). */
#define KILN_SECTIONS(X)                                                                     \
    X(TYPES, 1, "TYPES") X(IMPORTS, 2, "IMPORTS") X(FUNCS, 3, "FUNCS")                       \
    X(TABLES, 4, "TABLES") X(MEMORIES, 5, "MEMORIES") X(GLOBALS, 6, "GLOBALS")               \
    X(EXPORTS, 7, "EXPORTS") X(START, 8, "START") X(ELEMS, 9, "ELEMS") X(DATA, 10, "DATA")   \
    X(CODE, 11, "CODE") X(RELOCS, 12, "RELOCS") X(SYMBOLS, 13, "SYMBOLS")                    \
    X(LAYOUT, 14, "LAYOUT") X(NAMES, 15, "NAMES") X(CUSTOM, 16, "CUSTOM")                    \
    X(BUNDLE, 17, "BUNDLE")

#define KILN_SECTION_ENUM_(ID, id, name) KILN_SEC_##ID = id,
typedef enum kiln_aot_section_id {
    KILN_SECTIONS(KILN_SECTION_ENUM_)
    KILN_SEC_MAX_ID = 17
} kiln_aot_section_id;
#undef KILN_SECTION_ENUM_

typedef enum kiln_bounds_mode {
    KILN_BOUNDS_GUARD = 0,    /* guard pages, no checks in code (64-bit) */
    KILN_BOUNDS_EXPLICIT = 1  /* compare against vmctx mem0_bound */
} kiln_bounds_mode;

enum {
    KILN_LIMITS_HAS_MAX = 1u << 0,
    KILN_LIMITS_SHARED = 1u << 1,
    KILN_LIMITS_IS64 = 1u << 2
};

/* Header flags (byte KILN_AOT_OFF_FLAGS). */
enum {
    /*
     * Execute in place (kilnc --xip): nothing in the image (code, read-only
     * data) is written at load, so it may run from flash where it lies.
     * RELOCS is empty and there is no GOT: the code calls libcalls through
     * stubs "ldr.w pc, [r9, #4*id]", id the name's index in KILN_LIBCALLS,
     * and its entry trampolines load r9 from vmctx word KILN_VMCTX_LIBCALLS
     * (restoring the caller's r9). 32-bit Arm only.
     */
    KILN_AOT_FLAG_XIP = 1u << 0
};

/*
 * The libcalls compiled code may call, in their fixed order: the index is
 * the slot of the libcall table XIP code reaches through r9. Append only
 * (to the last list). The runtime resolves each by its C library name
 * (runtime/symbols.c), the Arm EABI's only on 32-bit Arm, the 64-bit
 * atomics only where the platform layer provides them.
 */
#define KILN_LIBCALLS_C(X)                                                      \
    X(memcpy) X(memmove) X(memset) X(fmod) X(fmodf) X(ceil) X(ceilf) X(floor)     \
    X(floorf) X(trunc) X(truncf) X(nearbyint) X(nearbyintf) X(rint) X(rintf)      \
    X(roundeven) X(roundevenf) X(sqrt) X(sqrtf) X(fmin) X(fminf) X(fmax) X(fmaxf)
/* The run-time helpers of the Arm EABI (RTABI) LLVM calls where the core
 * has no instruction: integer division, 64-bit integer <-> float
 * conversions, double-precision arithmetic on single-precision FPUs, and
 * the EABI's memory functions. */
#define KILN_LIBCALLS_ARM_EABI(X)                                                \
    X(__aeabi_idiv) X(__aeabi_uidiv) X(__aeabi_idivmod) X(__aeabi_uidivmod)        \
    X(__aeabi_ldivmod) X(__aeabi_uldivmod) X(__aeabi_llsl) X(__aeabi_llsr)         \
    X(__aeabi_lasr) X(__aeabi_lmul) X(__aeabi_l2d) X(__aeabi_ul2d) X(__aeabi_l2f)   \
    X(__aeabi_ul2f) X(__aeabi_d2lz) X(__aeabi_d2ulz) X(__aeabi_f2lz)               \
    X(__aeabi_f2ulz) X(__aeabi_dadd) X(__aeabi_dsub) X(__aeabi_drsub)              \
    X(__aeabi_dmul) X(__aeabi_ddiv) X(__aeabi_dcmpeq) X(__aeabi_dcmplt)            \
    X(__aeabi_dcmple) X(__aeabi_dcmpge) X(__aeabi_dcmpgt) X(__aeabi_dcmpun)        \
    X(__aeabi_d2f) X(__aeabi_f2d) X(__aeabi_i2d) X(__aeabi_ui2d) X(__aeabi_d2iz)   \
    X(__aeabi_d2uiz) X(__aeabi_memcpy) X(__aeabi_memcpy4) X(__aeabi_memcpy8)       \
    X(__aeabi_memmove) X(__aeabi_memmove4) X(__aeabi_memmove8) X(__aeabi_memset)   \
    X(__aeabi_memset4) X(__aeabi_memset8) X(__aeabi_memclr) X(__aeabi_memclr4)     \
    X(__aeabi_memclr8)
/* 64-bit atomics on cores without 64-bit exclusive access (ARMv7-M has no
 * ldrexd): GCC's libatomic interface. The bare-metal platform layer
 * provides them (runtime/platform/baremetal.c); no other host needs them. */
#define KILN_LIBCALLS_ATOMIC64(X)                                                \
    X(__atomic_load_8) X(__atomic_store_8) X(__atomic_exchange_8)                  \
    X(__atomic_compare_exchange_8) X(__atomic_fetch_add_8) X(__atomic_fetch_sub_8) \
    X(__atomic_fetch_and_8) X(__atomic_fetch_or_8) X(__atomic_fetch_xor_8)
#define KILN_LIBCALLS(X) KILN_LIBCALLS_C(X) KILN_LIBCALLS_ARM_EABI(X) KILN_LIBCALLS_ATOMIC64(X)

/*
 * The value types as stored (kiln/kinds.h's encodings) and their names:
 * X(KILN_<TYPE>, "name"). kiln_aot_valtype_name is the one lookup.
 */
#define KILN_VALTYPES(X)                                                                     \
    X(KILN_I32, "i32") X(KILN_I64, "i64") X(KILN_F32, "f32") X(KILN_F64, "f64")              \
    X(KILN_V128, "v128") X(KILN_FUNCREF, "funcref") X(KILN_EXTERNREF, "externref")

/* The name of a value type's encoding ("i32"), NULL for any other byte. */
static inline const char *kiln_aot_valtype_name(uint32_t code)
{
    switch (code) {
#define KILN_VALTYPE_CASE_(kind, name) \
    case kind: return name;
        KILN_VALTYPES(KILN_VALTYPE_CASE_)
#undef KILN_VALTYPE_CASE_
    default: return NULL;
    }
}

/*
 * A module linked into a program (kilnc --format=object): the object
 * defines this record, named by kilnc --linked-name (default
 * kiln_linked_module), and kiln_module_load_linked takes the code
 * addresses from it instead of mapping the container's image. The system
 * linker fills the pointers; entries are NULL where the module has no such
 * code (imports, dropped functions, types without that trampoline).
 */
#define KILN_LINKED_MAGIC 0x6B6C6E31u /* "kln1" */
struct kiln_linked_code {
    uint32_t magic;      /* KILN_LINKED_MAGIC */
    uint32_t func_count; /* the function index space, imports included */
    uint32_t type_count;
    uint32_t reserved;   /* 0 */
    const void *const *funcs;             /* func_count entries */
    const void *const *entry_trampolines; /* type_count entries */
    const void *const *host_trampolines;  /* type_count entries */
};

typedef enum kiln_segment_mode {
    KILN_SEGMENT_ACTIVE = 0,
    KILN_SEGMENT_PASSIVE = 1,
    KILN_SEGMENT_DECLARATIVE = 2
} kiln_segment_mode;

/* Wasm features a module uses (header wasm_features). */
enum {
    KILN_FEATURE_MUTABLE_GLOBALS = 1u << 0,
    KILN_FEATURE_SIGN_EXT = 1u << 1,
    KILN_FEATURE_SAT_CONV = 1u << 2,
    KILN_FEATURE_MULTI_VALUE = 1u << 3,
    KILN_FEATURE_BULK_MEMORY = 1u << 4,
    KILN_FEATURE_REFERENCE_TYPES = 1u << 5,
    KILN_FEATURE_SIMD = 1u << 6,
    KILN_FEATURE_THREADS = 1u << 7,
    /* Not a wasm feature: the code checks vmctx word KILN_VMCTX_INTERRUPT
     * at function entries and loop headers (kilnc --interruptible). */
    KILN_FEATURE_INTERRUPTIBLE = 1u << 16
};

typedef enum kiln_cexpr_op {
    KILN_CEXPR_END = 0,
    KILN_CEXPR_I32_CONST = 1,
    KILN_CEXPR_I64_CONST = 2,
    KILN_CEXPR_F32_CONST = 3,
    KILN_CEXPR_F64_CONST = 4,
    KILN_CEXPR_V128_CONST = 5,
    KILN_CEXPR_GLOBAL_GET = 6,
    KILN_CEXPR_REF_NULL = 7,
    KILN_CEXPR_REF_FUNC = 8,
    KILN_CEXPR_I32_ADD = 9,
    KILN_CEXPR_I32_SUB = 10,
    KILN_CEXPR_I32_MUL = 11,
    KILN_CEXPR_I64_ADD = 12,
    KILN_CEXPR_I64_SUB = 13,
    KILN_CEXPR_I64_MUL = 14
} kiln_cexpr_op;

/*
 * Normalised relocation kinds. P = address of the patched field, S = symbol
 * address (image base for KILN_RELOC_SYM_IMAGE), A = addend.
 */
typedef enum kiln_reloc_kind {
    KILN_RELOC_ABS64 = 1,     /* u64 S + A */
    KILN_RELOC_ABS32 = 2,     /* u32 S + A, must fit */
    KILN_RELOC_REL32 = 3      /* i32 S + A - P, must fit */
    /* 4 was CALL_REL32 (format 1). Since format 2 the code calls external
     * symbols through stubs in the image that jump via GOT slots (ABS64),
     * so no relocation patches code and no veneer is ever needed. */
} kiln_reloc_kind;

#define KILN_RELOC_SYM_IMAGE 0xFFFFFFFFu

/*
 * Signature trailer (optional; kilnc --sign). KILN_AOT_SIG_TRAILER_SIZE bytes
 * placed right after the container's file_size bytes, so the container
 * itself, its checksum and this format version are unchanged, and a runtime
 * that does not check signatures loads a signed file as is:
 *   off size field
 *     0    8 magic       KILN_AOT_SIG_MAGIC ("KLNSIG", 0, 1: trailer v1)
 *     8   32 public_key  the signer's Ed25519 public key
 *    40   64 signature   Ed25519 (RFC 8032, detached) of bytes [0, file_size):
 *                        every byte of the container, checksum included
 * A signed file is exactly file_size + KILN_AOT_SIG_TRAILER_SIZE bytes. A
 * runtime configured with trusted keys refuses a file without the trailer
 * (unsigned), a trailer whose key it does not trust, and a signature that
 * does not verify.
 */
#define KILN_AOT_SIG_MAGIC "KLNSIG\0\1"
#define KILN_AOT_SIG_MAGIC_SIZE 8u
#define KILN_AOT_SIG_KEY_OFFSET 8u
#define KILN_AOT_SIG_KEY_SIZE 32u
#define KILN_AOT_SIG_SIGNATURE_OFFSET 40u
#define KILN_AOT_SIG_SIGNATURE_SIZE 64u
#define KILN_AOT_SIG_TRAILER_SIZE 104u

/* ------------------------------------------------------------------------
 * The compiled-code ABI
 *
 * Every wasm function is a native function (target C calling convention):
 *     R kiln_f<N>(void *vmctx, P1 p1, ..., Pn pn)
 * where R is void or the single result. A function with several results
 * returns void and takes one more, last, parameter: kiln_slot *results, the
 * result area the caller provides, into which it stores result i at
 * results[i] (the kiln_slot layout below). Format 2 returned an LLVM struct
 * of the results, whose lowering was quadratic or worse in their number
 * (1,000 results took minutes); format 3 has the area.
 * N is the function's index in the module's function index space.
 *
 * Entry trampoline, one per type T (symbol kiln_entry_t<T>):
 *     void entry(void *vmctx, void *code, kiln_slot *slots)
 * reads the arguments from slots[0..params), calls code, writes the results
 * to slots[0..results) (several results: slots is code's result area). The
 * runtime calls every export and the start function through it; only
 * their types have one (entry_trampoline is KILN_AOT_NONE for the others).
 *
 * Host trampoline, one per type T used by a function import (symbol
 * kiln_host_t<T>): has the native signature of T; its vmctx argument is a
 * host binding whose first word is
 *     void (*dispatch)(void *binding, kiln_slot *slots)
 * It stores the arguments in slots, calls dispatch, and returns the results
 * read back from slots (several: copied into its result area). The runtime puts {host_trampoline, binding} into an
 * import slot to make a host function callable like any wasm function.
 * ---------------------------------------------------------------------- */

/* One argument or result in trampolines: 16 bytes, little-endian value at
 * the start (i32 in the low 4 bytes, references as pointers). */
typedef struct kiln_slot {
    uint64_t lo;
    uint64_t hi;
} kiln_slot;

/*
 * vmctx layout. W = pointer width in bytes. Fixed words first:
 *   word 0 mem0_base    base of memory 0 (never moves while the instance
 *                       lives, so code may load it once per function)
 *   word 1 mem0_bound   accessible bytes of memory 0; kept current by the
 *                       runtime on every grow, for explicit bounds checks
 *                       and memory.size
 *   word 2 helpers      const void *const *: the helper table below
 *   word 3 stack_limit  lowest native stack address code may use; function
 *                       prologues trap with "call stack exhausted" below it.
 *                       The runtime writes it for the calling thread on each
 *                       entry from the host, into the entered instance and
 *                       every instance it imports from (transitively), so
 *                       a call through an import slot needs no update
 *   word 4 type_ids     const uint32_t *: canonical type id of each type index
 *   word 5 instance     the runtime's instance (opaque to code)
 *   word 6 libcalls     const void *const *: the runtime's libcall table,
 *                       KILN_LIBCALLS order (below). Read only by XIP
 *                       code, whose entry trampolines load it into r9
 *   word 7 interrupt    non-zero asks code compiled with kilnc --interruptible
 *                       (header feature KILN_FEATURE_INTERRUPTIBLE) to trap
 *                       with KILN_TRAP_INTERRUPTED at its next function entry
 *                       or loop header; the runtime sets it from any thread
 *                       (kiln_instance_interrupt) and clears it when the trap
 *                       is delivered. Code without the option never reads it.
 * Then regions (offsets from kiln_vmctx_layout_compute):
 *   func_imports  per imported function {void *code; void *vmctx;} (2W)
 *   memories      per memory (imported first) a kiln memory definition
 *                 pointer (W): {u8 *base at 0; u64 size_bytes at 8}
 *   tables        per table (imported first) a table definition pointer (W):
 *                 {void **elements at 0; u32 size at W; u32 max at W+4}
 *   globals       per global (imported first) a 16-byte slot, 16-aligned:
 *                 defined globals hold their value in place; imported
 *                 globals hold a pointer to the exporter's 16-byte cell.
 * Table elements: funcref = pointer to {void *code; void *vmctx; u32 type_id}
 * (NULL is ref.null); externref = the host's opaque pointer. The offsets
 * of both records, for pointer width W, are the KILN_TABLEDEF_* and
 * KILN_FUNCREF_* constants below (runtime/instance.c asserts them against
 * its structs).
 * A host function's import slot (and funcref) pairs the host trampoline
 * with the runtime's binding record as "vmctx": code never reads it, but
 * its words 1..3 are reserved so that the runtime's stack_limit store is
 * harmless there; the host trampoline calls the dispatch function the
 * runtime keeps at its word 0.
 */
enum {
    KILN_VMCTX_MEM0_BASE = 0,
    KILN_VMCTX_MEM0_BOUND = 1,
    KILN_VMCTX_HELPERS = 2,
    KILN_VMCTX_STACK_LIMIT = 3,
    KILN_VMCTX_TYPE_IDS = 4,
    KILN_VMCTX_INSTANCE = 5,
    KILN_VMCTX_LIBCALLS = 6,
    KILN_VMCTX_INTERRUPT = 7,
    KILN_VMCTX_FIXED_WORDS = 8
};

#define KILN_MEMDEF_BASE_OFFSET 0u
#define KILN_MEMDEF_SIZE_OFFSET 8u
#define KILN_TABLEDEF_ELEMENTS_OFFSET(w) 0u
#define KILN_TABLEDEF_SIZE_OFFSET(w) (w)
#define KILN_TABLEDEF_MAX_OFFSET(w) ((w) + 4u)
#define KILN_FUNCREF_CODE_OFFSET(w) 0u
#define KILN_FUNCREF_VMCTX_OFFSET(w) (w)
#define KILN_FUNCREF_TYPE_ID_OFFSET(w) (2u * (w))
#define KILN_GLOBAL_SLOT_SIZE 16u
#define KILN_WASM_PAGE_SIZE 65536u

typedef struct kiln_vmctx_layout {
    uint32_t size;         /* total bytes */
    uint32_t func_imports; /* offset of the imported-function slots */
    uint32_t memories;     /* offset of the memory definition pointers */
    uint32_t tables;       /* offset of the table definition pointers */
    uint32_t globals;      /* offset of the 16-byte global slots */
} kiln_vmctx_layout;

/* The one definition of the vmctx layout, used by compiler and loader. */
static inline kiln_vmctx_layout kiln_vmctx_layout_compute(uint32_t pointer_width,
                                                          uint32_t func_import_count,
                                                          uint32_t memory_count,
                                                          uint32_t table_count,
                                                          uint32_t global_count)
{
    kiln_vmctx_layout l;
    uint32_t off = KILN_VMCTX_FIXED_WORDS * pointer_width;
    l.func_imports = off;
    off += func_import_count * 2u * pointer_width;
    l.memories = off;
    off += memory_count * pointer_width;
    l.tables = off;
    off += table_count * pointer_width;
    off = (off + 15u) & ~15u;
    l.globals = off;
    off += global_count * KILN_GLOBAL_SLOT_SIZE;
    l.size = (off + 15u) & ~15u;
    return l;
}

/*
 * Runtime helpers, called by compiled code through vmctx->helpers[id]: the
 * one definition of the helper table, X(ID, id, fn, "name", result,
 * (params)):
 *   ID      KILN_HELPER_<ID>, the enum below
 *   id      the slot, and bit id of the header's helpers_used (append only)
 *   fn      the runtime's implementation is hlp_<fn> (runtime/helpers.h)
 *   name    for messages and the inspector
 *   result, params  the C signature; codegen builds the LLVM call type
 *           from its text (void, uint32_t, uint64_t, int64_t, pointers)
 * vmctx is the calling instance's. TRAP never returns. MEMORY_GROW returns
 * the old size in pages or 0xFFFFFFFF; FUNC_REF a funcref record (below);
 * the waits 0 "ok", 1 "not-equal", 2 "timed-out", NOTIFY the number woken.
 * Bulk helpers trap themselves on out-of-bounds arguments.
 */
#define KILN_HELPERS(X)                                                                      \
    X(TRAP, 0, trap, "trap", void, (void *vmctx, uint32_t trap_code))                        \
    X(MEMORY_GROW, 1, memory_grow, "memory.grow", uint32_t,                                  \
      (void *vmctx, uint32_t mem_index, uint32_t delta_pages))                               \
    X(MEMORY_FILL, 2, memory_fill, "memory.fill", void,                                      \
      (void *vmctx, uint32_t mem, uint32_t dst, uint32_t value, uint32_t n))                 \
    X(MEMORY_COPY, 3, memory_copy, "memory.copy", void,                                      \
      (void *vmctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst, uint32_t src,          \
       uint32_t n))                                                                          \
    X(MEMORY_INIT, 4, memory_init, "memory.init", void,                                      \
      (void *vmctx, uint32_t mem, uint32_t data, uint32_t dst, uint32_t src, uint32_t n))    \
    X(DATA_DROP, 5, data_drop, "data.drop", void, (void *vmctx, uint32_t data))              \
    X(TABLE_GROW, 6, table_grow, "table.grow", uint32_t,                                     \
      (void *vmctx, uint32_t table, void *init, uint32_t delta))                             \
    X(TABLE_FILL, 7, table_fill, "table.fill", void,                                         \
      (void *vmctx, uint32_t table, uint32_t dst, void *value, uint32_t n))                  \
    X(TABLE_COPY, 8, table_copy, "table.copy", void,                                         \
      (void *vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst, uint32_t src,      \
       uint32_t n))                                                                          \
    X(TABLE_INIT, 9, table_init, "table.init", void,                                         \
      (void *vmctx, uint32_t table, uint32_t elem, uint32_t dst, uint32_t src, uint32_t n))  \
    X(ELEM_DROP, 10, elem_drop, "elem.drop", void, (void *vmctx, uint32_t elem))             \
    X(FUNC_REF, 11, func_ref, "ref.func", void *, (void *vmctx, uint32_t func_index))        \
    X(ATOMIC_WAIT32, 12, atomic_wait32, "memory.atomic.wait32", uint32_t,                    \
      (void *vmctx, uint32_t mem, uint32_t addr, uint32_t expected, int64_t timeout_ns))     \
    X(ATOMIC_WAIT64, 13, atomic_wait64, "memory.atomic.wait64", uint32_t,                    \
      (void *vmctx, uint32_t mem, uint32_t addr, uint64_t expected, int64_t timeout_ns))     \
    X(ATOMIC_NOTIFY, 14, atomic_notify, "memory.atomic.notify", uint32_t,                    \
      (void *vmctx, uint32_t mem, uint32_t addr, uint32_t count))

#define KILN_HELPER_ENUM_(ID, id, fn, name, result, params) KILN_HELPER_##ID = id,
#define KILN_HELPER_ONE_(ID, id, fn, name, result, params) +1
typedef enum kiln_helper_id {
    KILN_HELPERS(KILN_HELPER_ENUM_)
    KILN_HELPER_COUNT = 0 KILN_HELPERS(KILN_HELPER_ONE_) /* ids are 0 .. COUNT-1 */
} kiln_helper_id;
#undef KILN_HELPER_ENUM_
#undef KILN_HELPER_ONE_

/* Trap codes passed to KILN_HELPER_TRAP: kiln_trap_code (kiln/status.h). */

#endif /* KILN_AOT_FORMAT_H */
