/*
 * Linear memories (see memory.h). The definition layout is checked against
 * aot_format.h at compile time: compiled code depends on it.
 */
#include <stddef.h>
#include <string.h>

#include "alloc.h"
#include "kiln_common.h"
#include "memory.h"
#include "platform/platform.h"

_Static_assert(offsetof(mem_memory, base) == KILN_MEMDEF_BASE_OFFSET,
               "memory definition: base at offset 0");
_Static_assert(offsetof(mem_memory, size_bytes) == KILN_MEMDEF_SIZE_OFFSET,
               "memory definition: size at offset 8");

/* Guard reservations need a 64-bit address space (see memory.h). */
static bool host_has_guards(void)
{
    return sizeof(void *) == 8;
}

static kiln_status no_space(mem_memory *m, uint64_t bytes, const char *what, kiln_error *err)
{
    os_mutex_destroy(&m->lock);
    kiln_free(m);
    return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                          "cannot %s %llu bytes of address space for a linear memory", what,
                          (unsigned long long)bytes);
}

/* Sets up m's pages: the guard reservation, a shared memory's maximum, or a
 * mapping of the initial size that grows by moving. */
static kiln_status map_pages(mem_memory *m, const ld_limits *limits, uint64_t max_pages,
                             kiln_error *err)
{
    uint64_t initial = limits->min * KILN_WASM_PAGE_SIZE;
    uint64_t page = os_page_size();
    if (host_has_guards()) {
        m->reserved_bytes = (size_t)MEM_RESERVATION;
        m->base = os_reserve(m->reserved_bytes);
        if (m->base == NULL)
            return no_space(m, MEM_RESERVATION, "reserve", err);
    } else if (limits->flags & KILN_LIMITS_SHARED) {
        uint64_t max_bytes = max_pages * KILN_WASM_PAGE_SIZE;
        if (max_bytes < page)
            max_bytes = page; /* a base for a memory of 0 pages */
        if (max_bytes > SIZE_MAX / 2 || (m->base = os_reserve((size_t)max_bytes)) == NULL)
            return no_space(m, max_bytes, "reserve (the shared memory's maximum)", err);
        m->reserved_bytes = (size_t)max_bytes;
    } else {
        uint64_t bytes = initial > page ? initial : page;
        if (bytes > SIZE_MAX / 2 || (m->base = os_map_rw((size_t)bytes)) == NULL)
            return no_space(m, bytes, "map", err);
        m->reserved_bytes = (size_t)bytes;
        m->moves = true;
        return KILN_OK;
    }
    if (!os_protect(m->base, (size_t)initial, OS_PROT_READ_WRITE)) {
        mem_free(m);
        return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                              "cannot commit %llu initial pages of a linear memory",
                              (unsigned long long)limits->min);
    }
    return KILN_OK;
}

kiln_status mem_new(const ld_limits *limits, mem_memory **out, kiln_error *err)
{
    uint64_t max_pages = (limits->flags & KILN_LIMITS_HAS_MAX) ? limits->max : MEM_MAX_PAGES;
    if (max_pages > MEM_MAX_PAGES)
        max_pages = MEM_MAX_PAGES;
    if (limits->min > max_pages)
        return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                              "memory of %llu pages exceeds the maximum of %llu pages",
                              (unsigned long long)limits->min, (unsigned long long)max_pages);
    mem_memory *m = kiln_calloc(1, sizeof *m);
    if (m == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating a linear memory");
    if (!os_mutex_init(&m->lock, false)) {
        kiln_free(m);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "cannot create a linear memory's lock");
    }
    m->max_pages = max_pages;
    kiln_status st = map_pages(m, limits, max_pages, err);
    if (st != KILN_OK)
        return st;
    m->size_bytes = limits->min * KILN_WASM_PAGE_SIZE;
    /* Only guard reservations take faults meant as traps. */
    if (!host_has_guards()) {
        *out = m;
        return KILN_OK;
    }
    m->range = trap_range_register((uintptr_t)m->base,
                                   (uintptr_t)m->base + m->reserved_bytes, TRAP_RANGE_MEMORY);
    if (m->range == NULL) {
        mem_free(m);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory registering a linear memory");
    }
    *out = m;
    return KILN_OK;
}

void mem_free(mem_memory *memory)
{
    if (memory == NULL)
        return;
    trap_range_unregister(memory->range);
    os_release(memory->base, memory->reserved_bytes);
    os_mutex_destroy(&memory->lock);
    kiln_free(memory->users);
    kiln_free(memory);
}

static void publish_bound(mem_memory *memory)
{
    for (uint32_t i = 0; i < memory->user_count; i++) {
        uintptr_t *words = memory->users[i];
        words[KILN_VMCTX_MEM0_BASE] = (uintptr_t)memory->base;
        words[KILN_VMCTX_MEM0_BOUND] = (uintptr_t)memory->size_bytes;
    }
}

uint32_t mem_grow(mem_memory *memory, uint32_t delta_pages)
{
    uint32_t result = 0xFFFFFFFFu;
    os_mutex_lock(&memory->lock);
    uint64_t old_pages = memory->size_bytes / KILN_WASM_PAGE_SIZE;
    uint64_t new_pages = old_pages + delta_pages;
    if (new_pages > memory->max_pages)
        goto out;
    uint64_t new_bytes = new_pages * KILN_WASM_PAGE_SIZE;
    if (delta_pages != 0 && memory->moves && new_bytes > memory->reserved_bytes) {
        if (new_bytes > SIZE_MAX / 2)
            goto out;
        uint8_t *moved = os_remap(memory->base, memory->reserved_bytes, (size_t)new_bytes);
        if (moved == NULL)
            goto out;
        memory->base = moved;
        memory->reserved_bytes = (size_t)new_bytes;
    } else if (delta_pages != 0) {
        uint64_t delta_bytes = (uint64_t)delta_pages * KILN_WASM_PAGE_SIZE;
        if (!os_protect(memory->base + memory->size_bytes, (size_t)delta_bytes,
                        OS_PROT_READ_WRITE))
            goto out;
    }
    if (delta_pages != 0) {
        memory->size_bytes = new_pages * KILN_WASM_PAGE_SIZE;
        publish_bound(memory);
    }
    result = (uint32_t)old_pages;
out:
    os_mutex_unlock(&memory->lock);
    return result;
}

kiln_status mem_attach(mem_memory *memory, void *vmctx, kiln_error *err)
{
    kiln_status st = KILN_OK;
    os_mutex_lock(&memory->lock);
    if (memory->user_count == memory->user_capacity) {
        uint32_t cap = memory->user_capacity == 0 ? 4u : memory->user_capacity * 2u;
        void **grown = kiln_realloc(memory->users, cap * sizeof *grown);
        if (grown == NULL) {
            st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                "out of memory attaching an instance to a memory");
            goto out;
        }
        memory->users = grown;
        memory->user_capacity = cap;
    }
    memory->users[memory->user_count++] = vmctx;
    uintptr_t *words = vmctx;
    words[KILN_VMCTX_MEM0_BASE] = (uintptr_t)memory->base;
    words[KILN_VMCTX_MEM0_BOUND] = (uintptr_t)memory->size_bytes;
out:
    os_mutex_unlock(&memory->lock);
    return st;
}

void mem_detach(mem_memory *memory, void *vmctx)
{
    os_mutex_lock(&memory->lock);
    for (uint32_t i = 0; i < memory->user_count; i++) {
        if (memory->users[i] == vmctx) {
            memory->users[i] = memory->users[--memory->user_count];
            break;
        }
    }
    os_mutex_unlock(&memory->lock);
}
