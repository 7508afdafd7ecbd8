/*
 * POSIX implementation of the platform layer (platform.h), with the few
 * Linux/glibc specifics (pthread_getattr_np, ucontext register names) kept
 * here so the rest of the runtime has no #if.
 *
 * Fault handler invariants: installed once per process (pthread_once); runs
 * on a per-thread sigaltstack so a fault caused by stack exhaustion can
 * still be handled; only async-signal-safe work happens before deliver().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "platform.h"

/* ---- threads ------------------------------------------------------------------ */

bool os_mutex_init(os_mutex *mutex, bool recursive)
{
    pthread_mutexattr_t attr;
    if (pthread_mutexattr_init(&attr) != 0)
        return false;
    if (recursive)
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    int rc = pthread_mutex_init(mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    return rc == 0;
}

void os_mutex_destroy(os_mutex *mutex)
{
    pthread_mutex_destroy(mutex);
}

void os_mutex_lock(os_mutex *mutex)
{
    pthread_mutex_lock(mutex);
}

void os_mutex_unlock(os_mutex *mutex)
{
    pthread_mutex_unlock(mutex);
}

void os_once(os_once_flag *flag, void (*fn)(void))
{
    pthread_once(flag, fn);
}

bool os_cond_init(os_cond *cond)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return false;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    return rc == 0;
}

void os_cond_destroy(os_cond *cond)
{
    pthread_cond_destroy(cond);
}

void os_cond_signal(os_cond *cond)
{
    pthread_cond_signal(cond);
}

bool os_cond_wait(os_cond *cond, os_mutex *mutex, int64_t deadline_ns)
{
    if (deadline_ns < 0)
        return pthread_cond_wait(cond, mutex) == 0;
    struct timespec deadline;
    deadline.tv_sec = (time_t)(deadline_ns / 1000000000);
    deadline.tv_nsec = (long)(deadline_ns % 1000000000);
    return pthread_cond_timedwait(cond, mutex, &deadline) != ETIMEDOUT;
}

int64_t os_clock_monotonic_ns(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return 0;
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* ---- memory ------------------------------------------------------------------- */

size_t os_page_size(void)
{
    static size_t page_size;
    if (page_size == 0) {
        long v = sysconf(_SC_PAGESIZE);
        page_size = v > 0 ? (size_t)v : 4096u;
    }
    return page_size;
}

void *os_reserve(size_t size)
{
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *os_map_rw(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void *os_remap(void *base, size_t old_size, size_t new_size)
{
#ifdef MREMAP_MAYMOVE
    void *p = mremap(base, old_size, new_size, MREMAP_MAYMOVE);
    return p == MAP_FAILED ? NULL : p;
#else
    void *p = os_map_rw(new_size);
    if (p == NULL)
        return NULL;
    memcpy(p, base, old_size < new_size ? old_size : new_size);
    munmap(base, old_size);
    return p;
#endif
}

void os_release(void *base, size_t size)
{
    if (base != NULL && size != 0)
        munmap(base, size);
}

bool os_protect(void *base, size_t size, os_prot prot)
{
    int flags = PROT_NONE;
    switch (prot) {
    case OS_PROT_NONE: flags = PROT_NONE; break;
    case OS_PROT_READ_WRITE: flags = PROT_READ | PROT_WRITE; break;
    case OS_PROT_READ_EXEC: flags = PROT_READ | PROT_EXEC; break;
    case OS_PROT_READ: flags = PROT_READ; break;
    }
    if (size == 0)
        return true;
    return mprotect(base, size, flags) == 0;
}

void os_flush_icache(void *base, size_t size)
{
    if (base != NULL && size != 0)
        __builtin___clear_cache((char *)base, (char *)base + size);
}

void *os_libcall_resolve(const char *name, size_t size)
{
    (void)name;
    (void)size;
    return NULL; /* hosts whose code needs a libcall get it from the C library */
}

bool os_code_runs_in_place(const void *base, size_t size)
{
    (void)base;
    (void)size;
    return false;
}

bool os_map_file(const char *path, void **base, size_t *size, int *errno_out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *errno_out = errno;
        return false;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *errno_out = errno;
        close(fd);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        *errno_out = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return false;
    }
    if (st.st_size == 0) {
        close(fd);
        *base = NULL;
        *size = 0;
        return true;
    }
    /* MAP_POPULATE: the loader reads every byte at once (the checksum), so
     * fault the whole file in with one call rather than page by page. */
    int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE;
#endif
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, flags, fd, 0);
    int saved = errno;
    close(fd);
    if (p == MAP_FAILED) {
        *errno_out = saved;
        return false;
    }
    *base = p;
    *size = (size_t)st.st_size;
    return true;
}

bool os_thread_stack_bounds(uintptr_t *low, uintptr_t *high)
{
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return false;
    void *addr = NULL;
    size_t size = 0;
    int rc = pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    if (rc != 0 || addr == NULL || size == 0)
        return false;
    *low = (uintptr_t)addr;
    *high = (uintptr_t)addr + size;
    return true;
}

uintptr_t os_stack_pointer(void)
{
    /* This function's frame lies just below its caller's: as good an
     * address of the current stack as the caller's own, and no pointer to
     * a local escapes (clang's -Wreturn-stack-address). */
    return (uintptr_t)__builtin_frame_address(0);
}

/* ---- fault signals ------------------------------------------------------- */

#define ALT_STACK_SIZE (64u * 1024u)

static os_fault_classify_fn fault_classify;
static os_fault_deliver_fn fault_deliver;
static struct sigaction previous_segv;
static struct sigaction previous_bus;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
/* Every thread's first trap_call installs: the callbacks are written once,
 * under this lock, so threads that install later (and their fault handler,
 * which reads them) see them without a data race. */
static pthread_mutex_t callbacks_lock = PTHREAD_MUTEX_INITIALIZER;
static bool install_ok;

static _Thread_local bool thread_has_alt_stack;
static pthread_key_t alt_stack_key;

static void alt_stack_release(void *stack)
{
    /* The thread is exiting: switch the alternate stack off before unmapping. */
    stack_t off;
    memset(&off, 0, sizeof off);
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, NULL);
    munmap(stack, ALT_STACK_SIZE);
}

