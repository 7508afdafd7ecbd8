/*
 * What only a bare-metal build of libkiln (KILN_PLATFORM_BAREMETAL, e.g.
 * for thumbv7em-none-eabihf) needs from the firmware. Everything else is
 * the API of kiln.h, the same as on Linux; the firmware installs an
 * allocator first (kiln/arena.h).
 */
#ifndef KILN_BAREMETAL_H
#define KILN_BAREMETAL_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Names the stack wasm runs on: [low, high), e.g. the linker script's stack
 * region. Compiled code then traps with "call stack exhausted" before it
 * would use the last 12 KiB above low (kept for host functions, runtime
 * helpers and trap unwinding). Without it, only the instance's stack size
 * (kiln_instance_set_stack_size) limits the stack, counted from the entry
 * point. Call before the first call into wasm.
 */
void kiln_baremetal_set_stack(const void *low, const void *high);

#ifdef __cplusplus
}
#endif

#endif /* KILN_BAREMETAL_H */
