/*
 * The platform layer (os_): virtual memory, files, thread stacks and fault
 * signals. Everything operating-system specific in libkiln lives behind
 * these functions; posix.c implements them for Linux and other POSIX hosts.
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

typedef enum os_prot {
    OS_PROT_NONE = 0,
    OS_PROT_READ_WRITE = 1,
    OS_PROT_READ_EXEC = 2,
    OS_PROT_READ = 3
} os_prot;

/* Page size of the host in bytes (a power of two). */
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
 * to instruction fetch (a no-op where caches are coherent, as on x86-64). */
void os_flush_icache(void *base, size_t size);

/* Maps a whole file read-only. On failure returns false and errno_out gets
 * the C errno so the caller can name the cause. An empty file maps as
 * (*base = NULL, *size = 0). */
bool os_map_file(const char *path, void **base, size_t *size, int *errno_out);

/* The current thread's stack: [*low, *high). false if unknown. */
bool os_thread_stack_bounds(uintptr_t *low, uintptr_t *high);
/* An address in the caller's current stack frame. */
uintptr_t os_stack_pointer(void);

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
