/*
 * Allocation hook (see alloc.h and kiln_set_allocator in kiln.h). The
 * default allocator is the C library's realloc/free; size 0 always frees,
 * so the allocator has one job per call.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "kiln.h"

static void *default_allocator(void *user, void *ptr, size_t size)
{
    (void)user;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static kiln_allocator_fn allocator = default_allocator;
static void *allocator_user;

void kiln_set_allocator(kiln_allocator_fn fn, void *user)
{
    ld_types_release();
    trap_ranges_release();
    allocator = fn != NULL ? fn : default_allocator;
    allocator_user = fn != NULL ? user : NULL;
}

void *kiln_alloc(size_t size)
{
    /* A zero-byte request still returns a unique pointer, as malloc(1). */
    return allocator(allocator_user, NULL, size == 0 ? 1 : size);
}

void *kiln_calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    size_t total = count * size;
    void *p = kiln_alloc(total);
    if (p != NULL)
        memset(p, 0, total == 0 ? 1 : total);
    return p;
}

void *kiln_realloc(void *ptr, size_t size)
{
    return allocator(allocator_user, ptr, size == 0 ? 1 : size);
}

void kiln_free(void *ptr)
{
    if (ptr != NULL)
        allocator(allocator_user, ptr, 0);
}
