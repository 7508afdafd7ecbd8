/*
 * The segment sections of the container: ELEMS (element segments, checked
 * against their table's type) and DATA (data segments; their bytes stay in
 * the container and are copied at instantiation).
 */
#include "alloc.h"
#include "load.h"

kiln_status ld_parse_elems(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_ELEMS].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_ELEMS);
    uint32_t count = rd_u32(&r);
    kiln_status st = ld_check_count(c, KILN_SEC_ELEMS, &r, count, 10, "element segments");
    if (st != KILN_OK)
        return st;
    m->elems = kiln_calloc(count, sizeof *m->elems);
    if (m->elems == NULL)
        return ld_nomem(c, "element segments");
    m->elem_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_elem *e = &m->elems[i];
        size_t at = r.pos;
        e->mode = rd_u8(&r);
        e->reftype = rd_u8(&r);
        e->table_index = rd_u32(&r);
        if (r.failed)
            return ld_overrun(c, KILN_SEC_ELEMS, &r, "element segment", i);
        if (e->mode > KILN_SEGMENT_DECLARATIVE || !ld_reftype_ok(e->reftype))
            return ld_corrupt(c, KILN_SEC_ELEMS, at, "element segment %u has mode %u, type 0x%02x",
                           i, (unsigned)e->mode, (unsigned)e->reftype);
        if (e->mode == KILN_SEGMENT_ACTIVE) {
            if (e->table_index >= m->table_count)
                return ld_corrupt(c, KILN_SEC_ELEMS, at + 2,
                               "element segment %u targets table %u, the module has %u", i,
                               e->table_index, m->table_count);
            if (m->tables[e->table_index].reftype != e->reftype)
                return ld_corrupt(c, KILN_SEC_ELEMS, at + 1,
                               "element segment %u of %s targets a table of %s", i,
                               ld_valtype_name(e->reftype),
                               ld_valtype_name(m->tables[e->table_index].reftype));
            st = ld_check_cexpr(c, KILN_SEC_ELEMS, &r, KILN_I32, m->global_count, &e->offset);
            if (st != KILN_OK)
                return st;
        }
        e->item_count = rd_u32(&r);
        st = ld_check_count(c, KILN_SEC_ELEMS, &r, e->item_count, 2, "element items");
        if (st != KILN_OK)
            return st;
        e->items = kiln_calloc(e->item_count, sizeof *e->items);
        if (e->items == NULL)
            return ld_nomem(c, "element segments");
        for (uint32_t k = 0; k < e->item_count; k++) {
            st = ld_check_cexpr(c, KILN_SEC_ELEMS, &r, e->reftype, m->global_count, &e->items[k]);
            if (st != KILN_OK)
                return st;
        }
    }
    return KILN_OK;
}

kiln_status ld_parse_data(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_DATA].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_DATA);
    uint32_t count = rd_u32(&r);
    kiln_status st = ld_check_count(c, KILN_SEC_DATA, &r, count, 9, "data segments");
    if (st != KILN_OK)
        return st;
    m->datas = kiln_calloc(count, sizeof *m->datas);
    if (m->datas == NULL)
        return ld_nomem(c, "data segments");
    m->data_count = count;
    for (uint32_t i = 0; i < count; i++) {
        ld_data *d = &m->datas[i];
        size_t at = r.pos;
        d->mode = rd_u8(&r);
        d->memory_index = rd_u32(&r);
        if (r.failed)
            return ld_overrun(c, KILN_SEC_DATA, &r, "data segment", i);
        if (d->mode > KILN_SEGMENT_PASSIVE)
            return ld_corrupt(c, KILN_SEC_DATA, at, "data segment %u has mode %u", i,
                           (unsigned)d->mode);
        if (d->mode == KILN_SEGMENT_ACTIVE) {
            if (d->memory_index >= m->memory_count)
                return ld_corrupt(c, KILN_SEC_DATA, at + 1,
                               "data segment %u targets memory %u, the module has %u", i,
                               d->memory_index, m->memory_count);
            st = ld_check_cexpr(c, KILN_SEC_DATA, &r, KILN_I32, m->global_count, &d->offset);
            if (st != KILN_OK)
                return st;
        }
        d->size = rd_u32(&r);
        d->bytes = rd_bytes(&r, d->size);
        if (r.failed)
            return ld_overrun(c, KILN_SEC_DATA, &r, "data segment", i);
    }
    return KILN_OK;
}
