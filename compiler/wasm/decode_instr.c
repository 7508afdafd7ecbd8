/*
 * Instructions (decode_internal.h): the instruction decoder shared by
 * constant expressions and function bodies, and dec_function_body, which
 * decodes one body at a time so a large module never holds all of its
 * instructions. Opcodes are looked up in opcodes.c's tables; no allocation
 * per instruction (instruction, br_table-target and control-stack arrays
 * grow geometrically).
 */
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

void dec_sink_free(instr_sink *s)
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
    if (dec_is_valtype(b)) {
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
    switch (wasm_op_imm((wasm_op)in->op)) {
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
        st = dec_read_count_limited(r, "br_table labels", WASM_LIMIT_BR_TABLE_TARGETS, 0, &n, err);
        if (st != KILN_OK)
            break;
        if (!dec_grow_array((void **)&s->br_targets, &s->br_target_cap,
                        (uint64_t)s->br_target_count + n, sizeof(uint32_t)))
            return dec_nomem(err, in->offset, "br_table targets");
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
        st = dec_read_zero_byte(r, wasm_op_name((wasm_op)in->op), err);
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
        st = dec_read_count(r, "select types", &n, err);
        if (st != KILN_OK)
            break;
        /* Anything but exactly one type is invalid, not malformed: record
         * 0 so the validator reports "invalid result arity". */
        in->imm.select_type = 0;
        for (uint32_t i = 0; i < n && st == KILN_OK; i++) {
            wasm_valtype t;
            st = dec_read_valtype(r, &t, err);
            if (st == KILN_OK && n == 1)
                in->imm.select_type = t;
        }
        break;
    }
    case WASM_IMM_REFTYPE:
        st = dec_read_reftype(r, &in->imm.reftype, err);
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
            st = dec_read_zero_byte(r, "memory.init", err);
        break;
    case WASM_IMM_MEMORY_COPY:
        in->imm.pair.a = 0;
        in->imm.pair.b = 0;
        st = dec_read_zero_byte(r, "memory.copy", err);
        if (st == KILN_OK)
            st = dec_read_zero_byte(r, "memory.copy", err);
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
        st = dec_read_zero_byte(r, "atomic.fence", err);
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
kiln_status dec_instrs(dec_reader *r, instr_sink *s, bool need_data_count,
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
        wasm_op op;
        if (b == 0xFC || b == 0xFD || b == 0xFE) {
            uint32_t sub;
            st = dec_u32(r, &sub, err);
            if (st != KILN_OK)
                return st;
            if (!wasm_op_decode(b, sub, &op))
                return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                      "illegal opcode: 0x%02X %u at offset %u", b, sub, at);
        } else if (!wasm_op_decode(0, b, &op)) {
            return kiln_error_set(err, KILN_ERR_MALFORMED, at,
                                  "illegal opcode: 0x%02X at offset %u", b, at);
        }
        if (s->count == s->cap &&
            !dec_grow_array((void **)&s->code, &s->cap, (uint64_t)s->count + 1, sizeof(wasm_instr)))
            return dec_nomem(err, at, "instructions");
        uint32_t pos = s->count;
        wasm_instr *in = &s->code[pos];
        in->op = (uint16_t)op;
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
                !dec_grow_array((void **)&s->ctrl, &s->ctrl_cap, (uint64_t)s->ctrl_count + 1,
                            sizeof(uint32_t)))
                return dec_nomem(err, at, "control stack");
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
                                      wasm_op_name((wasm_op)in->op), at);
            break;
        default:
            break;
        }
    }
}

/* Decodes a constant expression into a fresh exact-size allocation. */
kiln_status dec_expr(dec_reader *r, instr_sink *s, wasm_expr *out, kiln_error *err)
{
    uint32_t at = dec_offset(r);
    kiln_status st = dec_instrs(r, s, false, err);
    if (st != KILN_OK)
        return st;
    wasm_instr *code = malloc((size_t)s->count * sizeof *code);
    if (code == NULL)
        return dec_nomem(err, at, "constant expression");
    memcpy(code, s->code, (size_t)s->count * sizeof *code);
    out->code = code;
    out->count = s->count;
    out->offset = at;
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
    st = dec_read_count(&r, "local groups", &groups, err);
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
            st = dec_read_valtype(&r, &t, err);
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
        st = dec_nomem(err, f->body_offset, "locals");
        goto fail;
    }
    r.p = locals_start;
    uint32_t k = 0;
    for (uint32_t i = 0; i < groups; i++) {
        uint32_t n;
        wasm_valtype t;
        (void)dec_u32(&r, &n, NULL);
        (void)dec_read_valtype(&r, &t, NULL);
        memset(locals + k, t, n);
        k += n;
    }

    /* Most instructions take 1-3 bytes; start near the final count. */
    uint32_t guess = f->body_size / 2 + 8;
    if (!dec_grow_array((void **)&s.code, &s.cap, guess, sizeof *s.code)) {
        st = dec_nomem(err, f->body_offset, "instructions");
        goto fail;
    }
    /* Without a datacount section, memory.init/data.drop are malformed
     * (the spec's binary rule). When the module has no data segments at
     * all the index is out of range anyway; leave that to the validator,
     * which reports it as the text format's "unknown data segment". */
    st = dec_instrs(&r, &s, !module->has_data_count && module->data_count > 0, err);
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
    dec_sink_free(&s);
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