/* The interrupted thread's PC, SP and frame pointer, per architecture
 * (glibc's mcontext_t). riscv64: __gregs[0] is the pc, x2 sp, x8 s0/fp. */
static uintptr_t context_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#elif defined(__arm__)
    return (uintptr_t)uc->uc_mcontext.arm_pc;
#elif defined(__riscv) && __riscv_xlen == 64
    return (uintptr_t)uc->uc_mcontext.__gregs[0];
#else
#error "kiln: no ucontext program counter accessor for this architecture"
#endif
}

static uintptr_t context_sp(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.sp;
#elif defined(__arm__)
    return (uintptr_t)uc->uc_mcontext.arm_sp;
#elif defined(__riscv) && __riscv_xlen == 64
    return (uintptr_t)uc->uc_mcontext.__gregs[2];
#endif
}

static uintptr_t context_fp(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.regs[29];
#elif defined(__arm__)
    /* Thumb-2 code (kiln's, and gcc's for armhf) keeps its frame in r7. */
    return (uintptr_t)uc->uc_mcontext.arm_r7;
#elif defined(__riscv) && __riscv_xlen == 64
    return (uintptr_t)uc->uc_mcontext.__gregs[8];
#endif
}

static void chain_previous(int signo, siginfo_t *info, void *context)
{
    const struct sigaction *prev = signo == SIGBUS ? &previous_bus : &previous_segv;
    if ((prev->sa_flags & SA_SIGINFO) != 0 && prev->sa_sigaction != NULL) {
        prev->sa_sigaction(signo, info, context);
        return;
    }
    if (prev->sa_handler == SIG_IGN)
        return;
    if (prev->sa_handler == SIG_DFL) {
        /* Returning re-executes the faulting instruction, which now gets
         * the default action: the process dies as it would without us. */
        signal(signo, SIG_DFL);
        return;
    }
    prev->sa_handler(signo);
}

static void fault_handler(int signo, siginfo_t *info, void *context)
{
    const ucontext_t *uc = context;
    int code = fault_classify(context_pc(uc), (uintptr_t)info->si_addr, context_sp(uc),
                              context_fp(uc));
    if (code != 0)
        fault_deliver(code);
    chain_previous(signo, info, context);
}

/* Installs fault_handler for signo unless it is already there, keeping
 * whatever was installed before as the handler to chain to. */
static bool install_one(int signo, struct sigaction *previous)
{
    struct sigaction current;
    if (sigaction(signo, NULL, &current) != 0)
        return false;
    bool ours = (current.sa_flags & SA_SIGINFO) != 0 ? current.sa_sigaction == fault_handler
                                                     : (void (*)(void))current.sa_handler ==
                                                           (void (*)(void))fault_handler;
    if (ours && (current.sa_flags & SA_SIGINFO) != 0 && (current.sa_flags & SA_ONSTACK) != 0)
        return true;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0)
        return false;
    /* Someone may have re-installed our own handler with signal() (saving
     * and restoring it as a plain handler): never chain to ourselves. */
    if (!ours)
        *previous = current;
    return true;
}

static void install_handlers(void)
{
    if (pthread_key_create(&alt_stack_key, alt_stack_release) != 0)
        return;
    install_ok = install_one(SIGSEGV, &previous_segv) && install_one(SIGBUS, &previous_bus);
}

bool os_fault_handler_install(os_fault_classify_fn classify, os_fault_deliver_fn deliver)
{
    pthread_mutex_lock(&callbacks_lock);
    if (fault_classify == NULL) {
        fault_classify = classify;
        fault_deliver = deliver;
    }
    pthread_mutex_unlock(&callbacks_lock);
    pthread_once(&install_once, install_handlers);
    return install_ok;
}

bool os_fault_handler_ensure(void)
{
    /* A host (or a test framework) may have installed its own handler after
     * ours; put ours back in front and chain to theirs. */
    return install_one(SIGSEGV, &previous_segv) && install_one(SIGBUS, &previous_bus);
}

void os_fault_signals_unblock(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigaddset(&set, SIGBUS);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

bool os_thread_prepare(void)
{
    if (thread_has_alt_stack)
        return true;
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0 &&
        current.ss_size >= ALT_STACK_SIZE) {
        /* The host already gave this thread a large enough alternate stack. */
        thread_has_alt_stack = true;
        return true;
    }
    void *stack = os_map_rw(ALT_STACK_SIZE);
    if (stack == NULL)
        return false;
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = stack;
    ss.ss_size = ALT_STACK_SIZE;
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(stack, ALT_STACK_SIZE);
        return false;
    }
    pthread_setspecific(alt_stack_key, stack);
    thread_has_alt_stack = true;
    return true;
}
