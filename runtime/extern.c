/*
 * kiln_memory, kiln_table and kiln_global objects (see extern.h) and the
 * public constructors for them.
 */
#include <string.h>

#include "alloc.h"
#include "extern.h"
#include "kiln_common.h"
#include "names.h"
#include "platform/platform.h"

/* ---- memories ---------------------------------------------------------------- */

kiln_status ext_memory_create(const ld_limits *limits, kiln_memory **out, kiln_error *err)
{
    kiln_memory *m = kiln_calloc(1, sizeof *m);
    if (m == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating a memory object");
    kiln_status st = mem_new(limits, &m->mem, err);
    if (st != KILN_OK) {
        kiln_free(m);
        return st;
    }
    atomic_init(&m->refs, 1u);
    m->limits = *limits;
    *out = m;
    return KILN_OK;
}

void ext_memory_retain(kiln_memory *memory)
{
    atomic_fetch_add_explicit(&memory->refs, 1u, memory_order_relaxed);
}

uint64_t ext_memory_pages(const kiln_memory *memory)
{
    return memory->mem->size_bytes / KILN_WASM_PAGE_SIZE;
}

kiln_status kiln_memory_new(uint32_t min_pages, uint32_t max_pages, bool shared,
                            kiln_memory **out, kiln_error *err)
{
    if (out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_memory_new: out is NULL");
    if (shared && max_pages == UINT32_MAX)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "a shared memory needs a maximum");
    if (max_pages != UINT32_MAX && (max_pages < min_pages || max_pages > MEM_MAX_PAGES))
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "memory limits {min %u, max %u} are invalid (max must be at "
                              "least min and at most %u pages)",
                              min_pages, max_pages, MEM_MAX_PAGES);
    ld_limits l;
    memset(&l, 0, sizeof l);
    l.min = min_pages;
    if (max_pages != UINT32_MAX) {
        l.flags |= KILN_LIMITS_HAS_MAX;
        l.max = max_pages;
    }
    if (shared)
        l.flags |= KILN_LIMITS_SHARED;
    return ext_memory_create(&l, out, err);
}

void kiln_memory_release(kiln_memory *memory)
{
    if (memory == NULL ||
        atomic_fetch_sub_explicit(&memory->refs, 1u, memory_order_acq_rel) > 1u)
        return;
    mem_free(memory->mem);
    kiln_free(memory);
}

uint8_t *kiln_memory_data(kiln_memory *memory, uint64_t *size_bytes)
{
    if (memory == NULL) {
        if (size_bytes != NULL)
            *size_bytes = 0;
        return NULL;
    }
    if (size_bytes != NULL)
        *size_bytes = memory->mem->size_bytes;
    return memory->mem->base;
}

/* ---- tables ------------------------------------------------------------------ */

static size_t round_to_pages(size_t bytes)
{
    size_t page = os_page_size();
    return (bytes + page - 1) & ~(page - 1);
}

bool ext_table_storage_init(ins_table *def, uint32_t size)
{
    size_t bytes = (size_t)size * sizeof(void *);
    def->reserved_bytes = 0;
    def->committed_bytes = 0;
    if (bytes < EXT_TABLE_MAPPED_MIN_BYTES) {
        def->elements = kiln_calloc(size == 0 ? 1 : size, sizeof(void *));
        if (def->elements == NULL)
            return false;
        def->size = size;
        return true;
    }
    uint32_t capacity = def->max < INS_TABLE_MAX_ELEMENTS ? def->max : INS_TABLE_MAX_ELEMENTS;
    if (capacity < size)
        capacity = size;
    size_t reserved = round_to_pages((size_t)capacity * sizeof(void *));
    size_t committed = round_to_pages(bytes);
    void *base = os_reserve(reserved);
    if (base == NULL)
        return false;
    if (!os_protect(base, committed, OS_PROT_READ_WRITE)) {
        os_release(base, reserved);
        return false;
    }
    def->elements = base;
    def->size = size;
    def->reserved_bytes = reserved;
    def->committed_bytes = committed;
    return true;
}

bool ext_table_storage_grow(ins_table *def, uint32_t new_size, void *value)
{
    size_t bytes = (size_t)new_size * sizeof(void *);
    if (def->reserved_bytes == 0) {
        void **grown = kiln_realloc(def->elements, bytes);
        if (grown == NULL)
            return false;
        def->elements = grown;
    } else {
        if (bytes > def->reserved_bytes)
            return false;
        size_t committed = round_to_pages(bytes);
        if (committed > def->committed_bytes) {
            if (!os_protect((uint8_t *)def->elements + def->committed_bytes,
                            committed - def->committed_bytes, OS_PROT_READ_WRITE))
                return false;
            def->committed_bytes = committed;
        }
    }
    /* Mapped elements past size were never written: already NULL. */
    if (value != NULL || def->reserved_bytes == 0)
        for (uint32_t i = def->size; i < new_size; i++)
            def->elements[i] = value;
    def->size = new_size;
    return true;
}

void ext_table_storage_free(ins_table *def)
{
    if (def->reserved_bytes != 0)
        os_release(def->elements, def->reserved_bytes);
    else
        kiln_free(def->elements);
    def->elements = NULL;
}

