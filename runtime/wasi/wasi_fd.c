/*
 * WASI preview1 descriptor functions (fd_*): reads and writes through guest
 * iovecs, seeking, status and flags, sizes and times, directory listing with
 * cookies, preopen descriptions and renumbering.
 *
 * Invariants:
 *   - Each function first looks the descriptor up with the rights it needs
 *     (EBADF / ENOTCAPABLE), then checks every guest range (EFAULT), then
 *     calls the host; guest memory is written only after the host call
 *     succeeded, except for read buffers, which the host fills directly.
 *   - fd_readdir cookies are entry indexes: cookie 0 is the start and an
 *     entry's d_next is its index + 1. The DIR stream is kept between calls
 *     and rewound only when the guest asks for another position.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "alloc.h"
#include "kiln_common.h"
#include "wasi.h"

/* At most this many iovecs go to the host in one call; a longer list gives a
 * short transfer, which preview1 allows (as readv/writev do past IOV_MAX). */
#define WASI_MAX_IOVS 1024u

/* Host iovecs for a guest iovec array, every buffer checked. *out is owned
 * by the caller (kiln_free). */
static wasi_errno iovecs_load(const wasi_mem *mem, uint32_t iovs_ptr, uint32_t iovs_len,
                              struct iovec **out, int *out_count)
{
    const uint8_t *guest = wasi_mem_range(mem, iovs_ptr, (uint64_t)iovs_len * WASI_IOVEC_SIZE);
    if (guest == NULL)
        return WASI_EFAULT;
    uint32_t count = iovs_len < WASI_MAX_IOVS ? iovs_len : WASI_MAX_IOVS;
    struct iovec *iov = kiln_calloc(count == 0 ? 1 : count, sizeof *iov);
    if (iov == NULL)
        return WASI_ENOMEM;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t buf = kiln_read_u32le(guest + (size_t)i * WASI_IOVEC_SIZE);
        uint32_t len = kiln_read_u32le(guest + (size_t)i * WASI_IOVEC_SIZE + 4);
        uint8_t *host = wasi_mem_range(mem, buf, len);
        if (host == NULL) {
            kiln_free(iov);
            return WASI_EFAULT;
        }
        if (i < count) {
            iov[i].iov_base = host;
            iov[i].iov_len = len;
        }
    }
    *out = iov;
    *out_count = (int)count;
    return WASI_ESUCCESS;
}

/* kind: 0 read, 1 write, 2 pread, 3 pwrite. */
enum { IO_READ, IO_WRITE, IO_PREAD, IO_PWRITE };

