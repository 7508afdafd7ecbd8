/*
 * dec_: the WebAssembly 2.0 binary decoder (plus threads atomics).
 *
 * dec_module reads the preamble and every section in the spec's order
 * (custom sections anywhere) into a wasm_module; function bodies are only
 * located (offset and size) and decoded later, one at a time, by
 * dec_function_body, so a large module never holds all of its instructions.
 * Constant expressions are decoded with the same instruction decoder.
 *
 * Invariants:
 * - Every read goes through a dec_reader bounded by the current section or
 *   body; errors are KILN_ERR_MALFORMED with the spec test suite's message
 *   first and the byte offset of the offending item.
 * - Out-parameters are written only on success; on failure everything
 *   allocated so far is freed.
 * - Element segments own one instruction block each: items[0].code is the
 *   start of a single allocation holding every item's instructions.
 * - No allocation per instruction: instruction, br_table-target and
 *   control-stack arrays grow geometrically.
 */
#include <stdlib.h>
#include <string.h>

#include "kiln_common.h"
#include "limits.h"
#include "module.h"
#include "opsig.h"
#include "reader.h"

/* ---- static opcode properties -------------------------------------------- */

static const char *const op_names[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) text,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const uint8_t op_imms[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) WASM_IMM_##imm,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const uint8_t op_families[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) WASM_FAM_##family,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const uint8_t op_sigs[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) WASM_##sig,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const wasm_sig_info sig_infos[WASM_SIG_COUNT] = {
#define WASM_SIG_INFO(tag, params, results, align, lanes) {params, results, align, lanes},
    WASM_SIGNATURES(WASM_SIG_INFO)
#undef WASM_SIG_INFO
};

/* Encoding -> wasm_op + 1 (0 = no such instruction), by prefix class:
 * 0 = single byte, 1 = 0xFC, 2 = 0xFD, 3 = 0xFE. All sub-opcodes < 256. */
#define PREFIX_CLASS(p) ((p) == 0 ? 0 : (p) == 0xFC ? 1 : (p) == 0xFD ? 2 : 3)
static const uint16_t op_by_code[4][256] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) \
    [PREFIX_CLASS(prefix)][code] = WASM_OP_##name + 1,
#include "opcodes.def"
#undef WASM_OPCODE
};

const char *wasm_op_name(wasm_op op)
{
    return (unsigned)op < WASM_OP_COUNT ? op_names[op] : "<invalid opcode>";
}

wasm_imm_kind wasm_op_imm(wasm_op op)
{
    return (unsigned)op < WASM_OP_COUNT ? (wasm_imm_kind)op_imms[op] : WASM_IMM_NONE;
}

wasm_family wasm_op_family(wasm_op op)
{
    return (unsigned)op < WASM_OP_COUNT ? (wasm_family)op_families[op] : WASM_FAM_CONTROL;
}

wasm_sig wasm_op_sig(unsigned op)
{
    return op < WASM_OP_COUNT ? (wasm_sig)op_sigs[op] : WASM_SIG_SPECIAL;
}

const wasm_sig_info *wasm_sig_get(wasm_sig sig)
{
    return &sig_infos[(unsigned)sig < WASM_SIG_COUNT ? sig : WASM_SIG_SPECIAL];
}

/* ---- small helpers ------------------------------------------------------- */

static kiln_status nomem(kiln_error *err, uint32_t offset, const char *what)
{
    return kiln_error_set(err, KILN_ERR_NOMEM, offset, "out of memory: %s", what);
}

/* Grows *array (element size elem) so that it holds at least need elements,
 * doubling the capacity. */
static bool grow_array(void **array, uint32_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    if (need > UINT32_MAX)
        return false;
    uint64_t new_cap = *cap ? (uint64_t)*cap * 2 : 16;
    while (new_cap < need)
        new_cap *= 2;
    if (new_cap > UINT32_MAX)
        new_cap = UINT32_MAX;
    void *p = realloc(*array, (size_t)new_cap * elem);
    if (p == NULL)
        return false;
    *array = p;
    *cap = (uint32_t)new_cap;
    return true;
}

static bool is_valtype(uint8_t b)
{
    return (b >= WASM_V128 && b <= WASM_I32) || b == WASM_FUNCREF || b == WASM_EXTERNREF;
}

static bool is_reftype(uint8_t b)
{
    return b == WASM_FUNCREF || b == WASM_EXTERNREF;
}

static kiln_status read_valtype(dec_reader *r, wasm_valtype *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t b;
    kiln_status st = dec_u8(r, &b, err);
    if (st != KILN_OK)
        return st;
    if (!is_valtype(b))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed value type: 0x%02X at offset %u", b, at);
    *out = b;
    return KILN_OK;
}

static kiln_status read_reftype(dec_reader *r, wasm_valtype *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t b;
    kiln_status st = dec_u8(r, &b, err);
    if (st != KILN_OK)
        return st;
    if (!is_reftype(b))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed reference type: 0x%02X at offset %u", b, at);
    *out = b;
    return KILN_OK;
}

static kiln_status read_zero_byte(dec_reader *r, const char *what, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t b;
    kiln_status st = dec_u8(r, &b, err);
    if (st != KILN_OK)
        return st;
    if (b != 0)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "zero byte expected: %s has 0x%02X at offset %u", what, b, at);
    return KILN_OK;
}

/* Reads a vector length and rejects one larger than the remaining bytes
 * (every element takes at least one), so a corrupt count never drives a
 * huge allocation. */
static kiln_status read_count(dec_reader *r, const char *what, uint32_t *out,
                              kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint32_t n;
    kiln_status st = dec_u32(r, &n, err);
    if (st != KILN_OK)
        return st;
    if (n > dec_remaining(r))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "%s: %u %s at offset %u, only %zu bytes remain",
                              r->end_message, n, what, at, dec_remaining(r));
    *out = n;
    return KILN_OK;
}

/* read_count, then the implementation limit on base + the count (base:
 * entries of that kind already in the index space, e.g. imported ones). */
static kiln_status read_count_limited(dec_reader *r, const char *what, wasm_limit limit,
                                      uint32_t base, uint32_t *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint32_t n = 0;
    kiln_status st = read_count(r, what, &n, err);
    if (st == KILN_OK)
        st = wasm_limit_check(limit, (uint64_t)base + n, at, NULL, err);
    if (st == KILN_OK)
        *out = n;
    return st;
}

static kiln_status copy_name(dec_reader *r, wasm_name *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    const uint8_t *bytes;
    uint32_t size;
    kiln_status st = dec_name(r, &bytes, &size, err);
    if (st == KILN_OK)
        st = wasm_limit_check(WASM_LIMIT_NAME_BYTES, size, at, NULL, err);
    if (st != KILN_OK)
        return st;
    char *copy = malloc((size_t)size + 1);
    if (copy == NULL)
        return nomem(err, at, "name");
    memcpy(copy, bytes, size);
    copy[size] = '\0';
    out->bytes = copy;
    out->size = size;
    return KILN_OK;
}

