/*
 * WASI preview1 internals (wasi_). Shared by the files of runtime/wasi/ and
 * by tests/unit/runtime/test_wasi.c, which calls the wasi_<function>
 * implementations directly on a byte array standing in for guest memory.
 *
 * Layering:
 *   - wasi_<name>(wasi, mem, args) implements one preview1 function on a
 *     wasi_mem (base and size of guest memory 0) and returns the WASI errno.
 *     It never touches kiln_caller, so it is testable without a runtime.
 *   - wasi.c wraps each one in a kiln_host_fn adapter (kiln_caller_memory in,
 *     errno out as results[0]; proc_exit becomes kiln_caller_exit).
 *
 * Invariants:
 *   - Every guest pointer is a u32 offset checked with wasi_mem_range before
 *     any byte is read or written; a range that does not fit gives
 *     WASI_EFAULT and guest memory is left unchanged.
 *   - Guest memory is little-endian: multi-byte fields go through the
 *     kiln_read_ / kiln_write_ helpers, at any alignment.
 *   - Host paths are never built from guest strings: every guest path is
 *     resolved component by component from a descriptor (wasi_path.c), so
 *     nothing outside a preopened directory can be named.
 */
#ifndef KILN_RT_WASI_H
#define KILN_RT_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kiln.h"
#include "kiln/aot_format.h"
#include "kiln_wasi.h"

/* ---- preview1 constants (witx: wasi_snapshot_preview1) ----------------------- */

typedef uint16_t wasi_errno;

enum {
    WASI_ESUCCESS = 0, WASI_E2BIG = 1, WASI_EACCES = 2, WASI_EADDRINUSE = 3,
    WASI_EADDRNOTAVAIL = 4, WASI_EAFNOSUPPORT = 5, WASI_EAGAIN = 6, WASI_EALREADY = 7,
    WASI_EBADF = 8, WASI_EBADMSG = 9, WASI_EBUSY = 10, WASI_ECANCELED = 11,
    WASI_ECHILD = 12, WASI_ECONNABORTED = 13, WASI_ECONNREFUSED = 14,
    WASI_ECONNRESET = 15, WASI_EDEADLK = 16, WASI_EDESTADDRREQ = 17, WASI_EDOM = 18,
    WASI_EDQUOT = 19, WASI_EEXIST = 20, WASI_EFAULT = 21, WASI_EFBIG = 22,
    WASI_EHOSTUNREACH = 23, WASI_EIDRM = 24, WASI_EILSEQ = 25, WASI_EINPROGRESS = 26,
    WASI_EINTR = 27, WASI_EINVAL = 28, WASI_EIO = 29, WASI_EISCONN = 30,
    WASI_EISDIR = 31, WASI_ELOOP = 32, WASI_EMFILE = 33, WASI_EMLINK = 34,
    WASI_EMSGSIZE = 35, WASI_EMULTIHOP = 36, WASI_ENAMETOOLONG = 37,
    WASI_ENETDOWN = 38, WASI_ENETRESET = 39, WASI_ENETUNREACH = 40, WASI_ENFILE = 41,
    WASI_ENOBUFS = 42, WASI_ENODEV = 43, WASI_ENOENT = 44, WASI_ENOEXEC = 45,
    WASI_ENOLCK = 46, WASI_ENOLINK = 47, WASI_ENOMEM = 48, WASI_ENOMSG = 49,
    WASI_ENOPROTOOPT = 50, WASI_ENOSPC = 51, WASI_ENOSYS = 52, WASI_ENOTCONN = 53,
    WASI_ENOTDIR = 54, WASI_ENOTEMPTY = 55, WASI_ENOTRECOVERABLE = 56,
    WASI_ENOTSOCK = 57, WASI_ENOTSUP = 58, WASI_ENOTTY = 59, WASI_ENXIO = 60,
    WASI_EOVERFLOW = 61, WASI_EOWNERDEAD = 62, WASI_EPERM = 63, WASI_EPIPE = 64,
    WASI_EPROTO = 65, WASI_EPROTONOSUPPORT = 66, WASI_EPROTOTYPE = 67,
    WASI_ERANGE = 68, WASI_EROFS = 69, WASI_ESPIPE = 70, WASI_ESRCH = 71,
    WASI_ESTALE = 72, WASI_ETIMEDOUT = 73, WASI_ETXTBSY = 74, WASI_EXDEV = 75,
    WASI_ENOTCAPABLE = 76
};