static wasi_errno fd_io(kiln_wasi *wasi, wasi_mem *mem, uint32_t fd, uint32_t iovs_ptr,
                        uint32_t iovs_len, uint64_t offset, uint32_t result_ptr, int kind)
{
    uint64_t rights = (kind == IO_READ || kind == IO_PREAD) ? WASI_RIGHT_FD_READ
                                                            : WASI_RIGHT_FD_WRITE;
    if (kind == IO_PREAD || kind == IO_PWRITE)
        rights |= WASI_RIGHT_FD_SEEK;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, fd, rights, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint8_t *result = wasi_mem_range(mem, result_ptr, 4);
    if (result == NULL)
        return WASI_EFAULT;
    if ((kind == IO_PREAD || kind == IO_PWRITE) && offset > INT64_MAX)
        return WASI_EINVAL;
    struct iovec *iov = NULL;
    int count = 0;
    e = iovecs_load(mem, iovs_ptr, iovs_len, &iov, &count);
    if (e != WASI_ESUCCESS)
        return e;
    ssize_t n = -1;
    switch (kind) {
    case IO_READ: n = readv(entry->host_fd, iov, count); break;
    case IO_WRITE: n = writev(entry->host_fd, iov, count); break;
    case IO_PREAD: n = preadv(entry->host_fd, iov, count, (off_t)offset); break;
    case IO_PWRITE: n = pwritev(entry->host_fd, iov, count, (off_t)offset); break;
    }
    int host_errno = errno;
    kiln_free(iov);
    if (n < 0)
        return wasi_errno_from_host(host_errno);
    /* iovec lengths are u32 and capped in number, but the sum can pass
     * 4 GiB only if memory could hold it, which a 32-bit memory cannot. */
    kiln_write_u32le(result, (uint32_t)n);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_read(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return fd_io(wasi, mem, wasi_arg_u32(args, 0), wasi_arg_u32(args, 1),
                 wasi_arg_u32(args, 2), 0, wasi_arg_u32(args, 3), IO_READ);
}

wasi_errno wasi_fd_write(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return fd_io(wasi, mem, wasi_arg_u32(args, 0), wasi_arg_u32(args, 1),
                 wasi_arg_u32(args, 2), 0, wasi_arg_u32(args, 3), IO_WRITE);
}

wasi_errno wasi_fd_pread(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return fd_io(wasi, mem, wasi_arg_u32(args, 0), wasi_arg_u32(args, 1),
                 wasi_arg_u32(args, 2), wasi_arg_u64(args, 3), wasi_arg_u32(args, 4),
                 IO_PREAD);
}

wasi_errno wasi_fd_pwrite(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    return fd_io(wasi, mem, wasi_arg_u32(args, 0), wasi_arg_u32(args, 1),
                 wasi_arg_u32(args, 2), wasi_arg_u64(args, 3), wasi_arg_u32(args, 4),
                 IO_PWRITE);
}

wasi_errno wasi_fd_seek(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    int64_t offset = args[1].of.i64;
    uint32_t whence = wasi_arg_u32(args, 2);
    /* Asking where we are is fd_tell's right; moving needs FD_SEEK. */
    uint64_t rights = (offset == 0 && whence == WASI_WHENCE_CUR) ? WASI_RIGHT_FD_TELL
                                                                 : WASI_RIGHT_FD_SEEK;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), rights, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    int host_whence;
    switch (whence) {
    case WASI_WHENCE_SET: host_whence = SEEK_SET; break;
    case WASI_WHENCE_CUR: host_whence = SEEK_CUR; break;
    case WASI_WHENCE_END: host_whence = SEEK_END; break;
    default: return WASI_EINVAL;
    }
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 3), 8);
    if (out == NULL)
        return WASI_EFAULT;
    off_t pos = lseek(entry->host_fd, (off_t)offset, host_whence);
    if (pos < 0)
        return wasi_errno_from_host(errno);
    kiln_write_u64le(out, (uint64_t)pos);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_tell(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), WASI_RIGHT_FD_TELL, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 1), 8);
    if (out == NULL)
        return WASI_EFAULT;
    off_t pos = lseek(entry->host_fd, 0, SEEK_CUR);
    if (pos < 0)
        return wasi_errno_from_host(errno);
    kiln_write_u64le(out, (uint64_t)pos);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_close(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), 0, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    wasi_fd_release(entry);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_sync(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), WASI_RIGHT_FD_SYNC, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    if (fsync(entry->host_fd) != 0)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_datasync(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e =
        wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), WASI_RIGHT_FD_DATASYNC, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    if (fdatasync(entry->host_fd) != 0)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_advise(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), WASI_RIGHT_FD_ADVISE, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint64_t offset = wasi_arg_u64(args, 1), len = wasi_arg_u64(args, 2);
    int advice;
    switch (wasi_arg_u32(args, 3)) {
    case 0: advice = POSIX_FADV_NORMAL; break;
    case 1: advice = POSIX_FADV_SEQUENTIAL; break;
    case 2: advice = POSIX_FADV_RANDOM; break;
    case 3: advice = POSIX_FADV_WILLNEED; break;
    case 4: advice = POSIX_FADV_DONTNEED; break;
    case 5: advice = POSIX_FADV_NOREUSE; break;
    default: return WASI_EINVAL;
    }
    if (offset > INT64_MAX || len > INT64_MAX)
        return WASI_EINVAL;
    if (entry->filetype == WASI_FILETYPE_DIRECTORY)
        return WASI_EBADF; /* advice is about file data */
    int rc = posix_fadvise(entry->host_fd, (off_t)offset, (off_t)len, advice);
    return wasi_errno_from_host(rc); /* returns the error, not -1 + errno */
}