/* ---- instructions -------------------------------------------------------- */

/* Growable output of the instruction decoder; reused across expressions. */
typedef struct instr_sink {
    wasm_instr *code;
    uint32_t count, cap;
    uint32_t *br_targets;
    uint32_t br_target_count, br_target_cap;
    uint32_t *ctrl; /* indices of open block/loop/if instructions */
    uint32_t ctrl_count, ctrl_cap;
} instr_sink;

static void sink_free(instr_sink *s)
{
    free(s->code);
    free(s->br_targets);
    free(s->ctrl);
    memset(s, 0, sizeof *s);
}

static kiln_status read_blocktype(dec_reader *r, wasm_instr *in, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    if (dec_at_end(r))
        return dec_fail_end(r, err, "block type", 1);
    uint8_t b = *r->p;
    if (b == 0x40) {
        r->p++;
        in->imm.block.kind = WASM_BLOCK_EMPTY;
        return KILN_OK;
    }
    if (is_valtype(b)) {
        r->p++;
        in->imm.block.kind = WASM_BLOCK_VALTYPE;
        in->imm.block.valtype = b;
        return KILN_OK;
    }
    int64_t idx;
    kiln_status st = dec_s33(r, &idx, err);
    if (st != KILN_OK)
        return st;
    if (idx < 0)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed value type: block type 0x%02X at offset %u", b, at);
    in->imm.block.kind = WASM_BLOCK_TYPE_IDX;
    in->imm.block.type_index = (uint32_t)idx;
    return KILN_OK;
}

static kiln_status read_memarg(dec_reader *r, wasm_instr *in, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint32_t flags, offset;
    kiln_status st = dec_u32(r, &flags, err);
    if (st != KILN_OK)
        return st;
    in->imm.mem.memory = 0;
    /* Bit 6 announces an explicit memory index (multi-memory encoding);
     * the validator rejects any index but 0 under 2.0. */
    if (flags & 0x40) {
        st = dec_u32(r, &in->imm.mem.memory, err);
        if (st != KILN_OK)
            return st;
        flags &= ~0x40u;
    }
    if (flags >= 0x40)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed memop flags: 0x%X at offset %u", flags, at);
    st = dec_u32(r, &offset, err);
    if (st != KILN_OK)
        return st;
    in->imm.mem.align_log2 = flags;
    in->imm.mem.offset = offset;
    in->imm.mem.lane = 0;
    return KILN_OK;
}

/* Decodes one instruction's immediates (the opcode is already read). */
static kiln_status read_immediates(dec_reader *r, wasm_instr *in, instr_sink *s,
                                   kiln_error *err)
{
    kiln_status st = KILN_OK;
    const uint8_t *bytes;
    switch ((wasm_imm_kind)op_imms[in->op]) {
    case WASM_IMM_NONE:
        break;
    case WASM_IMM_BLOCK:
        in->imm.block.else_pos = UINT32_MAX;
        in->imm.block.end_pos = UINT32_MAX;
        st = read_blocktype(r, in, err);
        break;
    case WASM_IMM_LABEL:
    case WASM_IMM_FUNC:
    case WASM_IMM_LOCAL:
    case WASM_IMM_GLOBAL:
    case WASM_IMM_TABLE:
    case WASM_IMM_ELEM:
    case WASM_IMM_DATA:
        st = dec_u32(r, &in->imm.index, err);
        break;
    case WASM_IMM_BR_TABLE: {
        uint32_t n;
        st = read_count_limited(r, "br_table labels", WASM_LIMIT_BR_TABLE_TARGETS, 0, &n, err);
        if (st != KILN_OK)
            break;
        if (!grow_array((void **)&s->br_targets, &s->br_target_cap,
                        (uint64_t)s->br_target_count + n, sizeof(uint32_t)))
            return nomem(err, in->offset, "br_table targets");
        in->imm.br_table.first = s->br_target_count;
        in->imm.br_table.count = n;
        for (uint32_t i = 0; i < n && st == KILN_OK; i++)
            st = dec_u32(r, &s->br_targets[s->br_target_count + i], err);
        if (st != KILN_OK)
            break;
        s->br_target_count += n;
        st = dec_u32(r, &in->imm.br_table.default_depth, err);
        break;
    }
    case WASM_IMM_CALL_INDIRECT:
        st = dec_u32(r, &in->imm.call_indirect.type_index, err);
        if (st == KILN_OK)
            st = dec_u32(r, &in->imm.call_indirect.table_index, err);
        break;
    case WASM_IMM_MEMARG:
        st = read_memarg(r, in, err);
        break;
    case WASM_IMM_MEMORY:
        in->imm.index = 0;
        st = read_zero_byte(r, wasm_op_name((wasm_op)in->op), err);
        break;
    case WASM_IMM_I32:
        st = dec_i32(r, &in->imm.i32, err);
        break;
    case WASM_IMM_I64:
        st = dec_i64(r, &in->imm.i64, err);
        break;
    case WASM_IMM_F32:
        st = dec_u32_fixed(r, &in->imm.f32_bits, err);
        break;
    case WASM_IMM_F64:
        st = dec_u64_fixed(r, &in->imm.f64_bits, err);
        break;
    case WASM_IMM_V128:
    case WASM_IMM_SHUFFLE:
        st = dec_bytes(r, 16, &bytes, err);
        if (st == KILN_OK)
            memcpy(in->imm.v128, bytes, 16);
        break;
    case WASM_IMM_SELECT_T: {
        uint32_t n;
        st = read_count(r, "select types", &n, err);
        if (st != KILN_OK)
            break;
        /* Anything but exactly one type is invalid, not malformed: record
         * 0 so the validator reports "invalid result arity". */
        in->imm.select_type = 0;
        for (uint32_t i = 0; i < n && st == KILN_OK; i++) {
            wasm_valtype t;
            st = read_valtype(r, &t, err);
            if (st == KILN_OK && n == 1)
                in->imm.select_type = t;
        }
        break;
    }
    case WASM_IMM_REFTYPE:
        st = read_reftype(r, &in->imm.reftype, err);
        break;
    case WASM_IMM_TABLE_INIT:
    case WASM_IMM_TABLE_COPY:
        st = dec_u32(r, &in->imm.pair.a, err);
        if (st == KILN_OK)
            st = dec_u32(r, &in->imm.pair.b, err);
        break;
    case WASM_IMM_MEMORY_INIT:
        in->imm.pair.b = 0;
        st = dec_u32(r, &in->imm.pair.a, err);
        if (st == KILN_OK)
            st = read_zero_byte(r, "memory.init", err);
        break;
    case WASM_IMM_MEMORY_COPY:
        in->imm.pair.a = 0;
        in->imm.pair.b = 0;
        st = read_zero_byte(r, "memory.copy", err);
        if (st == KILN_OK)
            st = read_zero_byte(r, "memory.copy", err);
        break;
    case WASM_IMM_LANE:
        in->imm.mem.lane = 0;
        st = dec_u8(r, &in->imm.mem.lane, err);
        break;
    case WASM_IMM_MEMARG_LANE:
        st = read_memarg(r, in, err);
        if (st == KILN_OK)
            st = dec_u8(r, &in->imm.mem.lane, err);
        break;
    case WASM_IMM_FENCE:
        st = read_zero_byte(r, "atomic.fence", err);
        break;
    }
    return st;
}

