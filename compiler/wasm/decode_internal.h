/*
 * The decoder's internal interface (dec_), shared by its files:
 *
 *   decode.c          the preamble, the section order, dec_module, dec_module_free
 *   decode_common.c   value types, counts, names, limits, feature bits
 *   decode_instr.c    instructions, constant expressions, function bodies
 *   decode_sections.c type, import, function, table, memory, global, export, start
 *   decode_segments.c elem, datacount, code, data
 *   decode_names.c    custom sections and the "name" section
 *   opcodes.c         the opcode metadata tables (from opcodes.def)
 *
 * Invariants are those of decode.c's header comment: every read bounded by
 * a dec_reader, KILN_ERR_MALFORMED with the spec's message and the offset,
 * out-parameters written only on success.
 */
#ifndef KILN_WASM_DECODE_INTERNAL_H
#define KILN_WASM_DECODE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln_common.h"
#include "limits.h"
#include "module.h"
#include "reader.h"

/* Growable output of the instruction decoder; reused across expressions. */
typedef struct instr_sink {
    wasm_instr *code;
    uint32_t count, cap;
    uint32_t *br_targets;
    uint32_t br_target_count, br_target_cap;
    uint32_t *ctrl; /* indices of open block/loop/if instructions */
    uint32_t ctrl_count, ctrl_cap;
} instr_sink;

/* The state of dec_module across sections. */
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

/* ---- decode_common.c ----------------------------------------------------- */

kiln_status dec_nomem(kiln_error *err, uint32_t offset, const char *what);
/* Grows *array (element size elem) so that it holds at least need elements,
 * doubling the capacity. */
bool dec_grow_array(void **array, uint32_t *cap, uint64_t need, size_t elem);

static inline bool dec_is_valtype(uint8_t b)
{
    return (b >= WASM_V128 && b <= WASM_I32) || b == WASM_FUNCREF || b == WASM_EXTERNREF;
}

static inline bool dec_is_reftype(uint8_t b)
{
    return b == WASM_FUNCREF || b == WASM_EXTERNREF;
}

kiln_status dec_read_valtype(dec_reader *r, wasm_valtype *out, kiln_error *err);
kiln_status dec_read_reftype(dec_reader *r, wasm_valtype *out, kiln_error *err);
kiln_status dec_read_zero_byte(dec_reader *r, const char *what, kiln_error *err);
/* Reads a vector length and rejects one larger than the remaining bytes
 * (every element takes at least one), so a corrupt count never drives a
 * huge allocation. */
kiln_status dec_read_count(dec_reader *r, const char *what, uint32_t *out, kiln_error *err);
/* dec_read_count, then the implementation limit on base + the count (base:
 * entries of that kind already in the index space, e.g. imported ones). */
kiln_status dec_read_count_limited(dec_reader *r, const char *what, wasm_limit limit,
                                   uint32_t base, uint32_t *out, kiln_error *err);
/* A name, copied to a NUL-terminated heap string. */
kiln_status dec_copy_name(dec_reader *r, wasm_name *out, kiln_error *err);
kiln_status dec_read_limits(dec_reader *r, bool is_memory, wasm_limits *out, kiln_error *err);
kiln_status dec_read_tabletype(dec_reader *r, wasm_tabletype *out, kiln_error *err);
kiln_status dec_read_globaltype(dec_reader *r, wasm_globaltype *out, kiln_error *err);
/* KILN_FEATURE_* bits a value type or a constant expression needs. */
uint32_t dec_valtype_feature(wasm_valtype t);
uint32_t dec_expr_features(const wasm_expr *e);

/* ---- decode_instr.c ------------------------------------------------------ */

void dec_sink_free(instr_sink *s);
/* Decodes instructions into s->code until the `end` closing the implicit
 * outermost block (see decode_instr.c). */
kiln_status dec_instrs(dec_reader *r, instr_sink *s, bool need_data_count, kiln_error *err);
/* Decodes a constant expression into a fresh exact-size allocation. */
kiln_status dec_expr(dec_reader *r, instr_sink *s, wasm_expr *out, kiln_error *err);

/* ---- the sections (decode_sections.c, decode_segments.c, decode_names.c) -- */

kiln_status dec_sec_type(dec_state *d, kiln_error *err);
kiln_status dec_sec_import(dec_state *d, kiln_error *err);
kiln_status dec_sec_function(dec_state *d, kiln_error *err);
kiln_status dec_sec_table(dec_state *d, kiln_error *err);
kiln_status dec_sec_memory(dec_state *d, kiln_error *err);
kiln_status dec_sec_global(dec_state *d, kiln_error *err);
kiln_status dec_sec_export(dec_state *d, kiln_error *err);
kiln_status dec_sec_start(dec_state *d, kiln_error *err);
kiln_status dec_sec_elem(dec_state *d, kiln_error *err);
kiln_status dec_sec_datacount(dec_state *d, kiln_error *err);
kiln_status dec_sec_code(dec_state *d, uint32_t section_offset, kiln_error *err);
kiln_status dec_sec_data(dec_state *d, uint32_t section_offset, kiln_error *err);
kiln_status dec_sec_custom(dec_state *d, const uint8_t *section_end, kiln_error *err);

#endif /* KILN_WASM_DECODE_INTERNAL_H */