kiln_status ext_table_create(uint8_t elem_kind, const ld_limits *limits, kiln_table **out,
                             kiln_error *err)
{
    if (limits->min > INS_TABLE_MAX_ELEMENTS)
        return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                              "table of %llu elements exceeds this runtime's limit of %u",
                              (unsigned long long)limits->min, INS_TABLE_MAX_ELEMENTS);
    kiln_table *t = kiln_calloc(1, sizeof *t);
    ins_table *def = kiln_calloc(1, sizeof *def);
    if (t == NULL || def == NULL) {
        kiln_free(t);
        kiln_free(def);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating a table");
    }
    t->has_max = (limits->flags & KILN_LIMITS_HAS_MAX) != 0;
    def->max = t->has_max && limits->max < UINT32_MAX ? (uint32_t)limits->max : UINT32_MAX;
    if (!ext_table_storage_init(def, (uint32_t)limits->min)) {
        kiln_free(t);
        kiln_free(def);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating %u table elements",
                              (uint32_t)limits->min);
    }
    atomic_init(&t->refs, 1u);
    t->table = def;
    t->elem_kind = elem_kind;
    *out = t;
    return KILN_OK;
}

void ext_table_retain(kiln_table *table)
{
    atomic_fetch_add_explicit(&table->refs, 1u, memory_order_relaxed);
}

kiln_status kiln_table_new(kiln_valkind elem_kind, uint32_t min, uint32_t max,
                           kiln_table **out, kiln_error *err)
{
    if (out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_table_new: out is NULL");
    if (elem_kind != KILN_FUNCREF && elem_kind != KILN_EXTERNREF)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "a table holds funcref or externref, not %s",
                              ld_valtype_name((uint8_t)elem_kind));
    if (max != UINT32_MAX && max < min)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "table limits {min %u, max %u}: max is below min", min, max);
    ld_limits l;
    memset(&l, 0, sizeof l);
    l.min = min;
    if (max != UINT32_MAX) {
        l.flags = KILN_LIMITS_HAS_MAX;
        l.max = max;
    }
    return ext_table_create((uint8_t)elem_kind, &l, out, err);
}

void kiln_table_release(kiln_table *table)
{
    if (table == NULL ||
        atomic_fetch_sub_explicit(&table->refs, 1u, memory_order_acq_rel) > 1u)
        return;
    ext_table_storage_free(table->table);
    kiln_free(table->table);
    kiln_free(table);
}

/* ---- globals ------------------------------------------------------------------ */

void ext_global_retain(kiln_global *global)
{
    atomic_fetch_add_explicit(&global->refs, 1u, memory_order_relaxed);
}

kiln_status kiln_global_new(kiln_val value, bool is_mutable, kiln_global **out,
                            kiln_error *err)
{
    if (out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_global_new: out is NULL");
    switch (value.kind) {
    case KILN_I32:
    case KILN_I64:
    case KILN_F32:
    case KILN_F64:
    case KILN_V128:
    case KILN_FUNCREF:
    case KILN_EXTERNREF: break;
    default:
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_global_new: unknown value kind 0x%x", (unsigned)value.kind);
    }
    kiln_global *g = kiln_calloc(1, sizeof *g);
    if (g == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating a global");
    atomic_init(&g->refs, 1u);
    g->cell = g->own_cell;
    g->valtype = (uint8_t)value.kind;
    g->is_mutable = is_mutable;
    switch (value.kind) {
    case KILN_I32: memcpy(g->cell, &value.of.i32, 4); break;
    case KILN_I64: memcpy(g->cell, &value.of.i64, 8); break;
    case KILN_F32: memcpy(g->cell, &value.of.f32, 4); break;
    case KILN_F64: memcpy(g->cell, &value.of.f64, 8); break;
    case KILN_V128: memcpy(g->cell, value.of.v128, 16); break;
    case KILN_FUNCREF:
    case KILN_EXTERNREF: memcpy(g->cell, &value.of.ref, sizeof value.of.ref); break;
    }
    *out = g;
    return KILN_OK;
}

void kiln_global_release(kiln_global *global)
{
    if (global == NULL ||
        atomic_fetch_sub_explicit(&global->refs, 1u, memory_order_acq_rel) > 1u)
        return;
    kiln_instance_free(global->owner);
    kiln_free(global);
}

kiln_val kiln_global_get(const kiln_global *global)
{
    kiln_val v;
    memset(&v, 0, sizeof v);
    v.kind = (kiln_valkind)global->valtype;
    switch (v.kind) {
    case KILN_I32: memcpy(&v.of.i32, global->cell, 4); break;
    case KILN_I64: memcpy(&v.of.i64, global->cell, 8); break;
    case KILN_F32: memcpy(&v.of.f32, global->cell, 4); break;
    case KILN_F64: memcpy(&v.of.f64, global->cell, 8); break;
    case KILN_V128: memcpy(v.of.v128, global->cell, 16); break;
    case KILN_FUNCREF:
    case KILN_EXTERNREF: memcpy(&v.of.ref, global->cell, sizeof v.of.ref); break;
    }
    return v;
}