/*
 * Decodes instructions into s->code until the `end` closing the implicit
 * outermost block (that `end` is stored too). Fills block else/end
 * positions through the control stack. Leaves r just past that `end`.
 * need_data_count: reject memory.init/data.drop ("data count section
 * required") because the module has no datacount section.
 */
static kiln_status decode_instrs(dec_reader *r, instr_sink *s, bool need_data_count,
                                 kiln_error *err)
{
    kiln_status st;
    s->count = 0;
    s->br_target_count = 0;
    s->ctrl_count = 0;
    for (;;) {
        uint32_t at = dec_offset(r);
        if (dec_at_end(r))
            return dec_fail_end(r, err, "instruction", 1);
        uint8_t b = *r->p++;
        uint32_t op_plus1;
        if (b == 0xFC || b == 0xFD || b == 0xFE) {
            uint32_t sub;
            st = dec_u32(r, &sub, err);
            if (st != KILN_OK)
                return st;
            op_plus1 = sub < 256 ? op_by_code[PREFIX_CLASS(b)][sub] : 0;
            if (op_plus1 == 0)
                return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                      "illegal opcode: 0x%02X %u at offset %u", b, sub, at);
        } else {
            op_plus1 = op_by_code[0][b];
            if (op_plus1 == 0)
                return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                      "illegal opcode: 0x%02X at offset %u", b, at);
        }
        if (s->count == s->cap &&
            !grow_array((void **)&s->code, &s->cap, (uint64_t)s->count + 1, sizeof(wasm_instr)))
            return nomem(err, at, "instructions");
        uint32_t pos = s->count;
        wasm_instr *in = &s->code[pos];
        in->op = (uint16_t)(op_plus1 - 1);
        in->offset = at;
        memset(&in->imm, 0, sizeof in->imm);
        st = read_immediates(r, in, s, err);
        if (st != KILN_OK)
            return st;
        s->count++;

        switch (in->op) {
        case WASM_OP_BLOCK:
        case WASM_OP_LOOP:
        case WASM_OP_IF:
            if (s->ctrl_count == s->ctrl_cap &&
                !grow_array((void **)&s->ctrl, &s->ctrl_cap, (uint64_t)s->ctrl_count + 1,
                            sizeof(uint32_t)))
                return nomem(err, at, "control stack");
            s->ctrl[s->ctrl_count++] = pos;
            break;
        case WASM_OP_ELSE: {
            wasm_instr *opener = s->ctrl_count ? &s->code[s->ctrl[s->ctrl_count - 1]] : NULL;
            if (opener == NULL || opener->op != WASM_OP_IF ||
                opener->imm.block.else_pos != UINT32_MAX)
                return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                      "illegal opcode: else without matching if at offset %u",
                                      at);
            opener->imm.block.else_pos = pos;
            break;
        }
        case WASM_OP_END:
            if (s->ctrl_count == 0)
                return KILN_OK;
            s->code[s->ctrl[--s->ctrl_count]].imm.block.end_pos = pos;
            break;
        case WASM_OP_MEMORY_INIT:
        case WASM_OP_DATA_DROP:
            if (need_data_count)
                return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                      "data count section required: %s at offset %u",
                                      op_names[in->op], at);
            break;
        default:
            break;
        }
    }
}

/* Decodes a constant expression into a fresh exact-size allocation. */
static kiln_status decode_expr(dec_reader *r, instr_sink *s, wasm_expr *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    kiln_status st = decode_instrs(r, s, false, err);
    if (st != KILN_OK)
        return st;
    wasm_instr *code = malloc((size_t)s->count * sizeof *code);
    if (code == NULL)
        return nomem(err, at, "constant expression");
    memcpy(code, s->code, (size_t)s->count * sizeof *code);
    out->code = code;
    out->count = s->count;
    out->offset = at;
    return KILN_OK;
}

/* ---- module -------------------------------------------------------------- */

/* Section ids in binary order, ranked for the ordering rule (datacount,
 * id 12, sits between elem and code). */
static int section_rank(uint8_t id)
{
    static const int8_t rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id < 13 ? rank[id] : -1;
}

typedef struct dec_state {
    wasm_module *m;
    dec_reader r; /* bounded by the current section */
    instr_sink sink;
    uint32_t defined_func_count; /* from the function section */
    bool has_func_section;
    bool has_code_section;
    bool has_data_section;
    uint32_t data_count; /* datacount section value */
    uint32_t custom_cap;
} dec_state;

static kiln_status read_limits(dec_reader *r, bool is_memory, wasm_limits *out,
                               kiln_error *err)
{
    uint32_t at = dec_offset(r);
    uint8_t flags;
    kiln_status st = dec_u8(r, &flags, err);
    if (st != KILN_OK)
        return st;
    /* The flags are a LEB128 of a few bits in the spec's decoder, hence its
     * messages for a continuation bit and for an unknown flag. */
    if (flags & 0x80)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "integer representation too long: %s limits flags 0x%02X at "
                              "offset %u",
                              is_memory ? "memory" : "table", flags, at);
    if (flags > (is_memory ? 3 : 1))
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "integer too large: %s limits flags 0x%02X at offset %u",
                              is_memory ? "memory" : "table", flags, at);
    uint32_t min, max = 0;
    st = dec_u32(r, &min, err);
    if (st == KILN_OK && (flags & 1))
        st = dec_u32(r, &max, err);
    if (st != KILN_OK)
        return st;
    out->min = min;
    out->max = max;
    out->has_max = (flags & 1) != 0;
    out->shared = (flags & 2) != 0;
    out->is64 = false;
    return KILN_OK;
}

static kiln_status read_tabletype(dec_reader *r, wasm_tabletype *out, kiln_error *err)
{
    kiln_status st = read_reftype(r, &out->reftype, err);
    if (st == KILN_OK)
        st = read_limits(r, false, &out->limits, err);
    return st;
}

static kiln_status read_globaltype(dec_reader *r, wasm_globaltype *out, kiln_error *err)
{
    kiln_status st = read_valtype(r, &out->valtype, err);
    if (st != KILN_OK)
        return st;
    uint32_t at = dec_offset(r);
    uint8_t mut;
    st = dec_u8(r, &mut, err);
    if (st != KILN_OK)
        return st;
    if (mut > 1)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                              "malformed mutability: 0x%02X at offset %u", mut, at);
    out->is_mutable = mut == 1;
    return KILN_OK;
}