/* Rights (u64 bit set). */
#define WASI_RIGHT_FD_DATASYNC (UINT64_C(1) << 0)
#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_SEEK (UINT64_C(1) << 2)
#define WASI_RIGHT_FD_FDSTAT_SET_FLAGS (UINT64_C(1) << 3)
#define WASI_RIGHT_FD_SYNC (UINT64_C(1) << 4)
#define WASI_RIGHT_FD_TELL (UINT64_C(1) << 5)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_FD_ADVISE (UINT64_C(1) << 7)
#define WASI_RIGHT_FD_ALLOCATE (UINT64_C(1) << 8)
#define WASI_RIGHT_PATH_CREATE_DIRECTORY (UINT64_C(1) << 9)
#define WASI_RIGHT_PATH_CREATE_FILE (UINT64_C(1) << 10)
#define WASI_RIGHT_PATH_LINK_SOURCE (UINT64_C(1) << 11)
#define WASI_RIGHT_PATH_LINK_TARGET (UINT64_C(1) << 12)
#define WASI_RIGHT_PATH_OPEN (UINT64_C(1) << 13)
#define WASI_RIGHT_FD_READDIR (UINT64_C(1) << 14)
#define WASI_RIGHT_PATH_READLINK (UINT64_C(1) << 15)
#define WASI_RIGHT_PATH_RENAME_SOURCE (UINT64_C(1) << 16)
#define WASI_RIGHT_PATH_RENAME_TARGET (UINT64_C(1) << 17)
#define WASI_RIGHT_PATH_FILESTAT_GET (UINT64_C(1) << 18)
#define WASI_RIGHT_PATH_FILESTAT_SET_SIZE (UINT64_C(1) << 19)
#define WASI_RIGHT_PATH_FILESTAT_SET_TIMES (UINT64_C(1) << 20)
#define WASI_RIGHT_FD_FILESTAT_GET (UINT64_C(1) << 21)
#define WASI_RIGHT_FD_FILESTAT_SET_SIZE (UINT64_C(1) << 22)
#define WASI_RIGHT_FD_FILESTAT_SET_TIMES (UINT64_C(1) << 23)
#define WASI_RIGHT_PATH_SYMLINK (UINT64_C(1) << 24)
#define WASI_RIGHT_PATH_REMOVE_DIRECTORY (UINT64_C(1) << 25)
#define WASI_RIGHT_PATH_UNLINK_FILE (UINT64_C(1) << 26)
#define WASI_RIGHT_POLL_FD_READWRITE (UINT64_C(1) << 27)
#define WASI_RIGHT_SOCK_SHUTDOWN (UINT64_C(1) << 28)
#define WASI_RIGHT_SOCK_ACCEPT (UINT64_C(1) << 29)
#define WASI_RIGHTS_ALL ((UINT64_C(1) << 30) - 1)

/* Rights that mean something on a regular file / on a directory. A new
 * descriptor keeps only the rights that apply to what it refers to. */
#define WASI_RIGHTS_FILE                                                              \
    (WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK |               \
     WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_TELL |        \
     WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ADVISE | WASI_RIGHT_FD_ALLOCATE |             \
     WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_SIZE |                    \
     WASI_RIGHT_FD_FILESTAT_SET_TIMES | WASI_RIGHT_POLL_FD_READWRITE)
