/*
 * The helper table compiled code calls through vmctx (see helpers.h and
 * aot_format.h for the signatures). Implemented: TRAP and MEMORY_GROW. The
 * other slots stay NULL until their helpers are written; the loader refuses
 * modules that use them, naming the helper.
 */
#include <stddef.h>

#include "helpers.h"
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
    return mem_grow(instance->memories[memory_index], delta_pages);
}

/* Stored as generic function pointers so the table is a constant; on
 * POSIX hosts they have the representation of void *, which is how compiled
 * code reads the slots before casting each to its documented signature. */
typedef void (*helper_fn)(void);

static const helper_fn helper_slots[KILN_HELPER_COUNT] = {
    [KILN_HELPER_TRAP] = (helper_fn)helper_trap,
    [KILN_HELPER_MEMORY_GROW] = (helper_fn)helper_memory_grow,
};

_Static_assert(sizeof(helper_fn) == sizeof(void *), "helper slots are pointer-sized");

static const char *const helper_names[KILN_HELPER_COUNT] = {
    "trap",        "memory.grow",    "memory.fill",   "memory.copy",   "memory.init",
    "data.drop",   "table.grow",     "table.fill",    "table.copy",    "table.init",
    "elem.drop",   "ref.func",       "memory.atomic.wait32", "memory.atomic.wait64",
    "memory.atomic.notify",
};

const void *const *hlp_table(void)
{
    return (const void *const *)helper_slots;
}

bool hlp_provided(unsigned id)
{
    return id < KILN_HELPER_COUNT && helper_slots[id] != NULL;
}

const char *hlp_name(unsigned id)
{
    return id < KILN_HELPER_COUNT ? helper_names[id] : NULL;
}
