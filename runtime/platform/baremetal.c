/*
 * Bare-metal implementation of the platform layer (platform.h) for a
 * microcontroller without an OS or MMU (Cortex-M; KILN_PLATFORM_BAREMETAL).
 *
 * - One thread of execution: locks and once flags keep no state beyond
 *   what a single thread needs; a condition variable can never be
 *   signalled while its waiter waits, so a wait ends at once as timed out
 *   (wasm's memory.atomic.wait then returns 2, "timed-out").
 * - No virtual memory: "reserving" or "mapping" n bytes allocates n zeroed
 *   bytes through the allocator hook (kiln_set_allocator; the firmware
 *   installs an arena, kiln/arena.h), remapping is kiln_realloc, and
 *   protection changes succeed without doing anything. So linear memories,
 *   tables and code copies come from the arena like the rest.
 * - No signals: code for this platform checks bounds and the stack itself
 *   and calls the trap helper, which unwinds with longjmp (trap.c); the
 *   fault handler functions succeed and do nothing.
 * - Code written through data accesses (a copied image) is made visible to
 *   instruction fetch with dsb + isb. Code run in place from flash (XIP) is
 *   never written.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "kiln/baremetal.h"
#include "platform.h"

/* ---- threads -------------------------------------------------------------------- */

bool os_mutex_init(os_mutex *mutex, bool recursive)
{
    (void)recursive;
    mutex->unused = 0;
    return true;
}

void os_mutex_destroy(os_mutex *mutex)
{
    (void)mutex;
}

void os_mutex_lock(os_mutex *mutex)
{
    (void)mutex;
}

void os_mutex_unlock(os_mutex *mutex)
{
    (void)mutex;
}

void os_once(os_once_flag *flag, void (*fn)(void))
{
    if (!flag->done) {
        fn();
        flag->done = true;
    }
}

bool os_cond_init(os_cond *cond)
{
    cond->unused = 0;
    return true;
}

void os_cond_destroy(os_cond *cond)
{
    (void)cond;
}

void os_cond_signal(os_cond *cond)
{
    (void)cond;
}

bool os_cond_wait(os_cond *cond, os_mutex *mutex, int64_t deadline_ns)
{
    (void)cond;
    (void)mutex;
    (void)deadline_ns;
    return false;
}

int64_t os_clock_monotonic_ns(void)
{
    /* The C library's processor clock: semihosting's SYS_CLOCK under a
     * debugger or an emulator, the firmware's _times otherwise. */
    clock_t c = clock();
    if (c == (clock_t)-1)
        return 0;
    return (int64_t)c * (1000000000 / CLOCKS_PER_SEC);
}

/* ---- memory --------------------------------------------------------------------- */

size_t os_page_size(void)
{
    /* The granule of the functions below: no pages, the allocator's
     * alignment is all the runtime relies on. */
    return 16u;
}

void *os_reserve(size_t size)
{
    return kiln_calloc(1, size);
}

void *os_map_rw(size_t size)
{
    return kiln_calloc(1, size);
}

void *os_remap(void *base, size_t old_size, size_t new_size)
{
    uint8_t *p = kiln_realloc(base, new_size);
    if (p != NULL && new_size > old_size)
        memset(p + old_size, 0, new_size - old_size);
    return p;
}

void os_release(void *base, size_t size)
{
    (void)size;
    kiln_free(base);
}

bool os_protect(void *base, size_t size, os_prot prot)
{
    (void)base;
    (void)size;
    (void)prot;
    return true;
}

void os_flush_icache(void *base, size_t size)
{
    (void)base;
    (void)size;
    __asm__ volatile("dsb 0xf\n\tisb 0xf" ::: "memory");
}

bool os_code_runs_in_place(const void *base, size_t size)
{
    (void)base;
    (void)size;
    return true;
}

