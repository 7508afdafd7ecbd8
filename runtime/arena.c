/*
 * The fixed-size arena allocator of kiln/arena.h.
 *
 * Layout: blocks from base upwards, each a header (its capacity, and the
 * next free block while it is free) followed by capacity bytes; top is the
 * end of the last block. Invariants: every block's offset and capacity are
 * multiples of ARENA_ALIGN; a block on the free list lies wholly below top;
 * live_bytes counts the headers and capacities of the blocks not free.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kiln/arena.h"

typedef struct arena_block {
    size_t capacity;                /* payload bytes after the header */
    struct arena_block *next_free;  /* while on the free list */
} arena_block;

#define ARENA_ALIGN (2u * sizeof(void *))
#define HEADER_SIZE sizeof(arena_block)

_Static_assert(sizeof(arena_block) == ARENA_ALIGN, "the header keeps payloads aligned");

void kiln_arena_init(kiln_arena *arena, void *memory, size_t size)
{
    uintptr_t start = (uintptr_t)memory;
    uintptr_t aligned = (start + ARENA_ALIGN - 1u) & ~(uintptr_t)(ARENA_ALIGN - 1u);
    size_t skip = (size_t)(aligned - start);
    arena->base = (unsigned char *)aligned;
    arena->size = size > skip ? (size - skip) & ~(size_t)(ARENA_ALIGN - 1u) : 0;
    arena->top = 0;
    arena->live_bytes = 0;
    arena->peak_bytes = 0;
    arena->free_list = NULL;
}

static arena_block *block_of(void *payload)
{
    return (arena_block *)((unsigned char *)payload - HEADER_SIZE);
}

static size_t offset_of(const kiln_arena *a, const arena_block *b)
{
    return (size_t)((const unsigned char *)b - a->base);
}

static void *block_alloc(kiln_arena *a, size_t size)
{
    if (size > a->size)
        return NULL;
    size_t need = (size + ARENA_ALIGN - 1u) & ~(size_t)(ARENA_ALIGN - 1u);
    for (arena_block **p = (arena_block **)&a->free_list; *p != NULL; p = &(*p)->next_free) {
        arena_block *b = *p;
        if (b->capacity >= need) {
            *p = b->next_free;
            a->live_bytes += HEADER_SIZE + b->capacity;
            return (unsigned char *)b + HEADER_SIZE;
        }
    }
    if (a->size - a->top < HEADER_SIZE || a->size - a->top - HEADER_SIZE < need)
        return NULL;
    arena_block *b = (arena_block *)(a->base + a->top);
    b->capacity = need;
    a->top += HEADER_SIZE + need;
    if (a->top > a->peak_bytes)
        a->peak_bytes = a->top;
    a->live_bytes += HEADER_SIZE + need;
    return (unsigned char *)b + HEADER_SIZE;
}

/* Lowers top past free blocks that end at it. */
static void shrink_top(kiln_arena *a)
{
    bool moved = true;
    while (moved) {
        moved = false;
        for (arena_block **p = (arena_block **)&a->free_list; *p != NULL; p = &(*p)->next_free) {
            arena_block *b = *p;
            if (offset_of(a, b) + HEADER_SIZE + b->capacity == a->top) {
                *p = b->next_free;
                a->top = offset_of(a, b);
                moved = true;
                break;
            }
        }
    }
}

static void block_free(kiln_arena *a, void *payload)
{
    arena_block *b = block_of(payload);
    a->live_bytes -= HEADER_SIZE + b->capacity;
    if (offset_of(a, b) + HEADER_SIZE + b->capacity == a->top) {
        a->top = offset_of(a, b);
        shrink_top(a);
        return;
    }
    b->next_free = a->free_list;
    a->free_list = b;
}

static void *block_resize(kiln_arena *a, void *payload, size_t size)
{
    arena_block *b = block_of(payload);
    if (size <= b->capacity)
        return payload;
    size_t need = (size + ARENA_ALIGN - 1u) & ~(size_t)(ARENA_ALIGN - 1u);
    if (size <= a->size && offset_of(a, b) + HEADER_SIZE + b->capacity == a->top &&
        a->size - offset_of(a, b) - HEADER_SIZE >= need) {
        /* The topmost block grows in place (a linear memory's memory.grow). */
        a->live_bytes += need - b->capacity;
        a->top += need - b->capacity;
        b->capacity = need;
        if (a->top > a->peak_bytes)
            a->peak_bytes = a->top;
        return payload;
    }
    void *moved = block_alloc(a, size);
    if (moved == NULL)
        return NULL;
    memcpy(moved, payload, b->capacity);
    block_free(a, payload);
    return moved;
}

void *kiln_arena_allocator(void *user, void *ptr, size_t size)
{
    kiln_arena *a = user;
    if (size == 0) {
        if (ptr != NULL)
            block_free(a, ptr);
        return NULL;
    }
    return ptr == NULL ? block_alloc(a, size) : block_resize(a, ptr, size);
}
