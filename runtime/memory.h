/*
 * Linear memories (mem_). A memory starts with the memory definition that
 * compiled code reads through vmctx ({u8 *base at 0; u64 size_bytes at 8}),
 * so a mem_memory * is the definition pointer stored in vmctx.
 *
 * On 64-bit hosts a memory reserves MEM_RESERVATION bytes with no access:
 * 4 GiB of addressable space plus a 4 GiB guard, so every address + offset
 * that 32-bit wasm code can form (< 8 GiB) lands inside the reservation and
 * an out-of-bounds access faults instead of touching other memory. The base
 * never moves; growing opens more pages in place.
 *
 * On 32-bit hosts that does not fit, and code checks bounds explicitly: a
 * memory is a plain read-write mapping of its current size, which grow
 * resizes and may move (os_remap); every attached vmctx gets the new base
 * and bound, and code reloads both after calls and memory.grow. A shared
 * memory reserves its maximum instead and grows in place (other threads
 * use its base while it grows), so its maximum must fit the address space.
 *
 * Threads: a shared memory is used by instances on several threads, so
 * grow and the users list (attach/detach, publishing a new bound) are
 * serialised by the memory's lock; base never changes, so reads of it
 * need none.
 */
#ifndef KILN_RT_MEMORY_H
#define KILN_RT_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln/aot_format.h"
#include "module.h"
#include "platform/platform.h"
#include "trap.h"

#define MEM_MAX_PAGES 65536u
#define MEM_RESERVATION ((uint64_t)8u << 30)

typedef struct mem_memory {
    uint8_t *base;         /* definition word 0: moves only when `moves` */
    uint64_t size_bytes;   /* definition word 1: accessible bytes */
    uint64_t max_pages;    /* declared max or MEM_MAX_PAGES */
    size_t reserved_bytes; /* whole reservation (guard included) or mapping */
    bool moves;            /* 32-bit host, not shared: grow may move base */
    void **users;          /* vmctxs using this as memory 0 (mem0 words) */
    uint32_t user_count;
    uint32_t user_capacity;
    trap_range *range; /* registration for the fault handler */
    os_mutex lock;        /* guards size_bytes changes and users */
} mem_memory;

/* Reserves and commits limits->min pages. KILN_ERR_INSTANTIATE when the
 * limits cannot be honoured or the reservation fails. */
kiln_status mem_new(const ld_limits *limits, mem_memory **out, kiln_error *err);
void mem_free(mem_memory *memory);

/* Grows by delta_pages; returns the old size in pages or 0xFFFFFFFF (and
 * changes nothing) when the result would exceed the maximum or pages cannot
 * be committed. Updates every attached vmctx's mem0 words. */
uint32_t mem_grow(mem_memory *memory, uint32_t delta_pages);

/* Makes vmctx's mem0_base/mem0_bound follow this memory. */
kiln_status mem_attach(mem_memory *memory, void *vmctx, kiln_error *err);
void mem_detach(mem_memory *memory, void *vmctx);

#endif /* KILN_RT_MEMORY_H */