wasi_errno wasi_fd_allocate(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e =
        wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), WASI_RIGHT_FD_ALLOCATE, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint64_t offset = wasi_arg_u64(args, 1), len = wasi_arg_u64(args, 2);
    if (offset > INT64_MAX || len > INT64_MAX || offset + len > INT64_MAX)
        return WASI_EINVAL;
    int rc = posix_fallocate(entry->host_fd, (off_t)offset, (off_t)len);
    return wasi_errno_from_host(rc);
}

static uint16_t fdflags_from_host(int fl)
{
    uint16_t flags = 0;
    if ((fl & O_APPEND) != 0)
        flags |= WASI_FDFLAG_APPEND;
    if ((fl & O_NONBLOCK) != 0)
        flags |= WASI_FDFLAG_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC)
        flags |= WASI_FDFLAG_SYNC;
    if ((fl & O_DSYNC) == O_DSYNC)
        flags |= WASI_FDFLAG_DSYNC;
    if ((fl & O_RSYNC) == O_RSYNC)
        flags |= WASI_FDFLAG_RSYNC;
    return flags;
}

wasi_errno wasi_fd_fdstat_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), 0, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 1), WASI_FDSTAT_SIZE);
    if (out == NULL)
        return WASI_EFAULT;
    int fl = fcntl(entry->host_fd, F_GETFL);
    if (fl < 0)
        return wasi_errno_from_host(errno);
    uint16_t flags = fdflags_from_host(fl);
    memset(out, 0, WASI_FDSTAT_SIZE);
    out[0] = entry->filetype;
    out[2] = (uint8_t)flags;
    out[3] = (uint8_t)(flags >> 8);
    kiln_write_u64le(out + 8, entry->rights_base);
    kiln_write_u64le(out + 16, entry->rights_inheriting);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_fdstat_set_flags(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0),
                                  WASI_RIGHT_FD_FDSTAT_SET_FLAGS, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint32_t flags = wasi_arg_u32(args, 1);
    if ((flags & ~(uint32_t)0x1f) != 0)
        return WASI_EINVAL;
    int fl = fcntl(entry->host_fd, F_GETFL);
    if (fl < 0)
        return wasi_errno_from_host(errno);
    /* POSIX hosts change only O_APPEND and O_NONBLOCK on an open file; a
     * change of the sync flags cannot be honoured, so it is refused rather
     * than silently ignored. */
    uint32_t sync_mask = WASI_FDFLAG_DSYNC | WASI_FDFLAG_RSYNC | WASI_FDFLAG_SYNC;
    if ((flags & sync_mask) != (fdflags_from_host(fl) & sync_mask))
        return WASI_ENOTSUP;
    int new_fl = fl & ~(O_APPEND | O_NONBLOCK);
    if ((flags & WASI_FDFLAG_APPEND) != 0)
        new_fl |= O_APPEND;
    if ((flags & WASI_FDFLAG_NONBLOCK) != 0)
        new_fl |= O_NONBLOCK;
    if (fcntl(entry->host_fd, F_SETFL, new_fl) != 0)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_fdstat_set_rights(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), 0, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint64_t base = wasi_arg_u64(args, 1), inheriting = wasi_arg_u64(args, 2);
    /* Rights can only be dropped, never gained. */
    if ((base & ~entry->rights_base) != 0 || (inheriting & ~entry->rights_inheriting) != 0)
        return WASI_ENOTCAPABLE;
    entry->rights_base = base;
    entry->rights_inheriting = inheriting;
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_filestat_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    wasi_fd *entry = NULL;
    wasi_errno e =
        wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), WASI_RIGHT_FD_FILESTAT_GET, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 1), WASI_FILESTAT_SIZE);
    if (out == NULL)
        return WASI_EFAULT;
    struct stat st;
    if (fstat(entry->host_fd, &st) != 0)
        return wasi_errno_from_host(errno);
    wasi_write_filestat(out, &st);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_filestat_set_size(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0),
                                  WASI_RIGHT_FD_FILESTAT_SET_SIZE, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint64_t size = wasi_arg_u64(args, 1);
    if (size > INT64_MAX)
        return WASI_EINVAL;
    if (ftruncate(entry->host_fd, (off_t)size) != 0)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