#define WASI_RIGHTS_DIR                                                               \
    (WASI_RIGHT_FD_FDSTAT_SET_FLAGS | WASI_RIGHT_FD_SYNC | WASI_RIGHT_FD_ADVISE |      \
     WASI_RIGHT_PATH_CREATE_DIRECTORY | WASI_RIGHT_PATH_CREATE_FILE |                  \
     WASI_RIGHT_PATH_LINK_SOURCE | WASI_RIGHT_PATH_LINK_TARGET | WASI_RIGHT_PATH_OPEN | \
     WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_READLINK | WASI_RIGHT_PATH_RENAME_SOURCE | \
     WASI_RIGHT_PATH_RENAME_TARGET | WASI_RIGHT_PATH_FILESTAT_GET |                    \
     WASI_RIGHT_PATH_FILESTAT_SET_SIZE | WASI_RIGHT_PATH_FILESTAT_SET_TIMES |          \
     WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_FILESTAT_SET_TIMES |                   \
     WASI_RIGHT_PATH_SYMLINK | WASI_RIGHT_PATH_REMOVE_DIRECTORY |                      \
     WASI_RIGHT_PATH_UNLINK_FILE | WASI_RIGHT_POLL_FD_READWRITE)
/* Character devices, pipes and sockets: a stream without seek. */
#define WASI_RIGHTS_STREAM                                                            \
    (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_FDSTAT_SET_FLAGS |       \
     WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_POLL_FD_READWRITE | WASI_RIGHT_FD_SYNC |  \
     WASI_RIGHT_FD_DATASYNC | WASI_RIGHT_FD_ADVISE)

enum {
    WASI_FILETYPE_UNKNOWN = 0, WASI_FILETYPE_BLOCK_DEVICE = 1,
    WASI_FILETYPE_CHARACTER_DEVICE = 2, WASI_FILETYPE_DIRECTORY = 3,
    WASI_FILETYPE_REGULAR_FILE = 4, WASI_FILETYPE_SOCKET_DGRAM = 5,
    WASI_FILETYPE_SOCKET_STREAM = 6, WASI_FILETYPE_SYMBOLIC_LINK = 7
};

enum { WASI_FDFLAG_APPEND = 1, WASI_FDFLAG_DSYNC = 2, WASI_FDFLAG_NONBLOCK = 4,
       WASI_FDFLAG_RSYNC = 8, WASI_FDFLAG_SYNC = 16 };
enum { WASI_OFLAG_CREAT = 1, WASI_OFLAG_DIRECTORY = 2, WASI_OFLAG_EXCL = 4,
       WASI_OFLAG_TRUNC = 8 };
enum { WASI_LOOKUP_SYMLINK_FOLLOW = 1 };
enum { WASI_FSTFLAG_ATIM = 1, WASI_FSTFLAG_ATIM_NOW = 2, WASI_FSTFLAG_MTIM = 4,
       WASI_FSTFLAG_MTIM_NOW = 8 };
enum { WASI_WHENCE_SET = 0, WASI_WHENCE_CUR = 1, WASI_WHENCE_END = 2 };
enum { WASI_CLOCK_REALTIME = 0, WASI_CLOCK_MONOTONIC = 1,
       WASI_CLOCK_PROCESS_CPUTIME = 2, WASI_CLOCK_THREAD_CPUTIME = 3 };
enum { WASI_EVENTTYPE_CLOCK = 0, WASI_EVENTTYPE_FD_READ = 1,
       WASI_EVENTTYPE_FD_WRITE = 2 };
enum { WASI_SUBCLOCK_ABSTIME = 1 };
enum { WASI_EVENT_FD_READWRITE_HANGUP = 1 };
enum { WASI_PREOPENTYPE_DIR = 0 };

/* Sizes of the guest structures (witx layout). */
#define WASI_IOVEC_SIZE 8u
#define WASI_FDSTAT_SIZE 24u
#define WASI_FILESTAT_SIZE 64u
#define WASI_PRESTAT_SIZE 8u
#define WASI_DIRENT_SIZE 24u
#define WASI_SUBSCRIPTION_SIZE 48u
#define WASI_EVENT_SIZE 32u

/* ---- state --------------------------------------------------------------------- */

/* One guest descriptor. host_fd < 0 marks a free slot. */
typedef struct wasi_fd {
    int host_fd;            /* owned: closed by fd_close / kiln_wasi_free */
    uint8_t filetype;       /* WASI_FILETYPE_* at open time */
    uint64_t rights_base;   /* what this descriptor may do */
    uint64_t rights_inheriting; /* what descriptors opened through it may do */
    char *preopen_name;     /* owned; non-NULL only for a preopened directory */
    void *dir_stream;       /* DIR * for fd_readdir, opened lazily; owned */
    uint64_t dir_position;  /* cookie of the next entry dir_stream returns */
} wasi_fd;

