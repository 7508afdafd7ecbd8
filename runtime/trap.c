/*
 * Activations, trap unwinding and fault classification (see trap.h).
 *
 * Invariants: `active` is the innermost activation of this thread or NULL;
 * it is restored on every exit from trap_call, normal or by trap. Stack
 * bounds are computed once per thread. The stack limit handed to compiled
 * code keeps a red zone of STACK_RESERVE bytes above the lowest stack
 * address: compiled code calls anything (helpers, host functions, which
 * have no checks of their own) only with its frame's bottom at or above the
 * limit (the stack rule in compiler/codegen/cg_function.c), and trap_call
 * enters wasm only above it, so host functions, helpers and trap unwinding
 * always have the red zone. A frame that does not fit faults on the guard
 * page below the stack in wasm code: fault_kind makes it "call stack
 * exhausted" (the handler runs on the alternate signal stack).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "alloc.h"
#include "backtrace.h"
#include "kiln_common.h"
#include "platform/platform.h"
#include "trap.h"

/* The red zone (the platform's: 256 KiB on POSIX hosts, 12 KiB on bare
 * metal where frames are capped at 8 KiB). */
#define STACK_RESERVE OS_STACK_RED_ZONE
#define STACK_MAX_USE ((uintptr_t)1u << 30)
/* A fault this far below the stack's low end still counts as the stack's
 * (the guard page, or the main thread's guard gap, lies below it); with
 * probed frames wasm code cannot reach further than the guard page. */
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
static os_mutex range_lock = OS_MUTEX_INIT;

