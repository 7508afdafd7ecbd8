/*
 * Activations, trap unwinding and fault classification (see trap.h).
 *
 * Invariants: `active` is the innermost activation of this thread or NULL;
 * it is restored on every exit from trap_call, normal or by trap. Stack
 * bounds are computed once per thread; the stack limit handed to compiled
 * code leaves a wide margin (at least STACK_RESERVE bytes above the lowest
 * stack address) so the TRAP helper and the fault handler's unwinding have
 * room, and recursion stops long before the real end of the stack.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "alloc.h"
#include "kiln_common.h"
#include "platform/platform.h"
#include "trap.h"

#define STACK_RESERVE ((uintptr_t)256u * 1024u)
#define STACK_MAX_USE ((uintptr_t)1u << 30)
/* A fault this far below the stack's low end still counts as the stack's:
 * a frame larger than the guard page can jump over it. */
#define STACK_FAULT_SLACK ((uintptr_t)16u * 1024u * 1024u)

/* ---- range registry -------------------------------------------------------- */

struct trap_range {
    _Atomic uintptr_t start;
    _Atomic uintptr_t end;
    _Atomic int kind; /* 0 while free */
    trap_range *_Atomic next;
};

static trap_range *_Atomic range_head;
/* Serialises registrations; the fault handler never takes it. */
static pthread_mutex_t range_lock = PTHREAD_MUTEX_INITIALIZER;

trap_range *trap_range_register(uintptr_t start, uintptr_t end, trap_range_kind kind)
{
    pthread_mutex_lock(&range_lock);
    trap_range *node = atomic_load(&range_head);
    while (node != NULL && atomic_load(&node->kind) != 0)
        node = atomic_load(&node->next);
    if (node == NULL) {
        node = kiln_calloc(1, sizeof *node);
        if (node == NULL) {
            pthread_mutex_unlock(&range_lock);
            return NULL;
        }
        atomic_store(&node->next, atomic_load(&range_head));
        atomic_store(&range_head, node);
    }
    /* Fill the range before publishing the kind: the handler reads kind
     * first, so it never sees a half-written node. */
    atomic_store(&node->start, start);
    atomic_store(&node->end, end);
    atomic_store(&node->kind, (int)kind);
    pthread_mutex_unlock(&range_lock);
    return node;
}

void trap_range_unregister(trap_range *range)
{
    if (range == NULL)
        return;
    pthread_mutex_lock(&range_lock);
    atomic_store(&range->kind, 0);
    pthread_mutex_unlock(&range_lock);
}

static bool range_find(uintptr_t address, trap_range_kind kind)
{
    for (trap_range *n = atomic_load(&range_head); n != NULL; n = atomic_load(&n->next)) {
        if (atomic_load(&n->kind) == (int)kind && address >= atomic_load(&n->start) &&
            address < atomic_load(&n->end))
            return true;
    }
    return false;
}

/* ---- activations ------------------------------------------------------------ */

#define TRAP_MESSAGE_SIZE 256u

typedef struct trap_activation {
    sigjmp_buf jump;
    struct trap_activation *prev;
    volatile int trap_code;
    volatile bool has_message; /* message holds the trap's text */
    volatile bool is_exit;     /* trap_raise_exit: exit_status is set */
    volatile int exit_status;
    char message[TRAP_MESSAGE_SIZE];
} trap_activation;

static _Thread_local trap_activation *active;
static _Thread_local bool thread_ready;
static _Thread_local uintptr_t stack_low;
static _Thread_local uintptr_t stack_high;
static _Thread_local uintptr_t stack_limit;

_Noreturn void trap_raise(kiln_trap_code code)
{
    trap_activation *act = active;
    if (act == NULL)
        abort(); /* compiled code ran outside trap_call: a runtime bug */
    act->trap_code = (int)code;
    siglongjmp(act->jump, 1);
}

_Noreturn void trap_raise_message(kiln_trap_code code, const char *message)
{
    trap_activation *act = active;
    if (act == NULL)
        abort(); /* a helper ran outside trap_call: a runtime bug */
    size_t n = 0;
    while (message[n] != '\0' && n + 1 < TRAP_MESSAGE_SIZE) {
        act->message[n] = message[n];
        n++;
    }
    act->message[n] = '\0';
    act->has_message = true;
    act->trap_code = (int)code;
    siglongjmp(act->jump, 1);
}

