/*
 * WASI preview1 path functions (path_*) and the sandboxed path resolver
 * they all share.
 *
 * The sandbox: a guest path is always relative to a directory descriptor
 * (a preopen or a directory opened through one). The resolver walks it one
 * component at a time with openat(O_NOFOLLOW) from that descriptor, keeping
 * the directories it entered on a stack of descriptors:
 *   - ".." pops the stack; popping past the starting directory is an
 *     escape and fails with ENOTCAPABLE (the host's ".." is never opened);
 *   - symbolic links are never followed by the host: the resolver reads
 *     each one (readlinkat) and splices its target into the rest of the
 *     path, so a link's ".." is held to the same rule; a link whose target
 *     is absolute fails with ENOTCAPABLE, more than WASI_MAX_SYMLINKS links
 *     with ELOOP;
 *   - an absolute guest path fails with ENOTCAPABLE (wasmtime answers
 *     ENOTCAPABLE or EPERM here; kiln uses ENOTCAPABLE for every escape).
 * It ends with a directory descriptor and one final name without '/', on
 * which the operation runs with its *at() call and no symlink following
 * (AT_SYMLINK_NOFOLLOW / O_NOFOLLOW): when the guest asked to follow a final
 * symlink, the resolver has already done it.
 * A final '/' is kept as must_be_dir, and a final symlink is followed as
 * POSIX lookups do (final_link): operations that look a file up (open,
 * filestat, readlink, a link's source) follow it when asked and whenever the
 * path ends in '/' (lstat("link/") is the directory); operations that
 * create, remove or rename the entry itself (mkdir, symlink, a link's new
 * name, unlink, rmdir, rename) never follow it, and a '/' after a
 * non-directory is their ENOTDIR, ENOENT or EEXIST, as on Linux.
 * Because every step is relative
 * to a descriptor already inside the sandbox and never follows a link on the
 * host, renaming directories or swapping links under a running guest cannot
 * make a walk leave the preopen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "kiln_common.h"
#include "wasi.h"

#define WASI_MAX_SYMLINKS 40u
#define WASI_MAX_PATH 4096u
#define WASI_MAX_NAME 255u

/* What the resolver does with a final symbolic link. */
typedef enum final_link {
    FINAL_ENTRY,    /* never followed, even before a trailing '/': the
                       operation acts on the entry (create, remove, rename) */
    FINAL_NOFOLLOW, /* a lookup without symlink_follow: followed only
                       before a trailing '/' */
    FINAL_FOLLOW,   /* a lookup with symlink_follow */
} final_link;

static final_link lookup_final(uint32_t lookup_flags)
{
    return (lookup_flags & WASI_LOOKUP_SYMLINK_FOLLOW) != 0 ? FINAL_FOLLOW : FINAL_NOFOLLOW;
}

typedef struct resolved {
    int base_fd;          /* starting directory (not owned) */
    int *stack;           /* owned descriptors of entered directories */
    uint32_t depth;
    uint32_t capacity;
    char *rest;           /* owned: the part of the path still to walk */
    char name[WASI_MAX_NAME + 1]; /* final component, "." for the directory */
    bool must_be_dir;     /* the guest path ended in '/' */
} resolved;

static int resolved_dir(const resolved *r)
{
    return r->depth == 0 ? r->base_fd : r->stack[r->depth - 1];
}

static void resolved_release(resolved *r)
{
    for (uint32_t i = 0; i < r->depth; i++)
        close(r->stack[i]);
    kiln_free(r->stack);
    kiln_free(r->rest);
    r->stack = NULL;
    r->rest = NULL;
    r->depth = 0;
}

static wasi_errno push_dir(resolved *r, int fd)
{
    if (r->depth == r->capacity) {
        uint32_t cap = r->capacity == 0 ? 8 : r->capacity * 2;
        int *grown = kiln_realloc(r->stack, (size_t)cap * sizeof *grown);
        if (grown == NULL) {
            close(fd);
            return WASI_ENOMEM;
        }
        r->stack = grown;
        r->capacity = cap;
    }
    r->stack[r->depth++] = fd;
    return WASI_ESUCCESS;
}

/* Replaces the walked prefix with the target of link `name` in the current
 * directory: rest becomes target + "/" + tail. */
