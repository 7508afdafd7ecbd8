/*
 * The decoded form of a WebAssembly 2.0 module, shared by the decoder (dec_),
 * the validator (val_), codegen (cg_) and the container writer (wr_).
 *
 * Ownership: a wasm_module owns everything it points to except `bytes`, the
 * input, which the caller keeps alive for the module's lifetime (data
 * segments, custom sections and function bodies point into it).
 *
 * Function bodies are decoded one at a time (dec_function_body) into a
 * wasm_body, so a large module never holds all its instructions at once:
 * the pipeline is decode body -> validate -> codegen -> free, per function.
 */
#ifndef KILN_WASM_MODULE_H
#define KILN_WASM_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln/aot_format.h"
#include "kiln/status.h"

/* Value types, in their binary encoding (kiln/kinds.h's; names:
 * kiln_aot_valtype_name). */
enum {
    WASM_I32 = KILN_I32,
    WASM_I64 = KILN_I64,
    WASM_F32 = KILN_F32,
    WASM_F64 = KILN_F64,
    WASM_V128 = KILN_V128,
    WASM_FUNCREF = KILN_FUNCREF,
    WASM_EXTERNREF = KILN_EXTERNREF
};
typedef uint8_t wasm_valtype;

/* Opcodes: WASM_OP_<MNEMONIC>, the spec's text name upper-cased with '.'
 * replaced by '_' (i32.add -> WASM_OP_I32_ADD, br_if -> WASM_OP_BR_IF,
 * i32.trunc_sat_f32_s -> WASM_OP_I32_TRUNC_SAT_F32_S). The list lives in
 * opcodes.def; see there for the columns. */
typedef enum wasm_op {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) WASM_OP_##name,
#include "opcodes.def"
#undef WASM_OPCODE
    WASM_OP_COUNT
} wasm_op;

/* Immediate kinds (opcodes.def column `imm`). */
typedef enum wasm_imm_kind {
    WASM_IMM_NONE,
    WASM_IMM_BLOCK,         /* blocktype -> imm.block */
    WASM_IMM_LABEL,         /* br, br_if -> imm.index (depth) */
    WASM_IMM_BR_TABLE,      /* -> imm.br_table */
    WASM_IMM_FUNC,          /* call, ref.func -> imm.index */
    WASM_IMM_CALL_INDIRECT, /* -> imm.call_indirect */
    WASM_IMM_LOCAL,         /* -> imm.index */
    WASM_IMM_GLOBAL,        /* -> imm.index */
    WASM_IMM_TABLE,         /* table.get/set/size/grow/fill -> imm.index */
    WASM_IMM_MEMARG,        /* loads, stores, atomics -> imm.mem */
    WASM_IMM_MEMORY,        /* memory.size/grow/fill -> imm.index (memory) */
    WASM_IMM_I32,           /* -> imm.i32 */
    WASM_IMM_I64,           /* -> imm.i64 */
    WASM_IMM_F32,           /* -> imm.f32_bits */
    WASM_IMM_F64,           /* -> imm.f64_bits */
    WASM_IMM_V128,          /* -> imm.v128 */
    WASM_IMM_SELECT_T,      /* select t* -> imm.select_type */
    WASM_IMM_REFTYPE,       /* ref.null -> imm.reftype */
    WASM_IMM_ELEM,          /* elem.drop -> imm.index */
    WASM_IMM_DATA,          /* data.drop -> imm.index */
    WASM_IMM_TABLE_INIT,    /* table.init -> imm.pair {a = elem, b = table} */
    WASM_IMM_TABLE_COPY,    /* table.copy -> imm.pair {a = dst, b = src} */
    WASM_IMM_MEMORY_INIT,   /* memory.init -> imm.pair {a = data, b = memory} */
    WASM_IMM_MEMORY_COPY,   /* memory.copy -> imm.pair {a = dst, b = src} */
    WASM_IMM_LANE,          /* extract/replace_lane -> imm.mem.lane */
    WASM_IMM_MEMARG_LANE,   /* v128.loadN_lane etc. -> imm.mem (+ lane) */
    WASM_IMM_SHUFFLE,       /* i8x16.shuffle -> imm.v128 (16 lane indices) */
    WASM_IMM_FENCE          /* atomic.fence: one zero byte */
} wasm_imm_kind;

