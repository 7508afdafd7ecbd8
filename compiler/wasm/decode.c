/*
 * dec_: the WebAssembly 2.0 binary decoder (plus threads atomics).
 *
 * dec_module reads the preamble and every section in the spec's order
 * (custom sections anywhere) into a wasm_module; function bodies are only
 * located (offset and size) and decoded later, one at a time, by
 * dec_function_body, so a large module never holds all of its instructions.
 * Constant expressions are decoded with the same instruction decoder.
 * This file reads the preamble and orders the sections; the readers of each
 * are in the decode_*.c files (decode_internal.h lists them).
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

#include "decode_internal.h"

/* Section ids in binary order, ranked for the ordering rule (datacount,
 * id 12, sits between elem and code). */
static int section_rank(uint8_t id)
{
    static const int8_t rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id < 13 ? rank[id] : -1;
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
        return dec_sec_custom(d, section_end, err);
    case 1:
        return dec_sec_type(d, err);
    case 2:
        return dec_sec_import(d, err);
    case 3:
        return dec_sec_function(d, err);
    case 4:
        return dec_sec_table(d, err);
    case 5:
        return dec_sec_memory(d, err);
    case 6:
        return dec_sec_global(d, err);
    case 7:
        return dec_sec_export(d, err);
    case 8:
        return dec_sec_start(d, err);
    case 9:
        return dec_sec_elem(d, err);
    case 10:
        return dec_sec_code(d, section_offset, err);
    case 11:
        return dec_sec_data(d, section_offset, err);
    default:
        return dec_sec_datacount(d, err);
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
        return dec_nomem(err, 0, "module");
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
        st = dec_nomem(err, 8, "index spaces");
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
    dec_sink_free(&d.sink);
    if (st != KILN_OK) {
        dec_module_free(d.m);
        return st;
    }
    *out = d.m;
    return KILN_OK;
}