static wasi_errno splice_link(resolved *r, const char *tail, uint32_t *links)
{
    if (++*links > WASI_MAX_SYMLINKS)
        return WASI_ELOOP;
    char target[WASI_MAX_PATH + 1];
    ssize_t n = readlinkat(resolved_dir(r), r->name, target, WASI_MAX_PATH);
    if (n < 0)
        return wasi_errno_from_host(errno);
    if ((size_t)n >= WASI_MAX_PATH)
        return WASI_ENAMETOOLONG;
    if (n == 0)
        return WASI_ENOENT;
    if (target[0] == '/')
        return WASI_ENOTCAPABLE; /* points at the host's root: outside */
    size_t tail_len = strlen(tail);
    if ((size_t)n + 1 + tail_len > WASI_MAX_PATH)
        return WASI_ENAMETOOLONG;
    char *rest = kiln_alloc((size_t)n + 1 + tail_len + 1);
    if (rest == NULL)
        return WASI_ENOMEM;
    memcpy(rest, target, (size_t)n);
    rest[n] = '/';
    memcpy(rest + n + 1, tail, tail_len + 1);
    kiln_free(r->rest);
    r->rest = rest;
    return WASI_ESUCCESS;
}

/* Resolves path (already a NUL-terminated host copy) from base_fd. On
 * success the caller owns *r (resolved_release). */
