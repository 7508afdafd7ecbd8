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

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kiln.h"
#include "memory.h"
#include "module.h"
#include "trap.h"

/* A funcref, as compiled code reads it from tables (aot_format.h). */
typedef struct ins_funcref {
    void *code;
    void *vmctx;
    uint32_t type_id;
} ins_funcref;

/* The most elements a table may have, at instantiation and after
 * table.grow (other engines refuse larger tables too). */
#define INS_TABLE_MAX_ELEMENTS 10000000u

/* A table definition, as compiled code reads it (aot_format.h): elements
 * and size at 0 and W, max at W+4; the rest is the runtime's. */
typedef struct ins_table {
    void **elements; /* size entries, owned (see reserved_bytes) */
    uint32_t size;
    uint32_t max; /* declared max, or UINT32_MAX */
    size_t reserved_bytes; /* 0: elements is a heap block; else a mapping of
                              this many bytes (extern.c, ext_table_storage_) */
    size_t committed_bytes; /* readable and writable prefix of the mapping */
} ins_table;

/* ---- instantiation budget (public: kiln_instance_budget_set) ----------------- */
/* Bytes an instance's defined tables and memories may need when it is made:
 * sum of (table minimum * pointer size) and (memory minimum * 64 KiB). */
uint64_t ins_budget(void);

struct kiln_instance {
    const kiln_module *module;
    uint8_t *vmctx;   /* 16-aligned inside vmctx_allocation */
    void *vmctx_allocation;
    mem_memory **memories; /* memory_count; memory_objs[i]->mem */
    ins_table **tables;    /* table_count; table_objs[i]->table */
    ins_funcref *funcrefs; /* one per function of the index space */

    /* Linking (linker.c, extern.c). An instance is reference-counted:
     * kiln_instance_free drops one reference; importers, the linker and
     * exported globals hold others. Atomic: see extern.h. */
    _Atomic uint32_t refs;
    kiln_memory **memory_objs; /* memory_count, one reference each */
    kiln_table **table_objs;   /* table_count, one reference each */
    kiln_global **global_objs; /* global_import_count: host globals held, or NULL */
    kiln_instance **deps;      /* exporters this instance imports from, held */
    uint32_t dep_count;
    /* The vmctx of every instance reachable through deps, transitively:
     * their code checks the stack against their own vmctx's stack_limit,
     * so an entry into this instance sets it in all of them (trap_call). */
    void **linked_vmctxs;
    uint32_t linked_count;
    void **bindings; /* host bindings of function imports, owned */
    uint32_t binding_count;
    bool *data_dropped; /* data_count: data.drop done, or active and applied */
    bool *elem_dropped; /* elem_count: elem.drop done, or active/declarative */
    void ***elem_values; /* elem_count: evaluated items, NULL when empty */
    kiln_module *owned_module; /* freed with the instance (resolver-loaded) */
    /* Function handles (func.c): one per export, made on first lookup and
     * freed with the instance; NULL until the first kiln_instance_func. */
    struct kiln_func **func_handles;
    /* Limits set by the host (func.c): native stack for an entry from the
     * host (0: the default) and the most bytes memory.grow may take a
     * memory this instance defines to (0: only the module's maximum). */
    size_t stack_size;
    uint64_t max_memory_bytes;
};

/* One resolved import, in the module's import order (linker.c fills these,
 * ins_instantiate takes references to what it keeps). Exactly one of the
 * kind's fields is set. */
typedef struct ins_import {
    /* func: a host function (host_fn set), or code and vmctx to call */
    kiln_host_fn host_fn;
    void *host_data;
    void *code;
    void *vmctx;
    kiln_memory *memory; /* memory */
    kiln_table *table;   /* table */
    kiln_global *global; /* global made by the host, or NULL with: */
    uint8_t *global_cell; /* the exporter's 16-byte cell */
    kiln_instance *exporter; /* instance the item comes from, or NULL */
} ins_import;

/*
 * Instantiates module with imports (NULL: the module must have none).
 * On failure after segments may have put references to the new instance
 * into imported tables, the instance is not freed but handed to *escaped
 * (when escaped is not NULL) so the caller can keep it alive.
 */
kiln_status ins_instantiate(const kiln_module *module, const ins_import *imports,
                            kiln_instance **out, kiln_instance **escaped, kiln_error *err);

/* Adds a reference. */
void ins_retain(kiln_instance *instance);

/* The 16-byte cell of global `index` (imported globals: the exporter's). */
uint8_t *ins_global_cell(const kiln_instance *instance, uint32_t index);

/* Code and vmctx to call function `index` of the instance with. */
void ins_func_target(const kiln_instance *instance, uint32_t index, void **code, void **vmctx);
/* The entry trampoline of type_index (the module has one for every type a
 * host may call). */
trap_entry_fn ins_entry_of(const kiln_module *module, uint32_t type_index);
/* Frees the instance's function handles (func.c). */
void ins_func_handles_free(kiln_instance *instance);

/* The instance that owns vmctx (word KILN_VMCTX_INSTANCE). */
static inline kiln_instance *ins_from_vmctx(void *vmctx)
{
    return (kiln_instance *)((void **)vmctx)[KILN_VMCTX_INSTANCE];
}

#endif /* KILN_RT_INSTANCE_H */
