/*
 * The platform layer (os_): virtual memory, files, thread stacks, locks,
 * clocks and fault signals. Everything operating-system specific in libkiln
 * lives behind these functions, so the core files compile unchanged for
 * every platform. Two implementations, chosen here and nowhere else:
 *
 *   posix.c, posix_cpu.c          Linux and other POSIX hosts (pthreads,
 *                                 mmap, SIGSEGV/SIGBUS handlers)
 *   baremetal.c, baremetal_cpu.c  a microcontroller without an OS or MMU
 *                                 (KILN_PLATFORM_BAREMETAL): one thread,
 *                                 "mappings" are allocations through the
 *                                 allocator hook (kiln_set_allocator, e.g.
 *                                 the arena of kiln/arena.h), no signals:
 *                                 code uses explicit bounds and stack checks
 *
 * Invariants: os_ functions never print or exit; failures return false or
 * NULL and the caller turns them into a kiln_status with a message.
 */
#ifndef KILN_RT_PLATFORM_H
#define KILN_RT_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln_cpu.h"

#if defined(KILN_PLATFORM_BAREMETAL)
#if defined(__unix__) && !defined(__arm__)
#error "kiln: KILN_PLATFORM_BAREMETAL is for targets without an OS (arm-none-eabi)"
#endif
/* One thread of execution: locks, once flags and condition variables only
 * keep their state; thread-local data is plain static data. */
typedef struct os_mutex {
    unsigned char unused;
} os_mutex;
#define OS_MUTEX_INIT {0}
typedef struct os_once_flag {
    volatile bool done;
} os_once_flag;
#define OS_ONCE_INIT {false}
typedef struct os_cond {
    unsigned char unused;
} os_cond;
#define OS_THREAD_LOCAL
/* Stack kept free below the limit handed to compiled code: one capped
 * frame (8 KiB on bare metal) plus the trap helper and host functions. */
#define OS_STACK_RED_ZONE ((uintptr_t)12u * 1024u)
/* Trap backtraces (kiln_last_trap_backtrace) walk frame pointers, which
 * cost about 6% of the runtime's code; on a microcontroller the runtime is
 * built without them (CMake) and a trap reports no frames. */
#define OS_BACKTRACES 0
/* No memory faults reach the runtime (no MMU, traps are explicit checks)
 * and no backtraces are walked: nothing reads code or memory ranges, so
 * trap.c keeps no registry of them. */
#define OS_FAULT_RANGES 0
/* Pre-linked bundles (load_bundle.c) need ~2.5 KiB of code that a
 * microcontroller's 24 KiB budget has no room for: a bundle is refused
 * ("not supported on this platform") and its code is left out. */
#define OS_BUNDLES 0
#elif defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
typedef pthread_mutex_t os_mutex;
#define OS_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
typedef pthread_once_t os_once_flag;
#define OS_ONCE_INIT PTHREAD_ONCE_INIT
typedef pthread_cond_t os_cond;
#define OS_THREAD_LOCAL _Thread_local
/* The red zone (see trap.c): also covers a frame of up to 64 KiB (the cap
 * on targets without stack probes) plus the trap helper below a failed
 * check. */
#define OS_STACK_RED_ZONE ((uintptr_t)256u * 1024u)
#define OS_BACKTRACES 1
/* The fault handler and the backtrace walker look up code and memory
 * ranges (trap.c). */
#define OS_FAULT_RANGES 1
/* Pre-linked bundles (kilnc a.wasm b.wasm) load (load_bundle.c). */
#define OS_BUNDLES 1
#else
#error "kiln: no platform layer for this target (POSIX, or define KILN_PLATFORM_BAREMETAL)"
#endif

/* ---- threads: locks, once, condition variables, clock ---------------------- */

/* A lock made at run time (a static one is initialised with OS_MUTEX_INIT).
 * recursive: the owner may lock it again. false when it cannot be made. */