static wasi_errno resolve(int base_fd, const char *path, final_link final, resolved *r)
{
    memset(r, 0, sizeof *r);
    r->base_fd = base_fd;
    size_t len = strlen(path);
    if (len == 0)
        return WASI_ENOENT;
    if (path[0] == '/')
        return WASI_ENOTCAPABLE;
    r->must_be_dir = path[len - 1] == '/';
    r->rest = kiln_alloc(len + 1);
    if (r->rest == NULL)
        return WASI_ENOMEM;
    memcpy(r->rest, path, len + 1);
    uint32_t links = 0;
    size_t pos = 0;
    wasi_errno e = WASI_ESUCCESS;
    for (;;) {
        const char *rest = r->rest;
        while (rest[pos] == '/')
            pos++;
        if (rest[pos] == '\0') {
            strcpy(r->name, "."); /* the path names the directory itself */
            return WASI_ESUCCESS;
        }
        size_t end = pos;
        while (rest[end] != '\0' && rest[end] != '/')
            end++;
        size_t next = end;
        while (rest[next] == '/')
            next++;
        bool last = rest[next] == '\0';
        size_t comp_len = end - pos;
        if (comp_len > WASI_MAX_NAME) {
            e = WASI_ENAMETOOLONG;
            goto fail;
        }
        memcpy(r->name, rest + pos, comp_len);
        r->name[comp_len] = '\0';
        if (strcmp(r->name, ".") == 0) {
            pos = end;
            continue;
        }
        if (strcmp(r->name, "..") == 0) {
            if (r->depth == 0) {
                e = WASI_ENOTCAPABLE; /* would climb out of the starting directory */
                goto fail;
            }
            close(r->stack[--r->depth]);
            pos = end;
            continue;
        }
        if (last && (final == FINAL_ENTRY || (final == FINAL_NOFOLLOW && !r->must_be_dir)))
            return WASI_ESUCCESS;
        if (last) {
            struct stat st;
            if (fstatat(resolved_dir(r), r->name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
                !S_ISLNK(st.st_mode))
                return WASI_ESUCCESS; /* absent or not a link: the operation decides */
            e = splice_link(r, rest + end, &links);
            if (e != WASI_ESUCCESS)
                goto fail;
            pos = 0;
            continue;
        }
        int fd = openat(resolved_dir(r), r->name,
                        wasi_os_dir_walk_flags() | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            e = push_dir(r, fd);
            if (e != WASI_ESUCCESS)
                goto fail;
            pos = end;
            continue;
        }
        int open_errno = errno;
        struct stat st;
        if (fstatat(resolved_dir(r), r->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
            e = splice_link(r, rest + end, &links);
            if (e != WASI_ESUCCESS)
                goto fail;
            pos = 0;
            continue;
        }
        e = wasi_errno_from_host(open_errno);
        goto fail;
    }
fail:
    resolved_release(r);
    return e;
}

/* Copies the guest path [ptr, ptr + len) into a NUL-terminated host buffer
 * (path_buf holds WASI_MAX_PATH + 1 bytes). */
static wasi_errno read_path(const wasi_mem *mem, uint32_t ptr, uint32_t len, char *path_buf)
{
    const uint8_t *src = wasi_mem_range(mem, ptr, len);
    if (src == NULL)
        return WASI_EFAULT;
    if (len > WASI_MAX_PATH)
        return WASI_ENAMETOOLONG;
    if (memchr(src, '\0', len) != NULL)
        return WASI_EILSEQ; /* a NUL would silently cut the path on the host */
    memcpy(path_buf, src, len);
    path_buf[len] = '\0';
    return WASI_ESUCCESS;
}

/* Looks up dir_fd with `rights`, reads the guest path and resolves it. */
static wasi_errno lookup_and_resolve(kiln_wasi *wasi, const wasi_mem *mem, uint32_t dir_fd,
                                     uint64_t rights, uint32_t path_ptr, uint32_t path_len,
                                     final_link final, resolved *r)
{
    wasi_fd *entry = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, dir_fd, rights, &entry);
    if (e != WASI_ESUCCESS)
        return e;
    char path[WASI_MAX_PATH + 1];
    e = read_path(mem, path_ptr, path_len, path);
    if (e != WASI_ESUCCESS)
        return e;
    if (entry->filetype != WASI_FILETYPE_DIRECTORY)
        return WASI_ENOTDIR;
    return resolve(entry->host_fd, path, final, r);
}

static wasi_errno host_result(int rc)
{
    return rc == 0 ? WASI_ESUCCESS : wasi_errno_from_host(errno);
}

/* The answer to creating a non-directory (a symlink, a hard link) at a name
 * written with a trailing '/': the name asks for a directory, so an existing
 * entry is EEXIST and a missing one ENOENT (Linux's rule; nothing is made). */
static wasi_errno trailing_slash_on_new_file(const resolved *r)
{
    struct stat st;
    if (fstatat(resolved_dir(r), r->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return WASI_EEXIST;
    return errno == ENOENT ? WASI_ENOENT : wasi_errno_from_host(errno);
}

wasi_errno wasi_path_open(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    uint32_t dir = wasi_arg_u32(args, 0);
    uint32_t lookup_flags = wasi_arg_u32(args, 1);
    uint32_t oflags = wasi_arg_u32(args, 4);
    uint64_t want_base = wasi_arg_u64(args, 5), want_inheriting = wasi_arg_u64(args, 6);
    uint32_t fdflags = wasi_arg_u32(args, 7);
    if ((oflags & ~(uint32_t)0xf) != 0 || (fdflags & ~(uint32_t)0x1f) != 0)
        return WASI_EINVAL;
    uint64_t needed = WASI_RIGHT_PATH_OPEN;
    if ((oflags & WASI_OFLAG_CREAT) != 0)
        needed |= WASI_RIGHT_PATH_CREATE_FILE;
    if ((oflags & WASI_OFLAG_TRUNC) != 0)
        needed |= WASI_RIGHT_PATH_FILESTAT_SET_SIZE;
    wasi_fd *parent = NULL;
    wasi_errno e = wasi_fd_lookup(wasi, dir, needed, &parent);
    if (e != WASI_ESUCCESS)
        return e;
    /* A descriptor gets at most what its directory lets it inherit. */
    if ((want_base & ~parent->rights_inheriting) != 0 ||
        (want_inheriting & ~parent->rights_inheriting) != 0)
        return WASI_ENOTCAPABLE;
    uint8_t *fd_out = wasi_mem_range(mem, wasi_arg_u32(args, 8), 4);
    if (fd_out == NULL)
        return WASI_EFAULT; /* checked before anything is created */
    resolved r;
    e = lookup_and_resolve(wasi, mem, dir, needed, wasi_arg_u32(args, 2),
                           wasi_arg_u32(args, 3), lookup_final(lookup_flags), &r);
    if (e != WASI_ESUCCESS)
        return e;
    bool read = (want_base & (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR)) != 0;
    bool write = (want_base & (WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_ALLOCATE |
                               WASI_RIGHT_FD_FILESTAT_SET_SIZE)) != 0;
    /* A directory cannot be opened for writing: asking for write rights on
     * one is EISDIR (from the host, as open(2) gives it), also with
     * O_DIRECTORY, and a non-directory with O_DIRECTORY is ENOTDIR. */
    int flags = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    if ((oflags & WASI_OFLAG_DIRECTORY) != 0 || r.must_be_dir)
        flags |= O_DIRECTORY;
    if (write)
        flags |= read ? O_RDWR : O_WRONLY;
    else
        flags |= O_RDONLY;
    if ((oflags & WASI_OFLAG_CREAT) != 0)
        flags |= O_CREAT;
    if ((oflags & WASI_OFLAG_EXCL) != 0)
        flags |= O_EXCL;
    if ((oflags & WASI_OFLAG_TRUNC) != 0)
        flags |= O_TRUNC;
    if ((fdflags & WASI_FDFLAG_APPEND) != 0)
        flags |= O_APPEND;
    if ((fdflags & WASI_FDFLAG_NONBLOCK) != 0)
        flags |= O_NONBLOCK;
    if ((fdflags & WASI_FDFLAG_DSYNC) != 0)
        flags |= O_DSYNC;
    if ((fdflags & WASI_FDFLAG_RSYNC) != 0)
        flags |= O_RSYNC;
    if ((fdflags & WASI_FDFLAG_SYNC) != 0)
        flags |= O_SYNC;
    int host_fd = openat(resolved_dir(&r), r.name, flags, 0666);
    int open_errno = errno;
    resolved_release(&r);
    if (host_fd < 0)
        return wasi_errno_from_host(open_errno);
    struct stat st;
    if (fstat(host_fd, &st) != 0) {
        int host_errno = errno;
        close(host_fd);
        return wasi_errno_from_host(host_errno);
    }
    uint32_t fd = 0;
    e = wasi_fd_insert(wasi, host_fd, wasi_filetype_from_mode(st.st_mode), want_base,
                       want_inheriting, &fd);
    if (e != WASI_ESUCCESS)
        return e;
    kiln_write_u32le(fd_out, fd);
    return WASI_ESUCCESS;
}

wasi_errno wasi_path_create_directory(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    resolved r;
    wasi_errno e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 0),
                                      WASI_RIGHT_PATH_CREATE_DIRECTORY, wasi_arg_u32(args, 1),
                                      wasi_arg_u32(args, 2), FINAL_ENTRY, &r);
    if (e != WASI_ESUCCESS)
        return e;
    e = host_result(mkdirat(resolved_dir(&r), r.name, 0777));
    resolved_release(&r);
    return e;
}

wasi_errno wasi_path_remove_directory(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    resolved r;
    wasi_errno e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 0),
                                      WASI_RIGHT_PATH_REMOVE_DIRECTORY, wasi_arg_u32(args, 1),
                                      wasi_arg_u32(args, 2), FINAL_ENTRY, &r);
    if (e != WASI_ESUCCESS)
        return e;
    e = host_result(unlinkat(resolved_dir(&r), r.name, AT_REMOVEDIR));
    resolved_release(&r);
    return e;
}

