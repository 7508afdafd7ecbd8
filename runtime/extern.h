/*
 * Memories, tables and globals as shareable objects (ext_): what the host
 * creates with kiln_memory_new & co., what instances export and what the
 * linker hands to importers. Each is reference-counted; the object owns its
 * definition (mem_memory, ins_table) or, for a global, either its own cell
 * or a reference to the instance whose vmctx holds the cell.
 *
 * Invariants: a definition never moves while its object lives (compiled
 * code keeps definition pointers in vmctx); a memory or table used by
 * several instances is one object, so a write or a grow is seen by all.
 * Reference counts are atomic: instances made on several threads over one
 * shared memory retain and release it (and the exporting instances) from
 * those threads; the object is freed by whichever release drops the last.
 */
#ifndef KILN_RT_EXTERN_H
#define KILN_RT_EXTERN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "instance.h"
#include "memory.h"
#include "module.h"

struct kiln_memory {
    _Atomic uint32_t refs;
    mem_memory *mem; /* owned */
    ld_limits limits; /* declared: HAS_MAX/max and SHARED are what matching reads */
};

struct kiln_table {
    _Atomic uint32_t refs;
    ins_table *table; /* owned */
    uint8_t elem_kind;
    bool has_max;
};

struct kiln_global {
    _Atomic uint32_t refs;
    uint8_t *cell;           /* own_cell, or a cell in owner's vmctx */
    _Alignas(16) uint8_t own_cell[16];
    uint8_t valtype;
    bool is_mutable;
    kiln_instance *owner; /* held, or NULL */
};

/* New objects with one reference. */
kiln_status ext_memory_create(const ld_limits *limits, kiln_memory **out, kiln_error *err);
kiln_status ext_table_create(uint8_t elem_kind, const ld_limits *limits, kiln_table **out,
                             kiln_error *err);

void ext_memory_retain(kiln_memory *memory);
void ext_table_retain(kiln_table *table);
void ext_global_retain(kiln_global *global);

/* Table element storage. Small tables are a heap block; a table whose
 * storage would reach EXT_TABLE_MAPPED_MIN_BYTES reserves address space for
 * its capacity (its max, at most INS_TABLE_MAX_ELEMENTS) with no access and
 * opens pages as it grows, as memories do: the kernel supplies zero pages
 * on first touch, so a large empty table costs no memory until written.
 * init: sets def->elements/size (all NULL); false (nothing allocated) when
 * out of memory. grow: new_size > size, the new elements set to value;
 * false (nothing changed) when out of memory or past the capacity. */
#define EXT_TABLE_MAPPED_MIN_BYTES 65536u
bool ext_table_storage_init(ins_table *def, uint32_t size);
bool ext_table_storage_grow(ins_table *def, uint32_t new_size, void *value);
void ext_table_storage_free(ins_table *def);

/* Pages of memory now, and elements of a table now. */
uint64_t ext_memory_pages(const kiln_memory *memory);

#endif /* KILN_RT_EXTERN_H */