wasi_errno wasi_times_from_flags(uint64_t atim, uint64_t mtim, uint32_t fst_flags,
                                 struct timespec times[2])
{
    if ((fst_flags & ~(uint32_t)0xf) != 0)
        return WASI_EINVAL;
    if ((fst_flags & WASI_FSTFLAG_ATIM) != 0 && (fst_flags & WASI_FSTFLAG_ATIM_NOW) != 0)
        return WASI_EINVAL;
    if ((fst_flags & WASI_FSTFLAG_MTIM) != 0 && (fst_flags & WASI_FSTFLAG_MTIM_NOW) != 0)
        return WASI_EINVAL;
    uint64_t values[2] = {atim, mtim};
    uint32_t set_bits[2] = {WASI_FSTFLAG_ATIM, WASI_FSTFLAG_MTIM};
    uint32_t now_bits[2] = {WASI_FSTFLAG_ATIM_NOW, WASI_FSTFLAG_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        times[i].tv_sec = 0;
        if ((fst_flags & set_bits[i]) != 0) {
            times[i].tv_sec = (time_t)(values[i] / 1000000000u);
            times[i].tv_nsec = (long)(values[i] % 1000000000u);
        } else if ((fst_flags & now_bits[i]) != 0) {
            times[i].tv_nsec = UTIME_NOW;
        } else {
            times[i].tv_nsec = UTIME_OMIT;
        }
    }
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_filestat_set_times(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0),
                                  WASI_RIGHT_FD_FILESTAT_SET_TIMES, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    struct timespec times[2];
    e = wasi_times_from_flags(wasi_arg_u64(args, 1), wasi_arg_u64(args, 2),
                              wasi_arg_u32(args, 3), times);
    if (e != WASI_ESUCCESS)
        return e;
    if (futimens(entry->host_fd, times) != 0)
        return wasi_errno_from_host(errno);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_prestat_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), 0, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    if (entry->preopen_name == NULL)
        return WASI_EBADF; /* what wasi-libc expects for "not a preopen" */
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 1), WASI_PRESTAT_SIZE);
    if (out == NULL)
        return WASI_EFAULT;
    memset(out, 0, WASI_PRESTAT_SIZE);
    out[0] = WASI_PREOPENTYPE_DIR;
    kiln_write_u32le(out + 4, (uint32_t)strlen(entry->preopen_name));
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_prestat_dir_name(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), 0, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    if (entry->preopen_name == NULL)
        return WASI_EBADF;
    uint32_t len = wasi_arg_u32(args, 2);
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 1), len);
    if (out == NULL)
        return WASI_EFAULT;
    size_t name_len = strlen(entry->preopen_name);
    if (len < name_len)
        return WASI_ENAMETOOLONG;
    memcpy(out, entry->preopen_name, name_len); /* no NUL: length is prestat's */
    return WASI_ESUCCESS;
}

static uint8_t filetype_from_dirent(int dir_fd, const struct dirent *de)
{
    switch (de->d_type) {
    case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WASI_FILETYPE_DIRECTORY;
    case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
    case DT_FIFO: return WASI_FILETYPE_UNKNOWN;
    default: break; /* DT_UNKNOWN: some file systems do not say; ask */
    }
    struct stat st;
    if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return WASI_FILETYPE_UNKNOWN;
    return wasi_filetype_from_mode(st.st_mode);
}

/* Positions entry's DIR stream so that the next readdir returns the entry
 * with index `cookie`. */