wasi_errno wasi_path_unlink_file(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    resolved r;
    wasi_errno e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 0),
                                      WASI_RIGHT_PATH_UNLINK_FILE, wasi_arg_u32(args, 1),
                                      wasi_arg_u32(args, 2), FINAL_ENTRY, &r);
    if (e != WASI_ESUCCESS)
        return e;
    struct stat st;
    if (r.must_be_dir) {
        /* "file/" names a directory that is not there; "dir/" one that
         * unlink cannot remove; "link/" is the link, not a directory. */
        if (fstatat(resolved_dir(&r), r.name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            e = wasi_errno_from_host(errno);
        else
            e = S_ISDIR(st.st_mode) ? WASI_EISDIR : WASI_ENOTDIR;
    } else {
        e = host_result(unlinkat(resolved_dir(&r), r.name, 0));
    }
    resolved_release(&r);
    return e;
}

wasi_errno wasi_path_filestat_get(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    uint8_t *out = wasi_mem_range(mem, wasi_arg_u32(args, 4), WASI_FILESTAT_SIZE);
    resolved r;
    wasi_errno e = lookup_and_resolve(
        wasi, mem, wasi_arg_u32(args, 0), WASI_RIGHT_PATH_FILESTAT_GET, wasi_arg_u32(args, 2),
        wasi_arg_u32(args, 3), lookup_final(wasi_arg_u32(args, 1)), &r);
    if (e != WASI_ESUCCESS)
        return e;
    struct stat st;
    if (out == NULL)
        e = WASI_EFAULT;
    else if (fstatat(resolved_dir(&r), r.name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        e = wasi_errno_from_host(errno);
    else if (r.must_be_dir && !S_ISDIR(st.st_mode))
        e = WASI_ENOTDIR;
    else
        wasi_write_filestat(out, &st);
    resolved_release(&r);
    return e;
}

wasi_errno wasi_path_filestat_set_times(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    struct timespec times[2];
    wasi_errno e = wasi_times_from_flags(wasi_arg_u64(args, 4), wasi_arg_u64(args, 5),
                                         wasi_arg_u32(args, 6), times);
    if (e != WASI_ESUCCESS)
        return e;
    resolved r;
    e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 0),
                           WASI_RIGHT_PATH_FILESTAT_SET_TIMES, wasi_arg_u32(args, 2),
                           wasi_arg_u32(args, 3), lookup_final(wasi_arg_u32(args, 1)), &r);
    if (e != WASI_ESUCCESS)
        return e;
    e = host_result(utimensat(resolved_dir(&r), r.name, times, AT_SYMLINK_NOFOLLOW));
    resolved_release(&r);
    return e;
}

wasi_errno wasi_path_readlink(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    uint32_t buf_len = wasi_arg_u32(args, 4);
    uint8_t *buf = wasi_mem_range(mem, wasi_arg_u32(args, 3), buf_len);
    uint8_t *used_out = wasi_mem_range(mem, wasi_arg_u32(args, 5), 4);
    resolved r;
    wasi_errno e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 0),
                                      WASI_RIGHT_PATH_READLINK, wasi_arg_u32(args, 1),
                                      wasi_arg_u32(args, 2), FINAL_NOFOLLOW, &r);
    if (e != WASI_ESUCCESS)
        return e;
    if (buf == NULL || used_out == NULL) {
        resolved_release(&r);
        return WASI_EFAULT;
    }
    /* Read into a host buffer first so a too-small guest buffer gets the
     * truncated contents, as readlink(2) gives. */
    char target[WASI_MAX_PATH];
    ssize_t n = readlinkat(resolved_dir(&r), r.name, target, sizeof target);
    int host_errno = errno;
    resolved_release(&r);
    if (n < 0)
        return wasi_errno_from_host(host_errno);
    uint32_t copied = (uint64_t)n < buf_len ? (uint32_t)n : buf_len;
    memcpy(buf, target, copied);
    kiln_write_u32le(used_out, copied);
    return WASI_ESUCCESS;
}

