/*
 * The smallest useful program on the runtime, for scripts/footprint.sh:
 * load a container from flash in place, link one host function,
 * instantiate, call an export, free. What it links from libkiln is the
 * runtime core (loader, linker, instances, calls, traps, the bare-metal
 * platform layer and the arena); it is never run.
 */
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln/arena.h"
#include "kiln/baremetal.h"
#include "kiln/host.h"
#include "kiln/linker.h"

extern uint8_t __flash_aot_start__[];
extern uint8_t __arena_start__[], __arena_end__[];
extern uint8_t __stack_limit[], __stack_top[];

static kiln_status host_tick(kiln_caller *caller, void *user, const kiln_val *args,
                             kiln_val *results)
{
    (void)caller, (void)user, (void)args, (void)results;
    return KILN_OK;
}

int main(void)
{
    static kiln_arena arena;
    kiln_arena_init(&arena, __arena_start__, (size_t)(__arena_end__ - __arena_start__));
    kiln_set_allocator(kiln_arena_allocator, &arena);
    kiln_baremetal_set_stack(__stack_limit, __stack_top);
    kiln_error err;
    kiln_module *module = NULL;
    kiln_linker *linker = NULL;
    kiln_instance *instance = NULL;
    kiln_val result;
    kiln_func_type none = {0, 0, NULL, NULL};
    int status = 1;
    if (kiln_module_load_static(__flash_aot_start__, 4096, &module, &err) == KILN_OK &&
        kiln_linker_new(&linker, &err) == KILN_OK &&
        kiln_linker_define_func(linker, "env", "tick", &none, host_tick, NULL, &err) == KILN_OK &&
        kiln_linker_instantiate(linker, module, &instance, &err) == KILN_OK &&
        kiln_instance_call(instance, "run", NULL, 0, &result, 1, &err) == KILN_OK)
        status = result.of.i32;
    kiln_instance_free(instance);
    kiln_linker_free(linker);
    kiln_module_free(module);
    return status;
}
