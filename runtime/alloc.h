/*
 * The runtime's one allocation hook. Every heap allocation in libkiln goes
 * through kiln_alloc/kiln_calloc/kiln_realloc/kiln_free, so a test build can
 * replace the hook with one that fails the N-th call and check that every
 * public entry point reports KILN_ERR_NOMEM and leaks nothing.
 *
 * Contract of the hook: hook(NULL, n) allocates, hook(p, n) resizes,
 * hook(p, 0) frees and returns NULL; a failed allocation returns NULL and
 * leaves p untouched. Memory is aligned as malloc's (16 bytes on x86-64).
 */
#ifndef KILN_RT_ALLOC_H
#define KILN_RT_ALLOC_H

#include <stddef.h>

typedef void *(*kiln_alloc_fn)(void *ptr, size_t size);

void *kiln_alloc(size_t size);
/* Zeroed; NULL on overflow of count * size. */
void *kiln_calloc(size_t count, size_t size);
void *kiln_realloc(void *ptr, size_t size);
void kiln_free(void *ptr);

/* Replaces the hook (NULL restores malloc). Not thread-safe: tests only. */
void kiln_alloc_set_hook(kiln_alloc_fn hook);

#endif /* KILN_RT_ALLOC_H */
