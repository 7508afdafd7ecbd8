/*
 * The segment and code sections (decode_internal.h): elem (element
 * segments own one instruction block each: items[0].code is the start of a
 * single allocation holding every item's instructions), datacount, code
 * (bodies are only located here, decoded later by dec_function_body) and
 * data.
 */
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

/* Element segment items: either function indices (turned into
 * `ref.func i; end`) or expressions. All items of a segment share one
 * instruction block, so item pointers are fixed up at the end. */
static kiln_status read_elem_items(dec_state *d, wasm_elem *e, bool exprs, kiln_error *err)
{
    dec_reader *r = &d->r;
    uint32_t n;
    kiln_status st =
        dec_read_count_limited(r, "element items", WASM_LIMIT_TABLE_INIT_ENTRIES, 0, &n, err);
    if (st != KILN_OK)
        return st;
    wasm_expr *items = calloc(n ? n : 1, sizeof *items);
    wasm_instr *pool = NULL;
    uint32_t pool_count = 0, pool_cap = 0;
    if (items == NULL)
        return dec_nomem(err, dec_offset(r), "element items");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = dec_offset(r);
        uint32_t used;
        if (exprs) {
            st = dec_instrs(r, &d->sink, false, err);
            if (st != KILN_OK)
                goto fail;
            used = d->sink.count;
        } else {
            used = 2;
        }
        if (!dec_grow_array((void **)&pool, &pool_cap, (uint64_t)pool_count + used,
                        sizeof *pool)) {
            st = dec_nomem(err, at, "element items");
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
        d->m->features |= dec_expr_features(&items[i]);
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

kiln_status dec_sec_elem(dec_state *d, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        dec_read_count_limited(r, "element segments", WASM_LIMIT_ELEM_SEGMENTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    m->elems = calloc(n ? n : 1, sizeof *m->elems);
    if (m->elems == NULL)
        return dec_nomem(err, dec_offset(r), "element segments");
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
            st = dec_expr(r, &d->sink, &e->offset, err);
            if (st != KILN_OK)
                return st;
            m->features |= dec_expr_features(&e->offset);
        }
        if (flags & 3) {
            if (exprs) {
                st = dec_read_reftype(r, &e->reftype, err);
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

kiln_status dec_sec_datacount(dec_state *d, kiln_error *err)
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

kiln_status dec_sec_code(dec_state *d, uint32_t section_offset, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st = dec_read_count(r, "function bodies", &n, err);
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

kiln_status dec_sec_data(dec_state *d, uint32_t section_offset, kiln_error *err)
{
    dec_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n;
    kiln_status st =
        dec_read_count_limited(r, "data segments", WASM_LIMIT_DATA_SEGMENTS, 0, &n, err);
    if (st != KILN_OK)
        return st;
    if (m->has_data_count && n != d->data_count)
        return kiln_error_set(err, KILN_ERR_MALFORMED, section_offset,
                              "data count and data section have inconsistent lengths: "
                              "datacount %u, %u segments",
                              d->data_count, n);
    m->datas = calloc(n ? n : 1, sizeof *m->datas);
    if (m->datas == NULL)
        return dec_nomem(err, dec_offset(r), "data segments");
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
            st = dec_expr(r, &d->sink, &ds->offset, err);
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
