/*
 * The helper table compiled code calls through vmctx, built from
 * KILN_HELPERS (aot_format.h). MEMORY_GROW is here, the bulk, reference and
 * wait/notify helpers in helpers_bulk.c, TRAP (hlp_trap) in the host's
 * reloc/<arch>.c: where a trap backtrace can start depends on the
 * architecture (platform.h, "Frame records").
 */
#include <stddef.h>

#include "helpers.h"
#include "helpers_bulk.h"
#include "instance.h"
#include "trap.h"

uint32_t hlp_memory_grow(void *vmctx, uint32_t memory_index, uint32_t delta_pages)
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

#define HELPER_SLOT(ID, id, fn, name, result, params) [KILN_HELPER_##ID] = (helper_fn)hlp_##fn,
static const helper_fn helper_slots[KILN_HELPER_COUNT] = {KILN_HELPERS(HELPER_SLOT)};
#undef HELPER_SLOT

_Static_assert(sizeof(helper_fn) == sizeof(void *), "helper slots are pointer-sized");

const void *const *hlp_table(void)
{
    return (const void *const *)helper_slots;
}

bool hlp_provided(unsigned id)
{
    return id < KILN_HELPER_COUNT && helper_slots[id] != NULL;
}