_Noreturn void trap_raise_exit(int status)
{
    trap_activation *act = active;
    if (act == NULL)
        abort(); /* a host function ran outside trap_call: a runtime bug */
    act->is_exit = true;
    act->exit_status = status;
    siglongjmp(act->jump, 1);
}

static int fault_classify(uintptr_t pc, uintptr_t fault_address, uintptr_t sp)
{
    if (active == NULL || !range_find(pc, TRAP_RANGE_CODE))
        return 0;
    if (range_find(fault_address, TRAP_RANGE_MEMORY))
        return KILN_TRAP_OUT_OF_BOUNDS_MEMORY;
    if (stack_high != 0 && fault_address < stack_high &&
        fault_address + STACK_FAULT_SLACK >= stack_low)
        return KILN_TRAP_CALL_STACK_EXHAUSTED;
    if (fault_address <= sp + 4096u && fault_address + 65536u >= sp)
        return KILN_TRAP_CALL_STACK_EXHAUSTED;
    return 0;
}

static void fault_deliver(int code)
{
    trap_raise((kiln_trap_code)code);
}

static kiln_status thread_prepare(kiln_error *err)
{
    if (thread_ready)
        return KILN_OK;
    if (!os_fault_handler_install(fault_classify, fault_deliver))
        return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                              "cannot install the SIGSEGV/SIGBUS handler that turns "
                              "faults of wasm code into traps");
    if (!os_thread_prepare())
        return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                              "cannot give this thread an alternate signal stack");
    uintptr_t low = 0, high = 0;
    if (os_thread_stack_bounds(&low, &high)) {
        stack_low = low;
        stack_high = high;
    }
    thread_ready = true;
    return KILN_OK;
}

static uintptr_t compute_stack_limit(void)
{
    uintptr_t sp = os_stack_pointer();
    uintptr_t limit = sp > STACK_MAX_USE ? sp - STACK_MAX_USE : 0;
    if (stack_high != 0 && stack_low + STACK_RESERVE > limit)
        limit = stack_low + STACK_RESERVE;
    return limit;
}

kiln_status trap_call(trap_entry_fn entry, void *vmctx, void *code, kiln_slot *slots,
                      kiln_error *err)
{
    kiln_status st = thread_prepare(err);
    if (st != KILN_OK)
        return st;
    if (active == NULL) {
        if (!os_fault_handler_ensure())
            return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                                  "cannot install the SIGSEGV/SIGBUS handler that turns "
                                  "faults of wasm code into traps");
        stack_limit = compute_stack_limit();
    }
    ((uintptr_t *)vmctx)[KILN_VMCTX_STACK_LIMIT] = stack_limit;

    trap_activation act;
    act.prev = active;
    act.trap_code = KILN_TRAP_NONE;
    act.has_message = false;
    act.is_exit = false;
    act.exit_status = 0;
    if (sigsetjmp(act.jump, 1) == 0) {
        active = &act;
        entry(vmctx, code, slots);
        active = act.prev;
        return KILN_OK;
    }
    active = act.prev;
    if (act.is_exit) {
        /* An exit ends the whole chain: pass it to the enclosing activation. */
        if (active != NULL)
            trap_raise_exit(act.exit_status);
        st = kiln_error_set(err, KILN_ERR_EXIT, KILN_NO_OFFSET, "exit with status %d",
                            act.exit_status);
        if (err != NULL)
            err->exit_code = act.exit_status;
        return st;
    }
    kiln_trap_code trap = (kiln_trap_code)act.trap_code;
    if (act.has_message)
        st = kiln_error_set(err, KILN_ERR_TRAP, KILN_NO_OFFSET, "trap: %s", act.message);
    else
        st = kiln_error_set(err, KILN_ERR_TRAP, KILN_NO_OFFSET, "trap: %s",
                            kiln_trap_message(trap));
    if (err != NULL)
        err->trap = trap;
    return st;
}
