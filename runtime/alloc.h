/*
 * The runtime's one allocation hook (kiln_set_allocator in kiln.h). Every
 * heap allocation in libkiln goes through kiln_alloc/kiln_calloc/
 * kiln_realloc/kiln_free, so a host can supply its own allocator and a test
 * can fail the N-th call and check that every public entry point reports
 * KILN_ERR_NOMEM and leaks nothing (tests/api/test_api.c).
 *
 * Memory is aligned as malloc's (16 bytes on x86-64). Linear memories, code
 * images and signal stacks are mapped pages (platform.h), not heap, except
 * on bare metal, whose platform layer allocates them here.
 */
#ifndef KILN_RT_ALLOC_H
#define KILN_RT_ALLOC_H

#include <stddef.h>

void *kiln_alloc(size_t size);
/* Zeroed; NULL on overflow of count * size. */
void *kiln_calloc(size_t count, size_t size);
void *kiln_realloc(void *ptr, size_t size);
void kiln_free(void *ptr);

/* The process-wide tables made through these calls, which outlive any one
 * module: kiln_set_allocator releases them with the allocator that made
 * them before it switches (the contract is that no kiln object is alive
 * then), so no block of an old allocator, an arena a host may reuse, is
 * touched after the switch. */
void ld_types_release(void);     /* typeids.c: interned function types */
void trap_ranges_release(void);  /* trap.c: fault range registrations */

#endif /* KILN_RT_ALLOC_H */