static uint32_t valtype_feature(wasm_valtype t)
{
    if (t == WASM_V128)
        return KILN_FEATURE_SIMD;
    if (t == WASM_FUNCREF || t == WASM_EXTERNREF)
        return KILN_FEATURE_REFERENCE_TYPES;
    return 0;
}

static kiln_status sec_type(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = read_count_limited(r, "types", WASM_LIMIT_TYPES, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->types = calloc(n ? n : 1, sizeof *m->types);
    if (m->types == NULL)
        return nomem(err, dec_offset(r), "types");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = dec_offset(r);
        uint8_t form;
        st = dec_u8(r, &form, err);
        if (st != KILN_OK)
            return st;
        if (form != 0x60)
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "integer representation too long: type %u form 0x%02X at "
                                  "offset %u is not func (0x60)",
                                  i, form, at);
        uint32_t np, nr;
        const uint8_t *params, *results;
        st = read_count_limited(r, "parameter types", WASM_LIMIT_FUNCTION_PARAMS, 0, &np, err);
        if (st == KILN_OK)
            st = dec_bytes(r, np, &params, err);
        if (st == KILN_OK)
            st = read_count_limited(r, "result types", WASM_LIMIT_FUNCTION_RESULTS, 0, &nr,
                                    err);
        if (st == KILN_OK)
            st = dec_bytes(r, nr, &results, err);
        if (st != KILN_OK)
            return st;
        wasm_functype *ft = &m->types[i];
        ft->types = malloc((size_t)np + nr + 1);
        if (ft->types == NULL)
            return nomem(err, at, "function type");
        memcpy(ft->types, params, np);
        memcpy(ft->types + np, results, nr);
        ft->param_count = np;
        ft->result_count = nr;
        m->type_count = i + 1;
        for (uint32_t k = 0; k < np + nr; k++) {
            if (!is_valtype(ft->types[k]))
                return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                      "malformed value type: 0x%02X in type %u at offset %u",
                                      ft->types[k], i, at);
            m->features |= valtype_feature(ft->types[k]);
        }
        if (nr > 1)
            m->features |= KILN_FEATURE_MULTI_VALUE;
    }
    m->type_count = n;
    return KILN_OK;
}

/* A wasm name may contain U+0000, but the runtime resolves imports by
 * C-string names (the linker's define calls; kiln_module_load refuses an
 * import name with a NUL byte): such a module is refused here, before
 * kilnc writes a container that could never load. */
static kiln_status check_import_name(const wasm_name *name, uint32_t offset, uint32_t index,
                                    const char *which, kiln_error *err)
{
    if (memchr(name->bytes, 0, name->size) == NULL)
        return KILN_OK;
    return kiln_error_set(err, KILN_ERR_UNSUPPORTED, offset,
                          "import %u: the %s name contains a NUL byte (kiln resolves imports "
                          "by C-string name)",
                          index, which);
}

static kiln_status sec_import(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = read_count_limited(r, "imports", WASM_LIMIT_IMPORTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->imports = calloc(n ? n : 1, sizeof *m->imports);
    if (m->imports == NULL)
        return nomem(err, dec_offset(r), "imports");
    uint32_t counts[4] = {0, 0, 0, 0};
    for (uint32_t i = 0; i < n; i++) {
        wasm_import *im = &m->imports[i];
        im->offset = dec_offset(r);
        m->import_count = i + 1;
        st = copy_name(r, &im->module, err);
        if (st == KILN_OK)
            st = copy_name(r, &im->field, err);
        if (st == KILN_OK)
            st = check_import_name(&im->module, im->offset, i, "module", err);
        if (st == KILN_OK)
            st = check_import_name(&im->field, im->offset, i, "field", err);
        if (st != KILN_OK)
            return st;
        uint32_t at = dec_offset(r);
        uint8_t kind;
        st = dec_u8(r, &kind, err);
        if (st != KILN_OK)
            return st;
        im->kind = kind;
        switch (kind) {
        case KILN_EXTERN_FUNC:
            st = dec_u32(r, &im->desc.type_index, err);
            break;
        case KILN_EXTERN_TABLE:
            st = read_tabletype(r, &im->desc.table, err);
            break;
        case KILN_EXTERN_MEMORY:
            st = read_limits(r, true, &im->desc.memory, err);
            if (st == KILN_OK && im->desc.memory.shared)
                m->features |= KILN_FEATURE_THREADS;
            break;
        case KILN_EXTERN_GLOBAL:
            st = read_globaltype(r, &im->desc.global, err);
            if (st == KILN_OK) {
                m->features |= valtype_feature(im->desc.global.valtype);
                if (im->desc.global.is_mutable)
                    m->features |= KILN_FEATURE_MUTABLE_GLOBALS;
            }
            break;
        default:
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "malformed import kind: 0x%02X at offset %u", kind, at);
        }
        if (st != KILN_OK)
            return st;
        counts[kind]++;
        static const wasm_limit kind_limits[4] = {WASM_LIMIT_FUNCTIONS, WASM_LIMIT_TABLES,
                                                  WASM_LIMIT_MEMORIES, WASM_LIMIT_GLOBALS};
        st = wasm_limit_check(kind_limits[kind], counts[kind], im->offset, "(imports so far)",
                              err);
        if (st != KILN_OK)
            return st;
    }
    /* Index spaces start with the imports; defined entries are appended by
     * their sections; dec_module preallocated empty ones. */
    free(m->funcs);
    free(m->tables);
    free(m->memories);
    free(m->globals);
    m->funcs = calloc(counts[0] ? counts[0] : 1, sizeof *m->funcs);
    m->tables = calloc(counts[1] ? counts[1] : 1, sizeof *m->tables);
    m->memories = calloc(counts[2] ? counts[2] : 1, sizeof *m->memories);
    m->globals = calloc(counts[3] ? counts[3] : 1, sizeof *m->globals);
    if (!m->funcs || !m->tables || !m->memories || !m->globals)
        return nomem(err, dec_offset(r), "import index spaces");
    for (uint32_t i = 0; i < n; i++) {
        const wasm_import *im = &m->imports[i];
        switch (im->kind) {
        case KILN_EXTERN_FUNC:
            m->funcs[m->func_count].type_index = im->desc.type_index;
            m->funcs[m->func_count++].imported = true;
            break;
        case KILN_EXTERN_TABLE:
            m->tables[m->table_count++] = im->desc.table;
            break;
        case KILN_EXTERN_MEMORY:
            m->memories[m->memory_count++] = im->desc.memory;
            break;
        default:
            m->globals[m->global_count].type = im->desc.global;
            m->globals[m->global_count++].imported = true;
            break;
        }
    }
    m->func_import_count = m->func_count;
    m->table_import_count = m->table_count;
    m->memory_import_count = m->memory_count;
    m->global_import_count = m->global_count;
    return KILN_OK;
}