/* Instruction families (opcodes.def column `family`): codegen dispatch. */
typedef enum wasm_family {
    WASM_FAM_CONTROL,
    WASM_FAM_PARAMETRIC,
    WASM_FAM_VARIABLE,
    WASM_FAM_TABLE,
    WASM_FAM_MEMORY,
    WASM_FAM_NUMERIC,
    WASM_FAM_CONVERSION,
    WASM_FAM_REFERENCE,
    WASM_FAM_SIMD,
    WASM_FAM_ATOMIC
} wasm_family;

typedef enum wasm_blocktype_kind {
    WASM_BLOCK_EMPTY,    /* [] -> [] */
    WASM_BLOCK_VALTYPE,  /* [] -> [valtype] */
    WASM_BLOCK_TYPE_IDX  /* type_index */
} wasm_blocktype_kind;

typedef struct wasm_instr {
    uint16_t op;     /* wasm_op */
    uint32_t offset; /* byte offset of the opcode in the module */
    union {
        uint32_t index; /* local, global, func, table, memory, elem, data,
                           label depth */
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t v128[16];
        struct {
            uint8_t kind;         /* wasm_blocktype_kind */
            wasm_valtype valtype; /* WASM_BLOCK_VALTYPE */
            uint32_t type_index;  /* WASM_BLOCK_TYPE_IDX */
            uint32_t else_pos;    /* if: index of the matching else in the
                                     body, or UINT32_MAX when none */
            uint32_t end_pos;     /* index of the matching end */
        } block;
        struct {
            uint32_t first; /* index into wasm_body.br_targets */
            uint32_t count; /* number of labels, not counting the default */
            uint32_t default_depth;
        } br_table;
        struct {
            uint32_t type_index;
            uint32_t table_index;
        } call_indirect;
        struct {
            uint64_t offset;
            uint32_t align_log2;
            uint32_t memory;
            uint8_t lane; /* lane ops only */
        } mem;
        struct {
            uint32_t a;
            uint32_t b;
        } pair;
        wasm_valtype select_type; /* typed select (exactly one type) */
        wasm_valtype reftype;
    } imm;
} wasm_instr;

typedef struct wasm_body {
    uint32_t func_index;      /* in the function index space */
    uint32_t local_count;     /* declared locals, not counting parameters */
    wasm_valtype *local_types;
    wasm_instr *code;         /* ends with the function's final `end` */
    uint32_t code_count;
    uint32_t *br_targets;     /* all br_table label depths of the body */
    uint32_t br_target_count;
} wasm_body;

typedef struct wasm_name {
    char *bytes;  /* NUL-terminated copy, valid UTF-8 */
    uint32_t size; /* bytes, without the NUL */
} wasm_name;

typedef struct wasm_functype {
    uint32_t param_count;
    uint32_t result_count;
    wasm_valtype *types; /* params then results */
} wasm_functype;

typedef struct wasm_limits {
    uint64_t min;
    uint64_t max;
    bool has_max;
    bool shared;
    bool is64;
} wasm_limits;

typedef struct wasm_tabletype {
    wasm_valtype reftype;
    wasm_limits limits;
} wasm_tabletype;

typedef struct wasm_globaltype {
    wasm_valtype valtype;
    bool is_mutable;
} wasm_globaltype;

/* A constant expression, decoded; code ends with `end`. */
typedef struct wasm_expr {
    wasm_instr *code;
    uint32_t count;
    uint32_t offset; /* byte offset of the first instruction */
} wasm_expr;

typedef struct wasm_import {
    wasm_name module;
    wasm_name field;
    uint8_t kind; /* kiln_extern_kind */
    union {
        uint32_t type_index;
        wasm_tabletype table;
        wasm_limits memory;
        wasm_globaltype global;
    } desc;
    uint32_t offset;
} wasm_import;

typedef struct wasm_export {
    wasm_name name;
    uint8_t kind; /* kiln_extern_kind */
    uint32_t index;
} wasm_export;