wasi_errno wasi_path_symlink(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    char target[WASI_MAX_PATH + 1];
    wasi_errno e = read_path(mem, wasi_arg_u32(args, 0), wasi_arg_u32(args, 1), target);
    if (e != WASI_ESUCCESS)
        return e;
    /* An absolute link could never be followed inside the sandbox, and it
     * would point the host's own tools outside it: refused. */
    if (target[0] == '/')
        return WASI_ENOTCAPABLE;
    resolved r;
    e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 2), WASI_RIGHT_PATH_SYMLINK,
                           wasi_arg_u32(args, 3), wasi_arg_u32(args, 4), FINAL_ENTRY, &r);
    if (e != WASI_ESUCCESS)
        return e;
    if (r.must_be_dir)
        e = trailing_slash_on_new_file(&r);
    else
        e = host_result(symlinkat(target, resolved_dir(&r), r.name));
    resolved_release(&r);
    return e;
}

wasi_errno wasi_path_link(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    resolved from, to;
    wasi_errno e = lookup_and_resolve(
        wasi, mem, wasi_arg_u32(args, 0), WASI_RIGHT_PATH_LINK_SOURCE, wasi_arg_u32(args, 2),
        wasi_arg_u32(args, 3), lookup_final(wasi_arg_u32(args, 1)), &from);
    if (e != WASI_ESUCCESS)
        return e;
    e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 4), WASI_RIGHT_PATH_LINK_TARGET,
                           wasi_arg_u32(args, 5), wasi_arg_u32(args, 6), FINAL_ENTRY, &to);
    if (e != WASI_ESUCCESS) {
        resolved_release(&from);
        return e;
    }
    struct stat st;
    if (from.must_be_dir &&
        fstatat(resolved_dir(&from), from.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode))
        e = WASI_ENOTDIR; /* "file/" (a directory would be EPERM from linkat) */
    else if (to.must_be_dir)
        e = trailing_slash_on_new_file(&to);
    else
        e = host_result(
            linkat(resolved_dir(&from), from.name, resolved_dir(&to), to.name, 0));
    resolved_release(&from);
    resolved_release(&to);
    return e;
}

wasi_errno wasi_path_rename(kiln_wasi *wasi, wasi_mem *mem, const kiln_val *args)
{
    resolved from, to;
    wasi_errno e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 0),
                                      WASI_RIGHT_PATH_RENAME_SOURCE, wasi_arg_u32(args, 1),
                                      wasi_arg_u32(args, 2), FINAL_ENTRY, &from);
    if (e != WASI_ESUCCESS)
        return e;
    e = lookup_and_resolve(wasi, mem, wasi_arg_u32(args, 3), WASI_RIGHT_PATH_RENAME_TARGET,
                           wasi_arg_u32(args, 4), wasi_arg_u32(args, 5), FINAL_ENTRY, &to);
    if (e != WASI_ESUCCESS) {
        resolved_release(&from);
        return e;
    }
    struct stat st;
    if ((from.must_be_dir || to.must_be_dir) &&
        fstatat(resolved_dir(&from), from.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode)) {
        e = WASI_ENOTDIR; /* a trailing '/' names a directory */
    } else {
        e = host_result(
            renameat(resolved_dir(&from), from.name, resolved_dir(&to), to.name));
    }
    resolved_release(&from);
    resolved_release(&to);
    return e;
}
