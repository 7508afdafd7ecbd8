/*
 * Board setup shared by the firmware programs (see board.h). The memory
 * regions come from the linker script (mps2-an386.ld).
 */
#include <stdint.h>

#include "board.h"
#include "kiln.h"
#include "kiln/baremetal.h"

extern uint8_t __arena_start__[], __arena_end__[];
extern uint8_t __stack_limit[], __stack_top[];

kiln_arena board_arena;

void board_init(void)
{
    kiln_arena_init(&board_arena, __arena_start__, (size_t)(__arena_end__ - __arena_start__));
    kiln_set_allocator(kiln_arena_allocator, &board_arena);
    kiln_baremetal_set_stack(__stack_limit, __stack_top);
}
