/*
 * A fixed-size arena for kiln_set_allocator, for devices without malloc
 * (or that keep the runtime's memory apart from the rest of the firmware).
 *
 *   static unsigned char ram[256 * 1024] __attribute__((aligned(16)));
 *   static kiln_arena arena;
 *   kiln_arena_init(&arena, ram, sizeof ram);
 *   kiln_set_allocator(kiln_arena_allocator, &arena);
 *
 * Every block carries a small header; freed blocks are reused first fit and
 * the arena shrinks back when its topmost blocks are freed, so loading,
 * instantiating and freeing the same module again takes no more room. On
 * bare metal linear memories, tables and instance state come from here too
 * (runtime/platform/baremetal.c), so peak_bytes is the runtime's RAM use.
 * Not thread-safe (as kiln_set_allocator itself).
 */
#ifndef KILN_ARENA_H
#define KILN_ARENA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_arena {
    unsigned char *base; /* the caller's memory, aligned up; not owned */
    size_t size;         /* usable bytes from base */
    size_t top;          /* bytes from base handed out so far (headers included) */
    size_t live_bytes;   /* bytes in live blocks, headers included */
    size_t peak_bytes;   /* the highest top ever reached */
    void *free_list;     /* freed blocks below top, for reuse */
} kiln_arena;

/* Makes [memory, memory + size) an empty arena; memory must stay valid and
 * unused by anything else while the arena is in use. */
void kiln_arena_init(kiln_arena *arena, void *memory, size_t size);

/* A kiln_allocator_fn (kiln.h) over the arena passed as user: NULL when
 * the arena cannot hold the block (the runtime then fails with
 * KILN_ERR_NOMEM). Blocks are aligned to 8 bytes (16 on 64-bit hosts). */
void *kiln_arena_allocator(void *user, void *ptr, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* KILN_ARENA_H */