struct kiln_wasi {
    char *args_buf;   /* owned: argv strings, each NUL-terminated, back to back */
    uint32_t argc;
    uint32_t args_buf_size;
    char *env_buf;    /* owned: "K=V" strings, same layout */
    uint32_t envc;
    uint32_t env_buf_size;
    wasi_fd *fds;     /* owned table; index = guest descriptor number */
    uint32_t fd_count;
};

/* Guest memory 0 as one call sees it, plus the exit request of proc_exit. */
typedef struct wasi_mem {
    uint8_t *base;      /* NULL when the instance has no memory */
    uint64_t size;      /* bytes */
    bool exit_requested;
    int exit_code;
} wasi_mem;

/* The implementation of one preview1 function: returns the errno to hand to
 * the guest. args are in the order of the witx signature. */
typedef wasi_errno (*wasi_impl_fn)(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args);

/* Host pointer for guest range [ptr, ptr + len), or NULL when any of it lies
 * outside memory (len 0 at ptr == size is in bounds). */
static inline uint8_t *wasi_mem_range(const wasi_mem *mem, uint32_t ptr, uint64_t len)
{
    if (mem->base == NULL && (ptr != 0 || len != 0))
        return NULL;
    if ((uint64_t)ptr > mem->size || len > mem->size - (uint64_t)ptr)
        return NULL;
    return mem->base + ptr;
}

static inline uint32_t wasi_arg_u32(const kiln_val *args, size_t i)
{
    return (uint32_t)args[i].of.i32;
}
static inline uint64_t wasi_arg_u64(const kiln_val *args, size_t i)
{
    return (uint64_t)args[i].of.i64;
}

/* Maps a host errno value to the WASI errno (EIO for anything unknown). */
wasi_errno wasi_errno_from_host(int host_errno);

/* The descriptor `fd` when open and holding every right in `rights`:
 * WASI_EBADF when not open, WASI_ENOTCAPABLE when a right is missing. */
wasi_errno wasi_fd_lookup(kiln_wasi *wasi, uint32_t fd, uint64_t rights, wasi_fd **out);
/* Puts host_fd into the lowest free slot (taking ownership, closing it on
 * failure). */
wasi_errno wasi_fd_insert(kiln_wasi *wasi, int host_fd, uint8_t filetype,
                          uint64_t rights_base, uint64_t rights_inheriting,
                          uint32_t *out_fd);
/* Closes a slot's host resources and marks it free. */
void wasi_fd_release(wasi_fd *entry);
/* WASI filetype of a host st_mode. */
uint8_t wasi_filetype_from_mode(unsigned int mode);
/* Writes a 64-byte filestat for a struct stat (passed as void * so this
 * header needs no <sys/stat.h>). */
void wasi_write_filestat(uint8_t *out, const void *host_stat);

/* Host utimensat times for WASI (atim, mtim, fst_flags): EINVAL for
 * unknown flags or a time given both as a value and as "now". */
wasi_errno wasi_times_from_flags(uint64_t atim, uint64_t mtim, uint32_t fst_flags,
                                 struct timespec times[2]);

/* Platform pieces (wasi_posix_linux.c). */
bool wasi_os_random(uint8_t *buf, size_t len, int *host_errno);
/* open(2) flags for a directory that is only walked through (Linux: O_PATH,
 * so a directory with search but no read permission can be traversed). */
int wasi_os_dir_walk_flags(void);
/* Bytes readable without blocking on a non-regular file, 0 when unknown. */
uint64_t wasi_os_bytes_readable(int host_fd);

/* ---- the preview1 functions (one per import) ------------------------------------ */

#define WASI_FUNC(name, params, results) \
    wasi_errno wasi_##name(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args);
#include "wasi_funcs.def"
#undef WASI_FUNC

#endif /* KILN_RT_WASI_H */
