/*
 * The helper table compiled code calls through vmctx (see helpers.h and
 * aot_format.h for the signatures). TRAP and MEMORY_GROW are here, the
 * bulk, reference and wait/notify helpers in helpers_bulk.c. A slot left
 * NULL is refused by the loader for modules that use it, naming the helper.
 */
#include <stddef.h>

#include "helpers.h"
#include "helpers_bulk.h"
#include "instance.h"
#include "trap.h"

static _Noreturn void helper_trap(void *vmctx, uint32_t trap_code)
{
    (void)vmctx;
    trap_raise((kiln_trap_code)trap_code);
}

static uint32_t helper_memory_grow(void *vmctx, uint32_t memory_index, uint32_t delta_pages)
{
    kiln_instance *instance = ins_from_vmctx(vmctx);
    /* Validated code only names existing memories; stay safe regardless. */
    if (memory_index >= instance->module->memory_count)
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    mem_memory *memory = instance->memories[memory_index];
    /* The host's cap (kiln_instance_set_max_memory) on memories this
     * instance defines: growing beyond it fails as wasm sees failures. */
    if (instance->max_memory_bytes != 0 && memory_index >= instance->module->memory_import_count &&
        (uint64_t)delta_pages * KILN_WASM_PAGE_SIZE >
            (instance->max_memory_bytes > memory->size_bytes
                 ? instance->max_memory_bytes - memory->size_bytes
                 : 0))
        return 0xFFFFFFFFu;
    return mem_grow(memory, delta_pages);
}

/* Stored as generic function pointers so the table is a constant; on
 * POSIX hosts they have the representation of void *, which is how compiled
 * code reads the slots before casting each to its documented signature. */
typedef void (*helper_fn)(void);

static const helper_fn helper_slots[KILN_HELPER_COUNT] = {
    [KILN_HELPER_TRAP] = (helper_fn)helper_trap,
    [KILN_HELPER_MEMORY_GROW] = (helper_fn)helper_memory_grow,
    [KILN_HELPER_MEMORY_FILL] = (helper_fn)hlp_memory_fill,
    [KILN_HELPER_MEMORY_COPY] = (helper_fn)hlp_memory_copy,
    [KILN_HELPER_MEMORY_INIT] = (helper_fn)hlp_memory_init,
    [KILN_HELPER_DATA_DROP] = (helper_fn)hlp_data_drop,
    [KILN_HELPER_TABLE_GROW] = (helper_fn)hlp_table_grow,
    [KILN_HELPER_TABLE_FILL] = (helper_fn)hlp_table_fill,
    [KILN_HELPER_TABLE_COPY] = (helper_fn)hlp_table_copy,
    [KILN_HELPER_TABLE_INIT] = (helper_fn)hlp_table_init,
    [KILN_HELPER_ELEM_DROP] = (helper_fn)hlp_elem_drop,
    [KILN_HELPER_FUNC_REF] = (helper_fn)hlp_func_ref,
    [KILN_HELPER_ATOMIC_WAIT32] = (helper_fn)hlp_atomic_wait32,
    [KILN_HELPER_ATOMIC_WAIT64] = (helper_fn)hlp_atomic_wait64,
    [KILN_HELPER_ATOMIC_NOTIFY] = (helper_fn)hlp_atomic_notify,
};

_Static_assert(sizeof(helper_fn) == sizeof(void *), "helper slots are pointer-sized");

const void *const *hlp_table(void)
{
    return (const void *const *)helper_slots;
}

bool hlp_provided(unsigned id)
{
    return id < KILN_HELPER_COUNT && helper_slots[id] != NULL;
}
