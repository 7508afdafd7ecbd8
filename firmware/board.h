/*
 * What every program on the board sets up before it uses the runtime
 * (board.c): the arena in PSRAM as the runtime's allocator, and the stack
 * the linker script reserves as the stack wasm runs on.
 */
#ifndef KILN_MCU_BOARD_H
#define KILN_MCU_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/arena.h"

/* The runtime's arena: the start of PSRAM, 8 MiB (4 MiB in the spec runner;
 * mps2-an386.ld). */
extern kiln_arena board_arena;

void board_init(void);

/* The container linked into the image (embedded.c), or NULL. */
const uint8_t *board_embedded_container(size_t *size);

/* The deepest the stack has been since reset, in bytes (vectors.c). */
size_t kiln_mcu_stack_used(void);

#endif /* KILN_MCU_BOARD_H */
