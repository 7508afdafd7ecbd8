/*
 * Traps (trap_): the one boundary between host code and wasm code.
 *
 * Every call into compiled code goes through trap_call, which pushes an
 * activation (a setjmp point, no signal mask saved) on a thread-local chain;
 * nested calls (wasm -> host -> wasm) push more. A trap unwinds to the
 * innermost activation with longjmp: from the TRAP helper (trap_raise), or from the
 * SIGSEGV/SIGBUS handler when code of a loaded module faults inside a
 * linear memory reservation (out of bounds) or near the thread's stack
 * (call stack exhausted). Faults anywhere else are not ours and keep their
 * usual effect.
 *
 * The fault handler cannot take locks, so code and memory ranges live in a
 * list of nodes that are never freed, only recycled (trap_range_*).
 */
#ifndef KILN_RT_TRAP_H
#define KILN_RT_TRAP_H

#include <stdint.h>

#include "kiln.h"
#include "kiln/aot_format.h"

typedef enum trap_range_kind {
    TRAP_RANGE_CODE = 1,  /* machine code of a loaded module */
    TRAP_RANGE_MEMORY = 2 /* a linear memory reservation, guard included */
} trap_range_kind;

typedef struct trap_range trap_range;

/* Registers [start, end) for the fault handler. NULL when out of memory. */
trap_range *trap_range_register(uintptr_t start, uintptr_t end, trap_range_kind kind);
/* Unregisters; NULL is a no-op. */
void trap_range_unregister(trap_range *range);

/* An entry trampoline: void entry(void *vmctx, void *code, kiln_slot *slots). */
typedef void (*trap_entry_fn)(void *vmctx, void *code, kiln_slot *slots);

/*
 * Calls entry(vmctx, code, slots) inside a new activation, after setting
 * the stack_limit of vmctx and of the linked_count vmctxs in linked (the
 * instances the callee may call into) for this thread. An entry from the
 * host (no activation on this thread yet) lets wasm use stack_size bytes
 * of native stack (0: the default, 1 GiB or what the thread has, minus a
 * reserve); nested entries keep the outer limit. Returns KILN_OK, or
 * KILN_ERR_TRAP with err->trap and the message "trap: <spec message>", or
 * KILN_ERR_INSTANTIATE when the thread cannot be prepared for traps.
 */
kiln_status trap_call(trap_entry_fn entry, void *vmctx, void *code, kiln_slot *slots,
                      void *const *linked, uint32_t linked_count, size_t stack_size,
                      kiln_error *err);

/* Clears the interrupt word (aot_format.h) of vmctx and of linked: done by
 * trap_call when it delivers KILN_TRAP_INTERRUPTED (func.c). */
void ins_interrupt_clear(void *vmctx, void *const *linked, uint32_t linked_count);

/* Installs the fault handlers for this thread if it has none yet, else
 * puts them back in front if someone replaced them (chaining to the
 * replacement). Instantiation calls it, so a host or test framework that
 * installed its own handler since is handled without a system call on
 * every trap_call. KILN_ERR_INSTANTIATE when the handlers cannot be
 * installed. */
kiln_status trap_ensure_handlers(kiln_error *err);

/* Unwinds to the innermost activation of this thread with `code`. Only
 * compiled code (through the TRAP helper) and runtime helpers it called
 * reach this, so an activation always exists. */
_Noreturn void trap_raise(kiln_trap_code code);

/* As trap_raise, for a trap of compiled code whose call to the TRAP helper
 * returns to return_address with the frame pointer caller_fp: the backtrace
 * starts there, whatever the frames in between (the 32-bit Arm TRAP helper's
 * entry stub, see platform.h). */
_Noreturn void trap_raise_at(kiln_trap_code code, uintptr_t return_address, uintptr_t caller_fp);

/* As trap_raise, with a message that replaces the spec message in the
 * error ("trap: <message>", truncated to fit); host functions and helpers
 * whose trap has no code of its own use KILN_TRAP_HOST. */
_Noreturn void trap_raise_message(kiln_trap_code code, const char *message);

/* Unwinds every activation of this thread (each nested trap_call passes it
 * on to the one outside it); the outermost trap_call returns KILN_ERR_EXIT
 * with err->exit_code = status. Host frames in between are skipped. */
_Noreturn void trap_raise_exit(int status);

#endif /* KILN_RT_TRAP_H */