static wasi_errno dir_seek(wasi_fd *entry, uint64_t cookie)
{
    if (entry->dir_stream == NULL) {
        /* A fresh open of the same directory: its position is its own, so
         * the guest's descriptor is not disturbed. */
        int d = openat(entry->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (d < 0)
            return wasi_errno_from_host(errno);
        DIR *dir = fdopendir(d);
        if (dir == NULL) {
            int host_errno = errno;
            close(d);
            return wasi_errno_from_host(host_errno);
        }
        entry->dir_stream = dir;
        entry->dir_position = 0;
    }
    DIR *dir = entry->dir_stream;
    if (cookie == entry->dir_position)
        return WASI_ESUCCESS;
    rewinddir(dir);
    entry->dir_position = 0;
    while (entry->dir_position < cookie) {
        errno = 0;
        if (readdir(dir) == NULL) {
            if (errno != 0)
                return wasi_errno_from_host(errno);
            break; /* past the end: the listing is simply empty */
        }
        entry->dir_position++;
    }
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_readdir(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, wasi_arg_u32(args, 0), WASI_RIGHT_FD_READDIR, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    uint32_t buf_len = wasi_arg_u32(args, 2);
    uint8_t *buf = wasi_mem_range(mem, wasi_arg_u32(args, 1), buf_len);
    uint8_t *used_out = wasi_mem_range(mem, wasi_arg_u32(args, 4), 4);
    if (buf == NULL || used_out == NULL)
        return WASI_EFAULT;
    if (entry->filetype != WASI_FILETYPE_DIRECTORY)
        return WASI_ENOTDIR;
    e = dir_seek(entry, wasi_arg_u64(args, 3));
    if (e != WASI_ESUCCESS)
        return e;
    DIR *dir = entry->dir_stream;
    uint32_t used = 0;
    while (used < buf_len) {
        long location = telldir(dir);
        errno = 0;
        struct dirent *de = readdir(dir);
        if (de == NULL) {
            if (errno != 0)
                return wasi_errno_from_host(errno);
            break;
        }
        uint32_t name_len = (uint32_t)strlen(de->d_name);
        uint8_t header[WASI_DIRENT_SIZE];
        memset(header, 0, sizeof header);
        kiln_write_u64le(header, entry->dir_position + 1);
        kiln_write_u64le(header + 8, (uint64_t)de->d_ino);
        kiln_write_u32le(header + 16, name_len);
        header[20] = filetype_from_dirent(dirfd(dir), de);
        /* The spec: fill the buffer, truncating the last entry; the guest
         * sees bufused == buf_len and asks again from that entry's cookie. */
        bool whole = (uint64_t)used + WASI_DIRENT_SIZE + name_len <= buf_len;
        uint32_t room = buf_len - used;
        uint32_t n = room < WASI_DIRENT_SIZE ? room : WASI_DIRENT_SIZE;
        memcpy(buf + used, header, n);
        used += n;
        room = buf_len - used;
        n = room < name_len ? room : name_len;
        memcpy(buf + used, de->d_name, n);
        used += n;
        if (!whole) {
            seekdir(dir, location); /* not delivered whole: read it again next time */
            break;
        }
        entry->dir_position++;
    }
    kiln_write_u32le(used_out, used);
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_renumber(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    (void)mem;
    uint32_t from = wasi_arg_u32(args, 0), to = wasi_arg_u32(args, 1);
    wasi_fd *from_entry = NULL, *to_entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, from, 0, &from_entry);
    if (e != WASI_ESUCCESS)
        return e;
    e = wasi_fd_lookup(wasi, to, 0, &to_entry);
    if (e != WASI_ESUCCESS)
        return e;
    if (from == to)
        return WASI_ESUCCESS;
    wasi_fd_release(to_entry);
    *to_entry = *from_entry;
    memset(from_entry, 0, sizeof *from_entry);
    from_entry->host_fd = -1;
    return WASI_ESUCCESS;
}