bool os_mutex_init(os_mutex *mutex, bool recursive);
void os_mutex_destroy(os_mutex *mutex);
void os_mutex_lock(os_mutex *mutex);
void os_mutex_unlock(os_mutex *mutex);
/* Runs fn exactly once per flag, whichever thread comes first; the others
 * wait for it. */
void os_once(os_once_flag *flag, void (*fn)(void));
/* A condition variable on the monotonic clock. */
bool os_cond_init(os_cond *cond);
void os_cond_destroy(os_cond *cond);
void os_cond_signal(os_cond *cond);
/* Waits (mutex held) until signalled or, for deadline_ns >= 0, until
 * os_clock_monotonic_ns() reaches deadline_ns. false when the deadline
 * passed (or, with one thread, when no one could ever signal). Wake-ups
 * may be spurious: callers loop on their own condition. */
bool os_cond_wait(os_cond *cond, os_mutex *mutex, int64_t deadline_ns);
/* Nanoseconds of a clock that never goes back (0 where there is none). */
int64_t os_clock_monotonic_ns(void);

/* Libcalls of KILN_LIBCALLS only this platform provides (bare metal: the
 * 64-bit atomics, KILN_LIBCALLS_ATOMIC64), by name; NULL for any other. */
void *os_libcall_resolve(const char *name, size_t size);

/* ---- memory ------------------------------------------------------------------ */

typedef enum os_prot {
    OS_PROT_NONE = 0,
    OS_PROT_READ_WRITE = 1,
    OS_PROT_READ_EXEC = 2,
    OS_PROT_READ = 3
} os_prot;

/* Page size of the host in bytes (a power of two): the granule of the
 * functions below (bare metal: the allocator's alignment). */
size_t os_page_size(void);

/* Reserves size bytes (page multiple) of address space with no access and
 * no backing store. NULL on failure. */
void *os_reserve(size_t size);
/* Maps size bytes readable and writable, zero-filled. NULL on failure. */
void *os_map_rw(size_t size);
/* Resizes a mapping made by os_map_rw from old_size to new_size bytes
 * (page multiples), moving it if it cannot grow in place; added bytes are
 * zero. Returns the new base, or NULL (the old mapping intact). */
void *os_remap(void *base, size_t old_size, size_t new_size);
/* Releases a reservation or mapping made above (or by os_map_file). */
void os_release(void *base, size_t size);
/* Changes the protection of [base, base + size), page aligned. Committing
 * RW pages of a reservation zero-fills them on first touch. */
bool os_protect(void *base, size_t size, os_prot prot);

/* Makes code written to [base, base + size) through data accesses visible
 * to instruction fetch (a no-op where caches are coherent, as on x86-64;
 * on Cortex-M a dsb + isb barrier). */
void os_flush_icache(void *base, size_t size);

/* Whether code may run from [base, base + size) where it lies, unwritten
 * (XIP from flash or a const array): true on bare metal, where all memory
 * is executable; false on POSIX hosts, whose read-only data is not. */
bool os_code_runs_in_place(const void *base, size_t size);

/* Maps a whole file read-only (bare metal: reads it through the C library,
 * semihosting on a debug probe or an emulator, into an allocation). On
 * failure returns false and errno_out gets the C errno so the caller can
 * name the cause. An empty file maps as (*base = NULL, *size = 0).
 * os_release frees it. */
bool os_map_file(const char *path, void **base, size_t *size, int *errno_out);

/* The current thread's stack: [*low, *high). false if unknown (bare metal:
 * until the firmware names it with kiln_baremetal_set_stack). */
bool os_thread_stack_bounds(uintptr_t *low, uintptr_t *high);
/* An address in the caller's current stack frame. */
uintptr_t os_stack_pointer(void);