bool os_map_file(const char *path, void **base, size_t *size, int *errno_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        *errno_out = errno != 0 ? errno : ENOENT;
        return false;
    }
    long length = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        length = ftell(f);
    if (length < 0 || fseek(f, 0, SEEK_SET) != 0) {
        *errno_out = errno != 0 ? errno : EIO;
        fclose(f);
        return false;
    }
    if (length == 0) {
        fclose(f);
        *base = NULL;
        *size = 0;
        return true;
    }
    uint8_t *bytes = kiln_alloc((size_t)length);
    if (bytes == NULL) {
        *errno_out = ENOMEM;
        fclose(f);
        return false;
    }
    size_t got = fread(bytes, 1, (size_t)length, f);
    fclose(f);
    if (got != (size_t)length) {
        kiln_free(bytes);
        *errno_out = EIO;
        return false;
    }
    *base = bytes;
    *size = (size_t)length;
    return true;
}

/* ---- the stack ------------------------------------------------------------------- */

static uintptr_t stack_low;
static uintptr_t stack_high;

void kiln_baremetal_set_stack(const void *low, const void *high)
{
    stack_low = (uintptr_t)low;
    stack_high = (uintptr_t)high;
}

bool os_thread_stack_bounds(uintptr_t *low, uintptr_t *high)
{
    if (stack_high <= stack_low)
        return false;
    *low = stack_low;
    *high = stack_high;
    return true;
}

uintptr_t os_stack_pointer(void)
{
    return (uintptr_t)__builtin_frame_address(0);
}

/* ---- faults: none to handle ------------------------------------------------------ */

bool os_fault_handler_install(os_fault_classify_fn classify, os_fault_deliver_fn deliver)
{
    (void)classify;
    (void)deliver;
    return true;
}

bool os_thread_prepare(void)
{
    return true;
}

bool os_fault_handler_ensure(void)
{
    return true;
}

void os_fault_signals_unblock(void)
{
}

/* ---- 64-bit atomics ----------------------------------------------------------------
 * ARMv7-M has no 64-bit exclusive access, so GCC (the runtime's own _Atomic
 * 64-bit objects) and LLVM (wasm's i64 atomics) call GCC's libatomic
 * interface, which arm-none-eabi does not ship. With one core, masking
 * interrupts around the plain accesses makes them atomic. Defined under
 * their libatomic names through asm labels (GCC reserves the names), and
 * listed for compiled code (KILN_LIBCALLS_ATOMIC64). */

#define ATOMIC_NAME(name) __asm__(#name)
uint64_t os_atomic_load_8(const volatile void *p, int order) ATOMIC_NAME(__atomic_load_8);
void os_atomic_store_8(volatile void *p, uint64_t v, int order) ATOMIC_NAME(__atomic_store_8);
uint64_t os_atomic_exchange_8(volatile void *p, uint64_t v, int order)
    ATOMIC_NAME(__atomic_exchange_8);
bool os_atomic_compare_exchange_8(volatile void *p, void *expected, uint64_t desired,
                                  int success, int failure)
    ATOMIC_NAME(__atomic_compare_exchange_8);
uint64_t os_atomic_fetch_add_8(volatile void *p, uint64_t v, int order)
    ATOMIC_NAME(__atomic_fetch_add_8);
uint64_t os_atomic_fetch_sub_8(volatile void *p, uint64_t v, int order)
    ATOMIC_NAME(__atomic_fetch_sub_8);
uint64_t os_atomic_fetch_and_8(volatile void *p, uint64_t v, int order)
    ATOMIC_NAME(__atomic_fetch_and_8);
uint64_t os_atomic_fetch_or_8(volatile void *p, uint64_t v, int order)
    ATOMIC_NAME(__atomic_fetch_or_8);
uint64_t os_atomic_fetch_xor_8(volatile void *p, uint64_t v, int order)
    ATOMIC_NAME(__atomic_fetch_xor_8);

