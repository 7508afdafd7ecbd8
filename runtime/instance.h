/*
 * Instances (ins_): the runtime state of one instantiated module. The vmctx
 * that compiled code receives is a separately allocated, 16-aligned block
 * laid out by kiln_vmctx_layout_compute; its word 5 points back here so
 * helpers can find the instance.
 *
 * Ownership: an instance owns its vmctx, its defined memories and tables
 * and the funcref records of its functions. Imported entries (filled by
 * fill_imports in instance.c, the one place imports are resolved) are
 * borrowed from their exporters.
 */
#ifndef KILN_RT_INSTANCE_H
#define KILN_RT_INSTANCE_H

#include <stdint.h>

#include "kiln.h"
#include "memory.h"
#include "module.h"

/* A funcref, as compiled code reads it from tables (aot_format.h). */
typedef struct ins_funcref {
    void *code;
    void *vmctx;
    uint32_t type_id;
} ins_funcref;

/* A table definition, as compiled code reads it (aot_format.h). */
typedef struct ins_table {
    void **elements; /* size entries, owned */
    uint32_t size;
    uint32_t max; /* declared max, or UINT32_MAX */
} ins_table;

struct kiln_instance {
    const kiln_module *module;
    uint8_t *vmctx;   /* 16-aligned inside vmctx_allocation */
    void *vmctx_allocation;
    mem_memory **memories; /* memory_count; defined ones owned */
    ins_table **tables;    /* table_count; defined ones owned */
    ins_funcref *funcrefs; /* one per function of the index space */
};

/* The instance that owns vmctx (word KILN_VMCTX_INSTANCE). */
static inline kiln_instance *ins_from_vmctx(void *vmctx)
{
    return (kiln_instance *)((void **)vmctx)[KILN_VMCTX_INSTANCE];
}

#endif /* KILN_RT_INSTANCE_H */