typedef struct wasm_func {
    uint32_t type_index;
    bool imported;
    uint32_t body_offset; /* defined: offset of the body's locals vector */
    uint32_t body_size;   /* defined: bytes from body_offset to after `end` */
    char *name;           /* from the name section, or NULL */
} wasm_func;

typedef struct wasm_global {
    wasm_globaltype type;
    bool imported;
    wasm_expr init; /* defined only */
} wasm_global;

typedef struct wasm_elem {
    uint8_t mode; /* kiln_segment_mode */
    wasm_valtype reftype;
    uint32_t table_index;
    wasm_expr offset;    /* active only */
    uint32_t item_count;
    wasm_expr *items;    /* each a ref.func / ref.null / global.get expr */
} wasm_elem;

typedef struct wasm_data {
    uint8_t mode; /* KILN_SEGMENT_ACTIVE or _PASSIVE */
    uint32_t memory_index;
    wasm_expr offset; /* active only */
    const uint8_t *bytes;
    uint32_t size;
} wasm_data;

typedef struct wasm_custom {
    wasm_name name;
    const uint8_t *bytes;
    uint32_t size;
} wasm_custom;

typedef struct wasm_module {
    const uint8_t *bytes; /* the input, owned by the caller */
    size_t size;

    wasm_functype *types;
    uint32_t type_count;

    wasm_import *imports;
    uint32_t import_count;

    /* Index spaces: imported entries first, then defined ones. */
    wasm_func *funcs;
    uint32_t func_count;
    uint32_t func_import_count;

    wasm_tabletype *tables;
    uint32_t table_count;
    uint32_t table_import_count;

    wasm_limits *memories;
    uint32_t memory_count;
    uint32_t memory_import_count;

    wasm_global *globals;
    uint32_t global_count;
    uint32_t global_import_count;

    wasm_export *exports;
    uint32_t export_count;

    bool has_start;
    uint32_t start_func;

    wasm_elem *elems;
    uint32_t elem_count;

    wasm_data *datas;
    uint32_t data_count;
    bool has_data_count; /* the datacount section was present */

    wasm_custom *customs;
    uint32_t custom_count;

    char *module_name; /* name section, or NULL */

    uint32_t features; /* KILN_FEATURE_* bits seen while decoding */
} wasm_module;

/* ---- decoder (compiler/wasm/decode*.c, opcodes.c) ------------------------ */

/* Decodes every section except function bodies (their ranges are recorded).
 * KILN_ERR_MALFORMED with the byte offset on bad input. */
kiln_status dec_module(const uint8_t *bytes, size_t size, wasm_module **out,
                       kiln_error *err);
void dec_module_free(wasm_module *module);

/* Decodes the body of defined function func_index into *out. */
kiln_status dec_function_body(const wasm_module *module, uint32_t func_index,
                              wasm_body *out, kiln_error *err);
void dec_body_free(wasm_body *body);

/* Looks up an opcode's static properties (opcodes.c). */
const char *wasm_op_name(wasm_op op);
wasm_imm_kind wasm_op_imm(wasm_op op);
wasm_family wasm_op_family(wasm_op op);
/* The instruction encoded as prefix (0 for a single byte, else 0xFC, 0xFD or
 * 0xFE) and code; false when there is none. */
bool wasm_op_decode(uint8_t prefix, uint32_t code, wasm_op *out);

/* ---- validator (compiler/wasm/validate.c) --------------------------------- */

/* Module-level rules: indices, limits, const exprs, exports, start, ...
 * KILN_ERR_INVALID with the byte offset. */
kiln_status val_module(const wasm_module *module, kiln_error *err);
/* The spec's operand/control-stack algorithm over one body. */
kiln_status val_function(const wasm_module *module, const wasm_body *body,
                         kiln_error *err);

/* ---- helpers -------------------------------------------------------------- */

static inline const wasm_functype *wasm_func_type(const wasm_module *m, uint32_t func_index)
{
    return &m->types[m->funcs[func_index].type_index];
}

#endif /* KILN_WASM_MODULE_H */