/* Makes room for n more entries after *count in an index space. */
static kiln_status extend_space(void **array, uint32_t count, uint32_t n, size_t elem,
                                uint32_t at, kiln_error *err)
{
    if ((uint64_t)count + n > UINT32_MAX)
        return kiln_error_set(err, KILN_ERR_MALFORMED, at, "too many entries at offset %u", at);
    void *p = realloc(*array, ((size_t)count + n + 1) * elem);
    if (p == NULL)
        return nomem(err, at, "index space");
    memset((char *)p + (size_t)count * elem, 0, ((size_t)n + 1) * elem);
    *array = p;
    return KILN_OK;
}

static kiln_status sec_function(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        read_count_limited(r, "functions", WASM_LIMIT_FUNCTIONS, m->func_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->funcs, m->func_count, n, sizeof *m->funcs, dec_offset(r), err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        wasm_func *f = &m->funcs[m->func_count];
        st = dec_u32(r, &f->type_index, err);
        if (st != KILN_OK)
            return st;
        m->func_count++;
    }
    d->defined_func_count = n;
    d->has_func_section = true;
    return KILN_OK;
}

static kiln_status sec_table(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        read_count_limited(r, "tables", WASM_LIMIT_TABLES, m->table_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->tables, m->table_count, n, sizeof *m->tables, dec_offset(r),
                      err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        st = read_tabletype(r, &m->tables[m->table_count], err);
        if (st != KILN_OK)
            return st;
        m->table_count++;
    }
    if (m->table_count > 1)
        m->features |= KILN_FEATURE_REFERENCE_TYPES;
    return KILN_OK;
}

static kiln_status sec_memory(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        read_count_limited(r, "memories", WASM_LIMIT_MEMORIES, m->memory_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->memories, m->memory_count, n, sizeof *m->memories,
                      dec_offset(r), err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        st = read_limits(r, true, &m->memories[m->memory_count], err);
        if (st != KILN_OK)
            return st;
        if (m->memories[m->memory_count].shared)
            m->features |= KILN_FEATURE_THREADS;
        m->memory_count++;
    }
    return KILN_OK;
}

static uint32_t expr_features(const wasm_expr *e)
{
    uint32_t f = 0;
    for (uint32_t i = 0; i < e->count; i++) {
        uint16_t op = e->code[i].op;
        if (op == WASM_OP_REF_NULL || op == WASM_OP_REF_FUNC)
            f |= KILN_FEATURE_REFERENCE_TYPES;
        else if (op == WASM_OP_V128_CONST)
            f |= KILN_FEATURE_SIMD;
    }
    return f;
}

static kiln_status sec_global(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        read_count_limited(r, "globals", WASM_LIMIT_GLOBALS, m->global_count, &n, err);
    if (st != KILN_OK)
        return st;
    st = extend_space((void **)&m->globals, m->global_count, n, sizeof *m->globals,
                      dec_offset(r), err);
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        wasm_global *g = &m->globals[m->global_count];
        st = read_globaltype(r, &g->type, err);
        if (st == KILN_OK)
            st = decode_expr(r, &d->sink, &g->init, err);
        if (st != KILN_OK)
            return st;
        m->features |= valtype_feature(g->type.valtype) | expr_features(&g->init);
        m->global_count++;
    }
    return KILN_OK;
}

static kiln_status sec_export(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = read_count_limited(r, "exports", WASM_LIMIT_EXPORTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->exports = calloc(n ? n : 1, sizeof *m->exports);
    if (m->exports == NULL)
        return nomem(err, dec_offset(r), "exports");
    for (uint32_t i = 0; i < n; i++) {
        wasm_export *ex = &m->exports[i];
        st = copy_name(r, &ex->name, err);
        if (st != KILN_OK)
            return st;
        m->export_count = i + 1;
        uint32_t at = dec_offset(r);
        uint8_t kind;
        st = dec_u8(r, &kind, err);
        if (st != KILN_OK)
            return st;
        if (kind > KILN_EXTERN_GLOBAL)
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "malformed export kind: 0x%02X at offset %u", kind, at);
        ex->kind = kind;
        st = dec_u32(r, &ex->index, err);
        if (st != KILN_OK)
            return st;
        if (kind == KILN_EXTERN_GLOBAL && ex->index < m->global_count &&
            m->globals[ex->index].type.is_mutable)
            m->features |= KILN_FEATURE_MUTABLE_GLOBALS;
    }
    return KILN_OK;
}

static kiln_status sec_start(dec_state *d, kiln_error *err)
{
    kiln_status st = dec_u32(&d->r, &d->m->start_func, err);
    if (st == KILN_OK)
        d->m->has_start = true;
    return st;
}

/* Element segment items: either function indices (turned into
 * `ref.func i; end`) or expressions. All items of a segment share one
 * instruction block, so item pointers are fixed up at the end. */
static kiln_status read_elem_items(dec_state *d, wasm_elem *e, bool exprs, kiln_error *err)
{
    dec_reader *r = &d->r;
    uint32_t n;
    kiln_status st =
        read_count_limited(r, "element items", WASM_LIMIT_TABLE_INIT_ENTRIES, 0, &n, err);
    if (st != KILN_OK)
        return st;
    wasm_expr *items = calloc(n ? n : 1, sizeof *items);
    wasm_instr *pool = NULL;
    uint32_t pool_count = 0, pool_cap = 0;
    if (items == NULL)
        return nomem(err, dec_offset(r), "element items");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = dec_offset(r);
        uint32_t used;
        if (exprs) {
            st = decode_instrs(r, &d->sink, false, err);
            if (st != KILN_OK)
                goto fail;
            used = d->sink.count;
        } else {
            used = 2;
        }
        if (!grow_array((void **)&pool, &pool_cap, (uint64_t)pool_count + used,
                        sizeof *pool)) {
            st = nomem(err, at, "element items");
            goto fail;
        }
        if (exprs) {
            memcpy(pool + pool_count, d->sink.code, (size_t)used * sizeof *pool);
        } else {
            uint32_t func_index;
            st = dec_u32(r, &func_index, err);
            if (st != KILN_OK)
                goto fail;
            memset(pool + pool_count, 0, 2 * sizeof *pool);
            pool[pool_count].op = WASM_OP_REF_FUNC;
            pool[pool_count].offset = at;
            pool[pool_count].imm.index = func_index;
            pool[pool_count + 1].op = WASM_OP_END;
            pool[pool_count + 1].offset = at;
        }
        /* Until fixed up, code holds the index of the item's first
         * instruction in the pool. */
        items[i].code = (wasm_instr *)(uintptr_t)pool_count;
        items[i].count = used;
        items[i].offset = at;
        pool_count += used;
    }
    for (uint32_t i = 0; i < n; i++) {
        items[i].code = pool + (uintptr_t)items[i].code;
        d->m->features |= expr_features(&items[i]);
    }
    if (n == 0)
        free(pool);
    e->items = items;
    e->item_count = n;
    return KILN_OK;
