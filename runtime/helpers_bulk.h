/*
 * Bulk memory, table, reference and atomic wait/notify helpers
 * (helpers_bulk.c), registered in helpers.c's table. Signatures as in
 * aot_format.h; vmctx is the calling instance's.
 */
#ifndef KILN_RT_HELPERS_BULK_H
#define KILN_RT_HELPERS_BULK_H

#include <stdint.h>

void hlp_memory_fill(void *vmctx, uint32_t mem, uint32_t dst, uint32_t value, uint32_t n);
void hlp_memory_copy(void *vmctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst,
                     uint32_t src, uint32_t n);
void hlp_memory_init(void *vmctx, uint32_t mem, uint32_t data, uint32_t dst, uint32_t src,
                     uint32_t n);
void hlp_data_drop(void *vmctx, uint32_t data);
uint32_t hlp_table_grow(void *vmctx, uint32_t table, void *init, uint32_t delta);
void hlp_table_fill(void *vmctx, uint32_t table, uint32_t dst, void *value, uint32_t n);
void hlp_table_copy(void *vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                    uint32_t src, uint32_t n);
void hlp_table_init(void *vmctx, uint32_t table, uint32_t elem, uint32_t dst, uint32_t src,
                    uint32_t n);
void hlp_elem_drop(void *vmctx, uint32_t elem);
void *hlp_func_ref(void *vmctx, uint32_t func_index);
uint32_t hlp_atomic_wait32(void *vmctx, uint32_t mem, uint32_t addr, uint32_t expected,
                           int64_t timeout_ns);
uint32_t hlp_atomic_wait64(void *vmctx, uint32_t mem, uint32_t addr, uint64_t expected,
                           int64_t timeout_ns);
uint32_t hlp_atomic_notify(void *vmctx, uint32_t mem, uint32_t addr, uint32_t count);

#endif /* KILN_RT_HELPERS_BULK_H */