static uint32_t interrupts_mask(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static void interrupts_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

typedef enum atomic_op { OP_XCHG, OP_ADD, OP_SUB, OP_AND, OP_OR, OP_XOR } atomic_op;

/* *p = *p OP v, atomically; the old value. */
static uint64_t atomic_rmw(volatile void *p, uint64_t v, atomic_op op)
{
    volatile uint64_t *cell = p;
    uint32_t saved = interrupts_mask();
    uint64_t old = *cell;
    switch (op) {
    case OP_XCHG: *cell = v; break;
    case OP_ADD: *cell = old + v; break;
    case OP_SUB: *cell = old - v; break;
    case OP_AND: *cell = old & v; break;
    case OP_OR: *cell = old | v; break;
    case OP_XOR: *cell = old ^ v; break;
    }
    interrupts_restore(saved);
    return old;
}

uint64_t os_atomic_load_8(const volatile void *p, int order)
{
    (void)order;
    uint32_t saved = interrupts_mask();
    uint64_t v = *(const volatile uint64_t *)p;
    interrupts_restore(saved);
    return v;
}

void os_atomic_store_8(volatile void *p, uint64_t v, int order)
{
    (void)order;
    (void)atomic_rmw(p, v, OP_XCHG);
}

uint64_t os_atomic_exchange_8(volatile void *p, uint64_t v, int order)
{
    (void)order;
    return atomic_rmw(p, v, OP_XCHG);
}

bool os_atomic_compare_exchange_8(volatile void *p, void *expected, uint64_t desired,
                                  int success, int failure)
{
    (void)success;
    (void)failure;
    volatile uint64_t *cell = p;
    uint64_t want;
    memcpy(&want, expected, 8);
    uint32_t saved = interrupts_mask();
    uint64_t old = *cell;
    bool equal = old == want;
    if (equal)
        *cell = desired;
    interrupts_restore(saved);
    if (!equal)
        memcpy(expected, &old, 8);
    return equal;
}

uint64_t os_atomic_fetch_add_8(volatile void *p, uint64_t v, int order)
{
    (void)order;
    return atomic_rmw(p, v, OP_ADD);
}

uint64_t os_atomic_fetch_sub_8(volatile void *p, uint64_t v, int order)
{
    (void)order;
    return atomic_rmw(p, v, OP_SUB);
}

uint64_t os_atomic_fetch_and_8(volatile void *p, uint64_t v, int order)
{
    (void)order;
    return atomic_rmw(p, v, OP_AND);
}

uint64_t os_atomic_fetch_or_8(volatile void *p, uint64_t v, int order)
{
    (void)order;
    return atomic_rmw(p, v, OP_OR);
}

uint64_t os_atomic_fetch_xor_8(volatile void *p, uint64_t v, int order)
{
    (void)order;
    return atomic_rmw(p, v, OP_XOR);
}

typedef void (*libcall_fn)(void);

void *os_libcall_resolve(const char *name, size_t size)
{
    static const struct {
        const char *name;
        libcall_fn fn;
    } atomics[] = {
        {"__atomic_load_8", (libcall_fn)os_atomic_load_8},
        {"__atomic_store_8", (libcall_fn)os_atomic_store_8},
        {"__atomic_exchange_8", (libcall_fn)os_atomic_exchange_8},
        {"__atomic_compare_exchange_8", (libcall_fn)os_atomic_compare_exchange_8},
        {"__atomic_fetch_add_8", (libcall_fn)os_atomic_fetch_add_8},
        {"__atomic_fetch_sub_8", (libcall_fn)os_atomic_fetch_sub_8},
        {"__atomic_fetch_and_8", (libcall_fn)os_atomic_fetch_and_8},
        {"__atomic_fetch_or_8", (libcall_fn)os_atomic_fetch_or_8},
        {"__atomic_fetch_xor_8", (libcall_fn)os_atomic_fetch_xor_8},
    };
    for (size_t i = 0; i < sizeof atomics / sizeof atomics[0]; i++) {
        if (strlen(atomics[i].name) == size && memcmp(atomics[i].name, name, size) == 0)
            return (void *)atomics[i].fn;
    }
    return NULL;
}