fail:
    free(pool);
    free(items);
    return st;
}

static kiln_status sec_elem(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        read_count_limited(r, "element segments", WASM_LIMIT_ELEM_SEGMENTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->elems = calloc(n ? n : 1, sizeof *m->elems);
    if (m->elems == NULL)
        return nomem(err, dec_offset(r), "element segments");
    for (uint32_t i = 0; i < n; i++) {
        wasm_elem *e = &m->elems[i];
        m->elem_count = i + 1;
        uint32_t at = dec_offset(r);
        uint32_t flags;
        st = dec_u32(r, &flags, err);
        if (st != KILN_OK)
            return st;
        if (flags > 7)
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "malformed elements segment kind: %u at offset %u", flags,
                                  at);
        /* bit 0: passive or declarative; bit 1: explicit table index (active)
         * or declarative (passive); bit 2: items are expressions. */
        bool exprs = (flags & 4) != 0;
        e->reftype = WASM_FUNCREF;
        e->table_index = 0;
        if (flags & 1) {
            e->mode = (flags & 2) ? KILN_SEGMENT_DECLARATIVE : KILN_SEGMENT_PASSIVE;
            m->features |= KILN_FEATURE_BULK_MEMORY;
        } else {
            e->mode = KILN_SEGMENT_ACTIVE;
            if (flags & 2) {
                st = dec_u32(r, &e->table_index, err);
                if (st != KILN_OK)
                    return st;
            }
            st = decode_expr(r, &d->sink, &e->offset, err);
            if (st != KILN_OK)
                return st;
            m->features |= expr_features(&e->offset);
        }
        if (flags & 3) {
            if (exprs) {
                st = read_reftype(r, &e->reftype, err);
            } else {
                uint32_t kat = dec_offset(r);
                uint8_t kind;
                st = dec_u8(r, &kind, err);
                if (st == KILN_OK && kind != 0)
                    return kiln_error_set(err, KILN_ERR_MALFORMED, kat,
                                          "malformed element kind: 0x%02X at offset %u", kind,
                                          kat);
            }
            if (st != KILN_OK)
                return st;
        }
        if (exprs || e->reftype != WASM_FUNCREF)
            m->features |= KILN_FEATURE_REFERENCE_TYPES;
        st = read_elem_items(d, e, exprs, err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status sec_datacount(dec_state *d, kiln_error *err)
{
    uint32_t at = dec_offset(&d->r);
    kiln_status st = dec_u32(&d->r, &d->data_count, err);
    if (st == KILN_OK)
        st = wasm_limit_check(WASM_LIMIT_DATA_SEGMENTS, d->data_count, at, NULL, err);
    if (st != KILN_OK)
        return st;
    d->m->has_data_count = true;
    d->m->features |= KILN_FEATURE_BULK_MEMORY;
    return KILN_OK;
}

static kiln_status sec_code(dec_state *d, uint32_t section_offset, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = read_count(r, "function bodies", &n, err);
    if (st != KILN_OK)
        return st;
    if (n != d->defined_func_count)
        return kiln_error_set(err, KILN_ERR_MALFORMED, section_offset,
                              "function and code section have inconsistent lengths: %u "
                              "functions, %u bodies",
                              d->defined_func_count, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        const uint8_t *body;
        st = dec_u32(r, &size, err);
        if (st != KILN_OK)
            return st;
        uint32_t at = dec_offset(r);
        st = dec_bytes(r, size, &body, err);
        if (st == KILN_OK)
            st = wasm_limit_check(WASM_LIMIT_FUNCTION_BODY_BYTES, size, at, NULL, err);
        if (st != KILN_OK)
            return st;
        wasm_func *f = &m->funcs[m->func_import_count + i];
        f->body_offset = at;
        f->body_size = size;
    }
    d->has_code_section = true;
    return KILN_OK;
}

static kiln_status sec_data(dec_state *d, uint32_t section_offset, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        read_count_limited(r, "data segments", WASM_LIMIT_DATA_SEGMENTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    if (m->has_data_count && n != d->data_count)
        return kiln_error_set(err, KILN_ERR_MALFORMED, section_offset,
                              "data count and data section have inconsistent lengths: "
                              "datacount %u, %u segments",
                              d->data_count, n);
    m->datas = calloc(n ? n : 1, sizeof *m->datas);
    if (m->datas == NULL)
        return nomem(err, dec_offset(r), "data segments");
    for (uint32_t i = 0; i < n; i++) {
        wasm_data *ds = &m->datas[i];
        m->data_count = i + 1;
        uint32_t at = dec_offset(r);
        uint32_t flags;
        st = dec_u32(r, &flags, err);
        if (st != KILN_OK)
            return st;
        if (flags > 2)
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "malformed data segment kind: %u at offset %u", flags, at);
        ds->memory_index = 0;
        if (flags == 1) {
            ds->mode = KILN_SEGMENT_PASSIVE;
            m->features |= KILN_FEATURE_BULK_MEMORY;
        } else {
            ds->mode = KILN_SEGMENT_ACTIVE;
            if (flags == 2) {
                st = dec_u32(r, &ds->memory_index, err);
                if (st != KILN_OK)
                    return st;
            }
            st = decode_expr(r, &d->sink, &ds->offset, err);
            if (st != KILN_OK)
                return st;
        }
        uint32_t size;
        st = dec_u32(r, &size, err);
        if (st == KILN_OK)
            st = dec_bytes(r, size, &ds->bytes, err);
        if (st != KILN_OK)
            return st;
        ds->size = size;
    }
    d->has_data_section = true;
    return KILN_OK;
}

/* The "name" custom section: module name (subsection 0) and function names
 * (subsection 1). Custom section errors are not fatal, so any problem makes
 * this give up and drop what it found; it never fails the module. */
static void parse_name_section(wasm_module *m, const uint8_t *p, const uint8_t *end)
{
    dec_reader r;
    dec_reader_init(&r, m->bytes, p, end, m->bytes + m->size, DEC_END_SECTION);
    char *module_name = NULL;
    char **names = calloc(m->func_count ? m->func_count : 1, sizeof *names);
    if (names == NULL)
        return;
    int last_id = -1;
    bool ok = true;
    while (ok && !dec_at_end(&r)) {
        uint8_t id;
        uint32_t size;
        const uint8_t *content;
        if (dec_u8(&r, &id, NULL) != KILN_OK || dec_u32(&r, &size, NULL) != KILN_OK ||
            dec_bytes(&r, size, &content, NULL) != KILN_OK || (int)id <= last_id) {
            ok = false;
            break;
        }
        last_id = id;
        dec_reader sub;
        dec_reader_init(&sub, m->bytes, content, content + size, m->bytes + m->size,
                        DEC_END_SECTION);
        const uint8_t *s;
        uint32_t len;
        if (id == 0) {
            ok = dec_name(&sub, &s, &len, NULL) == KILN_OK && dec_at_end(&sub);
            if (ok) {
                module_name = malloc((size_t)len + 1);
                ok = module_name != NULL;
                if (ok) {
                    memcpy(module_name, s, len);
                    module_name[len] = '\0';
                }
            }
        } else if (id == 1) {
            uint32_t count;
            ok = dec_u32(&sub, &count, NULL) == KILN_OK;
            for (uint32_t i = 0; ok && i < count; i++) {
                uint32_t idx;
                ok = dec_u32(&sub, &idx, NULL) == KILN_OK &&
                     dec_name(&sub, &s, &len, NULL) == KILN_OK && idx < m->func_count &&
                     names[idx] == NULL;
                if (ok) {
                    names[idx] = malloc((size_t)len + 1);
                    ok = names[idx] != NULL;
                    if (ok) {
                        memcpy(names[idx], s, len);
                        names[idx][len] = '\0';
                    }
                }
            }
            ok = ok && dec_at_end(&sub);
        }
    }
    for (uint32_t i = 0; i < m->func_count; i++) {
        if (ok) {
            if (names[i] != NULL) {
                free(m->funcs[i].name);
                m->funcs[i].name = names[i];
            }
        } else {
            free(names[i]);
        }
    }
    if (ok && module_name != NULL) {
        free(m->module_name);
        m->module_name = module_name;
    } else {
        free(module_name);
    }
    free(names);
}

static kiln_status sec_custom(dec_state *d, const uint8_t *section_end, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    wasm_custom c;
    kiln_status st = copy_name(r, &c.name, err);
    if (st != KILN_OK)
        return st;
    c.bytes = r->p;
    c.size = (uint32_t)(section_end - r->p);
    r->p = section_end;
    if (!grow_array((void **)&m->customs, &d->custom_cap, (uint64_t)m->custom_count + 1,
                    sizeof *m->customs)) {
        free(c.name.bytes);
        return nomem(err, dec_offset(r), "custom sections");
    }
    m->customs[m->custom_count++] = c;
    if (c.name.size == 4 && memcmp(c.name.bytes, "name", 4) == 0)
        parse_name_section(m, c.bytes, section_end);
    return KILN_OK;
}

void dec_module_free(wasm_module *m)
{
    if (m == NULL)
        return;
    for (uint32_t i = 0; i < m->type_count; i++)
        free(m->types[i].types);
    free(m->types);
    for (uint32_t i = 0; i < m->import_count; i++) {
        free(m->imports[i].module.bytes);
        free(m->imports[i].field.bytes);
    }
    free(m->imports);
    for (uint32_t i = 0; i < m->func_count; i++)
        free(m->funcs[i].name);
    free(m->funcs);
    free(m->tables);
    free(m->memories);
    for (uint32_t i = 0; i < m->global_count; i++)
        free(m->globals[i].init.code);
    free(m->globals);
    for (uint32_t i = 0; i < m->export_count; i++)
        free(m->exports[i].name.bytes);
    free(m->exports);
    for (uint32_t i = 0; i < m->elem_count; i++) {
        free(m->elems[i].offset.code);
        if (m->elems[i].item_count > 0)
            free(m->elems[i].items[0].code);
        free(m->elems[i].items);
    }
    free(m->elems);
    for (uint32_t i = 0; i < m->data_count; i++)
        free(m->datas[i].offset.code);
    free(m->datas);
    for (uint32_t i = 0; i < m->custom_count; i++)
        free(m->customs[i].name.bytes);
    free(m->customs);
    free(m->module_name);
    free(m);
}

static kiln_status read_section(dec_state *d, uint8_t id, uint32_t section_offset,
                                const uint8_t *section_end, kiln_error *err)
{
    switch (id) {
    case 0:
        return sec_custom(d, section_end, err);
    case 1:
        return sec_type(d, err);
    case 2:
        return sec_import(d, err);
    case 3:
        return sec_function(d, err);
    case 4:
        return sec_table(d, err);
    case 5:
        return sec_memory(d, err);
    case 6:
        return sec_global(d, err);
    case 7:
        return sec_export(d, err);
    case 8:
        return sec_start(d, err);
    case 9:
        return sec_elem(d, err);
    case 10:
        return sec_code(d, section_offset, err);
    case 11:
        return sec_data(d, section_offset, err);
    default:
        return sec_datacount(d, err);
    }
}

kiln_status dec_module(const uint8_t *bytes, size_t size, wasm_module **out, kiln_error *err)
{
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
    if (bytes == NULL && size != 0)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "no input bytes");
    kiln_status limit_st = wasm_limit_check(WASM_LIMIT_MODULE_BYTES, size, 0, NULL, err);
    if (limit_st != KILN_OK)
        return limit_st;
    dec_state d;
    memset(&d, 0, sizeof d);
    kiln_status st;
    d.m = calloc(1, sizeof *d.m);
    if (d.m == NULL)
        return nomem(err, 0, "module");
    wasm_module *m = d.m;
    m->bytes = bytes;
    m->size = size;

    dec_reader top;
    dec_reader_init(&top, bytes, bytes, bytes + size, bytes + size, DEC_END_TOP);
    const uint8_t *p;
    st = dec_bytes(&top, 4, &p, err);
    if (st != KILN_OK)
        goto out;
    if (memcmp(p, magic, 4) != 0) {
        st = kiln_error_set(err, KILN_ERR_MALFORMED, 0,
                            "magic header not detected: %02X %02X %02X %02X, expected "
                            "00 61 73 6D",
                            p[0], p[1], p[2], p[3]);
        goto out;
    }
    st = dec_bytes(&top, 4, &p, err);
    if (st != KILN_OK)
        goto out;
    if (kiln_read_u32le(p) != 1) {
        st = kiln_error_set(err, KILN_ERR_MALFORMED, 4, "unknown binary version: %u, expected 1",
                            kiln_read_u32le(p));
        goto out;
    }

    /* Empty index spaces until the import section (if any) sets them. */
    m->funcs = calloc(1, sizeof *m->funcs);
    m->tables = calloc(1, sizeof *m->tables);
    m->memories = calloc(1, sizeof *m->memories);
    m->globals = calloc(1, sizeof *m->globals);
    if (!m->funcs || !m->tables || !m->memories || !m->globals) {
        st = nomem(err, 8, "index spaces");
        goto out;
    }

    int last_rank = 0;
    while (!dec_at_end(&top)) {
        uint32_t section_offset = dec_offset(&top);
        uint8_t id;
        uint32_t section_size;
        st = dec_u8(&top, &id, err);
        if (st != KILN_OK)
            goto out;
        if (id > 12) {
            st = kiln_error_set(err, KILN_ERR_MALFORMED, section_offset,
                                "malformed section id: %u at offset %u", id, section_offset);
            goto out;
        }
        st = dec_u32(&top, &section_size, err);
        if (st != KILN_OK)
            goto out;
        if (dec_remaining(&top) < section_size) {
            st = kiln_error_set(err, KILN_ERR_MALFORMED, section_offset,
                                "length out of bounds: section %u needs %u bytes at offset "
                                "%u, %zu remain",
                                id, section_size, dec_offset(&top), dec_remaining(&top));
            goto out;
        }
        if (id != 0) {
            /* Such a section after a later one, or a repeat, leaves content
             * the spec's fixed section sequence cannot consume. */
            int rank = section_rank(id);
            if (rank <= last_rank) {
                st = kiln_error_set(err, KILN_ERR_MALFORMED, section_offset,
                                    "unexpected content after last section: section %u at "
                                    "offset %u is out of order",
                                    id, section_offset);
                goto out;
            }
            last_rank = rank;
        }
        const uint8_t *section_end = top.p + section_size;
        /* function and code must agree even when the code section is
         * missing, which is known once a section after code's slot comes. */
        if (id > 10 && id != 12 && !d.has_code_section && d.defined_func_count != 0) {
            st = kiln_error_set(err, KILN_ERR_MALFORMED, section_offset,
                                "function and code section have inconsistent lengths: %u "
                                "functions, no code section",
                                d.defined_func_count);
            goto out;
        }
        dec_reader_init(&d.r, bytes, top.p, section_end, bytes + size, DEC_END_SECTION);
        st = read_section(&d, id, section_offset, section_end, err);
        if (st != KILN_OK)
            goto out;
        if (d.r.p != section_end) {
            st = kiln_error_set(err, KILN_ERR_MALFORMED, dec_offset(&d.r),
                                "section size mismatch: section %u at offset %u declares %u "
                                "bytes, content ends at %u",
                                id, section_offset, section_size,
                                (uint32_t)(d.r.p - bytes) - (uint32_t)(top.p - bytes));
            goto out;
        }
        top.p = section_end;
    }
    if (!d.has_code_section && d.defined_func_count != 0) {
        st = kiln_error_set(err, KILN_ERR_MALFORMED, (uint32_t)size,
                            "function and code section have inconsistent lengths: %u "
                            "functions, no code section",
                            d.defined_func_count);
        goto out;
    }
    if (m->has_data_count && !d.has_data_section && d.data_count != 0) {
        st = kiln_error_set(err, KILN_ERR_MALFORMED, (uint32_t)size,
                            "data count and data section have inconsistent lengths: "
                            "datacount %u, no data section",
                            d.data_count);
        goto out;
    }
    st = KILN_OK;
out:
    sink_free(&d.sink);
    if (st != KILN_OK) {
        dec_module_free(d.m);
        return st;
    }
    *out = d.m;
    return KILN_OK;
}

/* ---- function bodies ----------------------------------------------------- */

kiln_status dec_function_body(const wasm_module *module, uint32_t func_index, wasm_body *out,
                              kiln_error *err)
{
    if (module == NULL || out == NULL || func_index >= module->func_count ||
        func_index < module->func_import_count)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "function %u is not a defined function", func_index);
    const wasm_func *f = &module->funcs[func_index];
    dec_reader r;
    dec_reader_init(&r, module->bytes, module->bytes + f->body_offset,
                    module->bytes + f->body_offset + f->body_size, module->bytes + module->size,
                    DEC_END_SECTION);
    instr_sink s;
    memset(&s, 0, sizeof s);
    wasm_valtype *locals = NULL;
    kiln_status st;

    /* Locals: runs of (count, type). Count first, so a huge total fails
     * before anything is allocated. */
    uint32_t groups;
    st = read_count(&r, "local groups", &groups, err);
    if (st != KILN_OK)
        goto fail;
    const uint8_t *locals_start = r.p;
    uint64_t total = 0;
    /* The limit counts parameters too; the spec's "too many locals" (a
     * total past 2^32) is the same refusal, so it stays MALFORMED. */
    uint32_t params = module->types[f->type_index].param_count;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t at = dec_offset(&r);
        uint32_t n;
        wasm_valtype t;
        st = dec_u32(&r, &n, err);
        if (st == KILN_OK)
            st = read_valtype(&r, &t, err);
        if (st != KILN_OK)
            goto fail;
        total += n;
        if (params + total > WASM_MAX_FUNCTION_LOCALS) {
            st = kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                "too many locals: function %u has %u parameters and declares "
                                "%llu or more locals at offset %u, kiln allows at most %u "
                                "(WASM_MAX_FUNCTION_LOCALS, see README.md \"Limits\")",
                                func_index, params, (unsigned long long)total, at,
                                WASM_MAX_FUNCTION_LOCALS);
            goto fail;
        }
    }
    locals = malloc(total ? (size_t)total : 1);
    if (locals == NULL) {
        st = nomem(err, f->body_offset, "locals");
        goto fail;
    }
    r.p = locals_start;
    uint32_t k = 0;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        wasm_valtype t;
        (void)dec_u32(&r, &n, NULL);
        (void)read_valtype(&r, &t, NULL);
        memset(locals + k, t, n);
        k += n;
    }

    /* Most instructions take 1-3 bytes; start near the final count. */
    uint32_t guess = f->body_size / 2 + 8;
    if (!grow_array((void **)&s.code, &s.cap, guess, sizeof *s.code)) {
        st = nomem(err, f->body_offset, "instructions");
        goto fail;
    }
    /* Without a datacount section, memory.init/data.drop are malformed
     * (the spec's binary rule). When the module has no data segments at
     * all the index is out of range anyway; leave that to the validator,
     * which reports it as the text format's "unknown data segment". */
    st = decode_instrs(&r, &s, !module->has_data_count && module->data_count > 0, err);
    if (st != KILN_OK)
        goto fail;
    if (!dec_at_end(&r)) {
        st = kiln_error_set(err, KILN_ERR_MALFORMED, dec_offset(&r),
                            "section size mismatch: function %u body continues %zu bytes "
                            "past its final end at offset %u",
                            func_index, dec_remaining(&r), dec_offset(&r));
        goto fail;
    }
    free(s.ctrl);
    out->func_index = func_index;
    out->local_count = (uint32_t)total;
    out->local_types = locals;
    out->code = s.code;
    out->code_count = s.count;
    out->br_targets = s.br_targets;
    out->br_target_count = s.br_target_count;
    return KILN_OK;
fail:
    free(locals);
    sink_free(&s);
    return st;
}

void dec_body_free(wasm_body *body)
{
    if (body == NULL)
        return;
    free(body->local_types);
    free(body->code);
    free(body->br_targets);
    memset(body, 0, sizeof *body);
}
