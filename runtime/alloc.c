/*
 * Allocation hook (see alloc.h). The default hook is the C library's
 * realloc/free; size 0 always frees so the hook has one job per call.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static void *default_hook(void *ptr, size_t size)
{
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, size);
}

static kiln_alloc_fn alloc_hook = default_hook;

void kiln_alloc_set_hook(kiln_alloc_fn hook)
{
    alloc_hook = hook != NULL ? hook : default_hook;
}

void *kiln_alloc(size_t size)
{
    /* A zero-byte request still returns a unique pointer, as malloc(1). */
    return alloc_hook(NULL, size == 0 ? 1 : size);
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
    return alloc_hook(ptr, size == 0 ? 1 : size);
}

void kiln_free(void *ptr)
{
    if (ptr != NULL)
        alloc_hook(ptr, 0);
}