/*
 * Frame records, for trap backtraces: compiled code (LLVM,
 * "frame-pointer"="all") keeps a chain of frame records through the
 * frame-pointer register. A frame pointer fp addresses (as uintptr_t words)
 * the caller's frame pointer at fp[OS_FRAME_PREV] and the return address at
 * fp[OS_FRAME_RETURN]; callers' records lie at higher addresses.
 *   x86-64 rbp, aarch64 x29: the record is at fp.
 *   armv7 Thumb-2 r7: LLVM pushes {..., r7, lr} and points r7 at the saved
 *     r7 (ARMFrameLowering keeps r7 and lr adjacent, pushing r8-r11
 *     separately), so the record is at fp too.
 *   riscv64 s0: s0 is the frame's top (the caller's sp), ra and the old s0
 *     are saved just below it (RISCVFrameLowering, and gcc for non-leaf
 *     functions): fp[-1] ra, fp[-2] s0.
 * The runtime's own frames (gcc, -fno-omit-frame-pointer) continue the chain
 * on x86-64, aarch64 and riscv64, but not on 32-bit Arm: gcc's Thumb-2 r7
 * addresses the bottom of the frame, with no record at a known offset. So
 * there the TRAP helper is an entry stub handing the caller's r7 and lr to
 * trap_raise_at (hlp_trap in runtime/reloc/arm.c).
 */
#if defined(__riscv)
#define OS_FRAME_PREV (-2)
#define OS_FRAME_RETURN (-1)
#else
#define OS_FRAME_PREV 0
#define OS_FRAME_RETURN 1
#endif
#define OS_FRAME_LOW (OS_FRAME_PREV < OS_FRAME_RETURN ? OS_FRAME_PREV : OS_FRAME_RETURN)

/*
 * Fault handling. os_fault_handler_install installs, once per process, a
 * SIGSEGV/SIGBUS handler running on a per-thread alternate stack; for each
 * fault it calls classify(pc, fault_address, sp, fp) (fp: the frame pointer
 * register, for trap backtraces). A non-zero result is a
 * trap code for a fault of wasm code on this thread: the handler passes it to
 * deliver, which does not return (it siglongjmp's to the activation). Zero
 * means "not ours": the previous handler runs, or the default action is
 * restored so that the fault kills the process as it would without kiln.
 * os_thread_prepare gives the calling thread its alternate signal stack
 * (idempotent, cheap after the first call). Both return false on failure.
 * Bare metal has no faults kiln could recover from: both succeed and do
 * nothing (code there checks bounds and the stack explicitly).
 */
typedef int (*os_fault_classify_fn)(uintptr_t pc, uintptr_t fault_address, uintptr_t sp,
                                    uintptr_t fp);
typedef void (*os_fault_deliver_fn)(int code);
bool os_fault_handler_install(os_fault_classify_fn classify, os_fault_deliver_fn deliver);
bool os_thread_prepare(void);
/* Re-installs the handler if someone replaced it since (one sigaction query
 * when nothing changed); the replacement becomes the handler chained to. */
bool os_fault_handler_ensure(void);
/* Unblocks SIGSEGV and SIGBUS in the calling thread: after a trap was
 * delivered from the handler by a jump that restores no signal mask. */
void os_fault_signals_unblock(void);

/*
 * CPU features (posix_cpu.c). os_cpu_arch is the host's architecture
 * (KILN_ARCH_COUNT for one kiln has no tables for); os_cpu_probe says
 * whether the host has what probe describes (false for a probe of another
 * architecture's kind or source NONE). Each call may run CPUID or a system
 * call: callers cache the answers.
 */
kiln_arch os_cpu_arch(void);
/* The host architecture's feature table (common/kiln_cpu_<arch>.c) and its
 * *count entries; NULL and 0 for an architecture kiln has none for. Only
 * that table is linked into the runtime. */
const kiln_cpu_feature *os_cpu_features(size_t *count);
bool os_cpu_probe(const kiln_feature_probe *probe);

#endif /* KILN_RT_PLATFORM_H */