trap_range *trap_range_register(uintptr_t start, uintptr_t end, trap_range_kind kind)
{
    if (!OS_FAULT_RANGES) {
        static trap_range unread; /* a handle that is never looked at */
        (void)start, (void)end, (void)kind;
        return &unread;
    }
    os_mutex_lock(&range_lock);
    trap_range *node = atomic_load(&range_head);
    while (node != NULL && atomic_load(&node->kind) != 0)
        node = atomic_load(&node->next);
    if (node == NULL) {
        node = kiln_calloc(1, sizeof *node);
        if (node == NULL) {
            os_mutex_unlock(&range_lock);
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
    os_mutex_unlock(&range_lock);
    return node;
}

void trap_range_unregister(trap_range *range)
{
    if (!OS_FAULT_RANGES || range == NULL)
        return;
    os_mutex_lock(&range_lock);
    atomic_store(&range->kind, 0);
    os_mutex_unlock(&range_lock);
}

/* Frees the nodes when none is registered (alloc.h); a node still in use
 * means a kiln object is alive, and then the list is kept. */
void trap_ranges_release(void)
{
    os_mutex_lock(&range_lock);
    trap_range *node = atomic_load(&range_head);
    for (trap_range *n = node; n != NULL; n = atomic_load(&n->next))
        if (atomic_load(&n->kind) != 0)
            node = NULL;
    if (node != NULL)
        atomic_store(&range_head, NULL);
    while (node != NULL) {
        trap_range *next = atomic_load(&node->next);
        kiln_free(node);
        node = next;
    }
    os_mutex_unlock(&range_lock);
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
    jmp_buf jump; /* no signal mask saved: see trap_call */
    struct trap_activation *prev;
    volatile int trap_code;
    volatile bool has_message; /* message holds the trap's text */
    volatile bool is_exit;     /* trap_raise_exit: exit_status is set */
    volatile bool from_signal; /* unwound from the fault handler */
    volatile int exit_status;
    char message[TRAP_MESSAGE_SIZE];
    /* Backtrace: raw code addresses, innermost first (the faulting PC
     * exactly, return addresses minus one so they fall in the call). */
    uintptr_t frame_top; /* frame of the outermost trap_call: walks stop here */
    volatile bool captured;
    volatile size_t pc_count;
    uintptr_t pcs[KILN_BACKTRACE_MAX];
} trap_activation;

static OS_THREAD_LOCAL trap_activation *active;
static OS_THREAD_LOCAL bool thread_ready;
static OS_THREAD_LOCAL uintptr_t stack_low;
static OS_THREAD_LOCAL uintptr_t stack_high;
static OS_THREAD_LOCAL uintptr_t stack_limit;
/* The last trap's resolved backtrace (kiln_last_trap_backtrace). */
static OS_THREAD_LOCAL kiln_frame last_frames[KILN_BACKTRACE_MAX];
static OS_THREAD_LOCAL size_t last_frame_count;

/* ---- backtrace capture --------------------------------------------------------
 * Runs in the fault handler too, so it only reads memory known to be live
 * (stack words between the starting frame and the outermost activation's
 * frame, code bytes inside registered code ranges) and takes no locks. */

#if defined(__x86_64__)
/* True when the bytes before return address ret end with an x86-64 call
 * instruction: rel32, register, or memory with disp8/disp32/SIB forms. */
static bool follows_call(uintptr_t ret)
{
    if (!range_find(ret - 7u, TRAP_RANGE_CODE))
        return false;
    const uint8_t *p = (const uint8_t *)ret;
    if (p[-5] == 0xE8)
        return true;
    if (p[-2] == 0xFF && (p[-1] & 0xF8u) == 0xD0)
        return true;
    if (p[-3] == 0xFF && ((p[-2] & 0xF8u) == 0x50 || p[-2] == 0x14))
        return true;
    if (p[-4] == 0xFF && p[-3] == 0x54)
        return true;
    if (p[-6] == 0xFF && (p[-5] & 0xF8u) == 0x90)
        return true;
    return p[-7] == 0xFF && p[-6] == 0x94;
}
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRAP_NO_ASAN __attribute__((no_sanitize_address))
#endif
#endif
#if !defined(TRAP_NO_ASAN) && defined(__SANITIZE_ADDRESS__)
#define TRAP_NO_ASAN __attribute__((no_sanitize_address))
#endif
#ifndef TRAP_NO_ASAN
#define TRAP_NO_ASAN
#endif

/* The address inside the call instruction that return address ret follows:
 * Thumb return addresses have bit 0 set, and every call instruction is at
 * least 2 bytes long, so this never falls into the next function (a call to
 * a noreturn helper often ends a function). */
static uintptr_t call_site(uintptr_t ret)
{
    return (ret & ~(uintptr_t)1) - 1u;
}

/* The lowest address of fp's frame record (platform.h, OS_FRAME_*), or 0
 * when fp is misaligned or the record does not lie wholly in [low, top). */
static uintptr_t frame_record(uintptr_t fp, uintptr_t low, uintptr_t top)
{
    const uintptr_t word = sizeof(uintptr_t);
    /* Unsigned wrap-around: OS_FRAME_LOW may be negative (riscv64). */
    uintptr_t record = fp + (uintptr_t)(intptr_t)OS_FRAME_LOW * word;
    if (fp % word != 0 || top < 2u * word || record < low || record > top - 2u * word)
        return 0;
    return record;
}

/*
 * Records the trap's frames into act: pc (0 when the trap was raised by a
 * helper: its own frames are not wasm code), then the return addresses of
 * the frame-pointer chain from fp while records stay strictly increasing and
 * below act->frame_top. With scan_leaf, a few words from sp are searched
 * for a return address into wasm code that the chain skips: the caller of a
 * leaf function, which keeps no frame. Not instrumented by ASan: reading
 * other frames' words is its purpose.
 */
TRAP_NO_ASAN __attribute__((noinline)) static void capture(trap_activation *act, uintptr_t pc,
                                                           uintptr_t fp, uintptr_t sp,
                                                           bool scan_leaf)
{
    const uintptr_t top = act->frame_top;
    size_t n = 0;
    if (pc != 0 && range_find(pc, TRAP_RANGE_CODE))
        act->pcs[n++] = pc;
    uintptr_t record = frame_record(fp, sp, top);
#if defined(__x86_64__)
    if (scan_leaf && sp % sizeof(uintptr_t) == 0) {
        uintptr_t chain_ret = record != 0 ? ((const uintptr_t *)fp)[OS_FRAME_RETURN] : 0;
        for (uintptr_t at = sp; at < sp + 8u * sizeof(uintptr_t) && at + sizeof(uintptr_t) <= top &&
                                (record == 0 || at < record);
             at += sizeof(uintptr_t)) {
            uintptr_t ret = *(const uintptr_t *)at;
            if (ret != chain_ret && range_find(ret, TRAP_RANGE_CODE) && follows_call(ret)) {
                act->pcs[n++] = call_site(ret);
                break;
            }
        }
    }
#else
    (void)scan_leaf;
#endif
    while (record != 0 && n < KILN_BACKTRACE_MAX) {
        const uintptr_t *frame = (const uintptr_t *)fp;
        uintptr_t ret = frame[OS_FRAME_RETURN];
        if (range_find(ret, TRAP_RANGE_CODE))
            act->pcs[n++] = call_site(ret);
        uintptr_t next = frame[OS_FRAME_PREV];
        if (next <= fp)
            break;
        record = frame_record(next, record + 2u * sizeof(uintptr_t), top);
        fp = next;
    }
    act->pc_count = n;
    act->captured = true;
}

/* Called from helpers (through trap_raise*): walks from this frame, which
 * the runtime's -fno-omit-frame-pointer keeps linked to its callers (not on
 * 32-bit Arm: see platform.h). The barrier keeps the call to capture from
 * becoming a tail call, which would leave this function a leaf, whose frame
 * (riscv64) has no record of the usual shape. */
__attribute__((noinline)) static void capture_here(trap_activation *act)
{
    /* Done when the fault handler already walked from the faulting PC. */
    if (!OS_BACKTRACES || act->captured)
        return;
    uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
    capture(act, 0, fp, fp + (uintptr_t)(intptr_t)OS_FRAME_LOW * sizeof(uintptr_t), false);
    __asm__ volatile("" ::: "memory");
}

/* Resolves act's addresses into the thread's last backtrace. */
static void publish_backtrace(const trap_activation *act)
{
    size_t n = 0;
    if (!OS_BACKTRACES) {
        last_frame_count = 0;
        return;
    }
    for (size_t i = 0; i < act->pc_count && n < KILN_BACKTRACE_MAX; i++) {
        if (bt_resolve(act->pcs[i], &last_frames[n]))
            n++;
    }
    last_frame_count = n;
}

size_t kiln_last_trap_backtrace(kiln_frame *frames, size_t capacity)
{
    size_t n = last_frame_count;
    for (size_t i = 0; i < n && i < capacity; i++)
        frames[i] = last_frames[i];
    return n;
}

_Noreturn void trap_raise(kiln_trap_code code)
{
    trap_activation *act = active;
    if (act == NULL)
        abort(); /* compiled code ran outside trap_call: a runtime bug */
    capture_here(act);
    act->trap_code = (int)code;
    longjmp(act->jump, 1);
}

/* used: the Arm TRAP stub (hlp_trap, runtime/reloc/arm.c) branches here
 * from inline assembly, a reference link-time optimisation does not see. */
__attribute__((used)) _Noreturn void trap_raise_at(kiln_trap_code code, uintptr_t return_address,
                                                   uintptr_t caller_fp)
{
    trap_activation *act = active;
    if (act == NULL)
        abort(); /* compiled code ran outside trap_call: a runtime bug */
    if (OS_BACKTRACES && !act->captured) /* as capture_here: none on bare metal */
        capture(act, call_site(return_address), caller_fp, os_stack_pointer(), false);
    act->trap_code = (int)code;
    longjmp(act->jump, 1);
}

_Noreturn void trap_raise_message(kiln_trap_code code, const char *message)
{
    trap_activation *act = active;
    if (act == NULL)
        abort(); /* a helper ran outside trap_call: a runtime bug */
    capture_here(act);
    size_t n = 0;
    while (message[n] != '\0' && n + 1 < TRAP_MESSAGE_SIZE) {
        act->message[n] = message[n];
        n++;
    }
    act->message[n] = '\0';
    act->has_message = true;
    act->trap_code = (int)code;
    longjmp(act->jump, 1);
}

_Noreturn void trap_raise_exit(int status)
{
    trap_activation *act = active;
    if (act == NULL)
        abort(); /* a host function ran outside trap_call: a runtime bug */
    act->is_exit = true;
    act->exit_status = status;
    longjmp(act->jump, 1);
}

static int fault_kind(uintptr_t pc, uintptr_t fault_address, uintptr_t sp)
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

static int fault_classify(uintptr_t pc, uintptr_t fault_address, uintptr_t sp, uintptr_t fp)
{
    int code = fault_kind(pc, fault_address, sp);
    /* Words near sp of an exhausted stack may lie in the guard: no scan. */
    if (OS_BACKTRACES && code != 0)
        capture(active, pc, fp, sp, code == KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    return code;
}

static void fault_deliver(int code)
{
    /* The landing pad unblocks the signal the kernel blocked for the
     * handler (jumps save and restore no signal mask). */
    active->from_signal = true;
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

kiln_status trap_ensure_handlers(kiln_error *err)
{
    if (!thread_ready)
        return thread_prepare(err);
    if (!os_fault_handler_ensure())
        return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                              "cannot install the SIGSEGV/SIGBUS handler that turns "
                              "faults of wasm code into traps");
    return KILN_OK;
}

/* The lowest address wasm may use in an entry from the host: stack_size
 * bytes (0: STACK_MAX_USE) below here, never into the reserve. */
kiln_status kiln_fault_handlers_ensure(kiln_error *err)
{
    return trap_ensure_handlers(err);
}

static uintptr_t compute_stack_limit(size_t stack_size)
{
    uintptr_t sp = os_stack_pointer();
    uintptr_t use = stack_size != 0 && stack_size < STACK_MAX_USE ? (uintptr_t)stack_size
                                                                   : STACK_MAX_USE;
    uintptr_t limit = sp > use ? sp - use : 0;
    if (stack_high != 0 && stack_low + STACK_RESERVE > limit)
        limit = stack_low + STACK_RESERVE;
    return limit;
}

kiln_status trap_call(trap_entry_fn entry, void *vmctx, void *code, kiln_slot *slots,
                      void *const *linked, uint32_t linked_count, size_t stack_size,
                      kiln_error *err)
{
    kiln_status st = thread_prepare(err);
    if (st != KILN_OK)
        return st;
    if (active == NULL)
        stack_limit = compute_stack_limit(stack_size);
    /* Wasm is entered only with the red zone intact: a host function that
     * runs inside it (called by wasm near the limit) cannot call back in. */
    if (os_stack_pointer() < stack_limit) {
        last_frame_count = 0;
        st = kiln_error_set(err, KILN_ERR_TRAP, KILN_NO_OFFSET, "trap: %s",
                            kiln_trap_message(KILN_TRAP_CALL_STACK_EXHAUSTED));
        if (err != NULL)
            err->trap = KILN_TRAP_CALL_STACK_EXHAUSTED;
        return st;
    }
    ((uintptr_t *)vmctx)[KILN_VMCTX_STACK_LIMIT] = stack_limit;
    for (uint32_t i = 0; i < linked_count; i++)
        ((uintptr_t *)linked[i])[KILN_VMCTX_STACK_LIMIT] = stack_limit;

    trap_activation act;
    act.prev = active;
    act.trap_code = KILN_TRAP_NONE;
    act.has_message = false;
    act.is_exit = false;
    act.exit_status = 0;
    act.frame_top = act.prev != NULL ? act.prev->frame_top
                                     : (uintptr_t)__builtin_frame_address(0);
    act.from_signal = false;
    act.captured = false;
    act.pc_count = 0;
    /* The steady state makes no system call: the handlers are installed
     * once (thread_prepare; trap_ensure_handlers at instantiation), and
     * setjmp saves no signal mask. Only a trap delivered by the fault
     * handler restores the mask, on the way out below. */
    if (setjmp(act.jump) == 0) {
        active = &act;
        entry(vmctx, code, slots);
        active = act.prev;
        return KILN_OK;
    }
    active = act.prev;
    if (act.from_signal)
        os_fault_signals_unblock();
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
    publish_backtrace(&act);
    if (act.has_message)
        st = kiln_error_set(err, KILN_ERR_TRAP, KILN_NO_OFFSET, "trap: %s", act.message);
    else
        st = kiln_error_set(err, KILN_ERR_TRAP, KILN_NO_OFFSET, "trap: %s",
                            kiln_trap_message(trap));
    if (err != NULL)
        err->trap = trap;
    /* An interrupt stops one call: the next one runs. */
    if (trap == KILN_TRAP_INTERRUPTED)
        ins_interrupt_clear(vmctx, linked, linked_count);
    return st;
}
