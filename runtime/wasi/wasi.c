/*
 * WASI state: kiln_wasi_new/free (arguments, environment, stdio and
 * preopens) and the descriptor table. The host-function adapters are in
 * wasi_host.c.
 *
 * Invariants:
 *   - The descriptor table owns every host descriptor in it. Stdio are dup()s
 *     of the configured descriptors, so a guest closing its fd 1 never closes
 *     the embedder's stdout.
 *   - Preopens occupy descriptors 3, 4, ... in configuration order, with all
 *     directory rights and every right inheritable.
 * */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "kiln_common.h"
#include "wasi.h"

/* Descriptors the table may grow to; a guest asking for more gets EMFILE. */
#define WASI_MAX_FDS 65536u

void kiln_wasi_config_init(kiln_wasi_config *config)
{
    memset(config, 0, sizeof *config);
    config->stdin_fd = 0;
    config->stdout_fd = 1;
    config->stderr_fd = 2;
}

/* Packs strings back to back, each NUL-terminated. Sizes are limited to
 * u32 because the guest reads them as u32. */
static kiln_status pack_strings(const char *const *strings, size_t count, const char *what,
                                char **out_buf, uint32_t *out_count, uint32_t *out_size,
                                kiln_error *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (strings[i] == NULL)
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "WASI %s[%zu] is NULL", what, i);
        total += strlen(strings[i]) + 1;
    }
    if (count > UINT32_MAX || total > UINT32_MAX)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "WASI %s too large: %zu strings, %llu bytes (limit 4 GiB)",
                              what, count, (unsigned long long)total);
    char *buf = kiln_alloc((size_t)total);
    if (buf == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory copying WASI %s", what);
    size_t pos = 0;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(strings[i]) + 1;
        memcpy(buf + pos, strings[i], len);
        pos += len;
    }
    *out_buf = buf;
    *out_count = (uint32_t)count;
    *out_size = (uint32_t)total;
    return KILN_OK;
}

uint8_t wasi_filetype_from_mode(unsigned int mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
    case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
    case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
    case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
    case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
    case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
    default: return WASI_FILETYPE_UNKNOWN; /* FIFOs too: preview1 has no type */
    }
}

static uint64_t timespec_ns(struct timespec ts)
{
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

void wasi_write_filestat(uint8_t *out, const void *host_stat)
{
    const struct stat *st = host_stat;
    memset(out, 0, WASI_FILESTAT_SIZE);
    kiln_write_u64le(out + 0, (uint64_t)st->st_dev);
    kiln_write_u64le(out + 8, (uint64_t)st->st_ino);
    out[16] = wasi_filetype_from_mode(st->st_mode);
    kiln_write_u64le(out + 24, (uint64_t)st->st_nlink);
    kiln_write_u64le(out + 32, (uint64_t)st->st_size);
    kiln_write_u64le(out + 40, timespec_ns(st->st_atim));
    kiln_write_u64le(out + 48, timespec_ns(st->st_mtim));
    kiln_write_u64le(out + 56, timespec_ns(st->st_ctim));
}

/* Rights a descriptor of this type can use: the rest never apply. */
static uint64_t rights_for_type(uint8_t filetype)
{
    switch (filetype) {
    case WASI_FILETYPE_DIRECTORY: return WASI_RIGHTS_DIR;
    case WASI_FILETYPE_REGULAR_FILE:
    case WASI_FILETYPE_BLOCK_DEVICE: return WASI_RIGHTS_FILE;
    default: return WASI_RIGHTS_STREAM;
    }
}

void wasi_fd_release(wasi_fd *entry)
{
    if (entry->dir_stream != NULL)
        closedir(entry->dir_stream); /* owns a dup of host_fd, not host_fd itself */
    if (entry->host_fd >= 0)
        close(entry->host_fd);
    kiln_free(entry->preopen_name);
    memset(entry, 0, sizeof *entry);
    entry->host_fd = -1;
}

wasi_errno wasi_fd_lookup(kiln_wasi *wasi, uint32_t fd, uint64_t rights, wasi_fd **out)
{
    if (fd >= wasi->fd_count || wasi->fds[fd].host_fd < 0)
        return WASI_EBADF;
    wasi_fd *entry = &wasi->fds[fd];
    if ((entry->rights_base & rights) != rights)
        return WASI_ENOTCAPABLE;
    *out = entry;
    return WASI_ESUCCESS;
}

/* Grows the table to at least `count` slots (new slots free). */
static wasi_errno fd_table_grow(kiln_wasi *wasi, uint32_t count)
{
    if (count <= wasi->fd_count)
        return WASI_ESUCCESS;
    if (count > WASI_MAX_FDS)
        return WASI_EMFILE;
    uint32_t new_count = wasi->fd_count < 8 ? 8 : wasi->fd_count;
    while (new_count < count)
        new_count *= 2;
    if (new_count > WASI_MAX_FDS)
        new_count = WASI_MAX_FDS;
    wasi_fd *grown = kiln_realloc(wasi->fds, (size_t)new_count * sizeof *grown);
    if (grown == NULL)
        return WASI_ENOMEM;
    for (uint32_t i = wasi->fd_count; i < new_count; i++) {
        memset(&grown[i], 0, sizeof grown[i]);
        grown[i].host_fd = -1;
    }
    wasi->fds = grown;
    wasi->fd_count = new_count;
    return WASI_ESUCCESS;
}

/* Lowest free slot, growing the table when all are in use. Slots 0-2 are
 * never handed out here: an absent stdio stream stays EBADF instead of
 * becoming some file the guest opened later. */
static wasi_errno fd_reserve(kiln_wasi *wasi, uint32_t *out_fd)
{
    for (uint32_t i = 3; i < wasi->fd_count; i++) {
        if (wasi->fds[i].host_fd < 0) {
            *out_fd = i;
            return WASI_ESUCCESS;
        }
    }
    uint32_t fd = wasi->fd_count < 3 ? 3 : wasi->fd_count;
    wasi_errno e = fd_table_grow(wasi, fd + 1);
    if (e != WASI_ESUCCESS)
        return e;
    *out_fd = fd;
    return WASI_ESUCCESS;
}

wasi_errno wasi_fd_insert(kiln_wasi *wasi, int host_fd, uint8_t filetype,
                          uint64_t rights_base, uint64_t rights_inheriting,
                          uint32_t *out_fd)
{
    uint32_t fd = 0;
    wasi_errno e = fd_reserve(wasi, &fd);
    if (e != WASI_ESUCCESS) {
        close(host_fd);
        return e;
    }
    wasi_fd *entry = &wasi->fds[fd];
    memset(entry, 0, sizeof *entry);
    entry->host_fd = host_fd;
    entry->filetype = filetype;
    entry->rights_base = rights_base & rights_for_type(filetype);
    entry->rights_inheriting = rights_inheriting;
    *out_fd = fd;
    return WASI_ESUCCESS;
}

/* Installs a dup of a configured stdio descriptor as guest fd `fd`
 * (0, 1 or 2; the table already has those slots). */
static kiln_status add_stdio(kiln_wasi *wasi, uint32_t fd, int host_fd, const char *what,
                             kiln_error *err)
{
    if (host_fd < 0)
        return KILN_OK; /* no such stream: the slot stays free (EBADF) */
    int copy = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return kiln_error_set(err, KILN_ERR_IO, KILN_NO_OFFSET,
                              "cannot duplicate host descriptor %d for WASI %s: %s",
                              host_fd, what, strerror(errno));
    struct stat st;
    uint8_t type = WASI_FILETYPE_UNKNOWN;
    if (fstat(copy, &st) == 0)
        type = wasi_filetype_from_mode(st.st_mode);
    wasi_fd *entry = &wasi->fds[fd];
    entry->host_fd = copy;
    entry->filetype = type;
    entry->rights_base = rights_for_type(type);
    entry->rights_inheriting = 0;
    return KILN_OK;
}

static kiln_status add_preopen(kiln_wasi *wasi, const kiln_wasi_preopen *preopen,
                               size_t index, kiln_error *err)
{
    if (preopen->host_path == NULL || preopen->guest_path == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "WASI preopen %zu has a NULL path", index);
    int host_fd = open(preopen->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (host_fd < 0)
        return kiln_error_set(err, KILN_ERR_IO, KILN_NO_OFFSET,
                              "cannot open WASI preopen directory '%s' (guest '%s'): %s",
                              preopen->host_path, preopen->guest_path, strerror(errno));
    size_t name_len = strlen(preopen->guest_path);
    char *name = kiln_alloc(name_len + 1);
    if (name == NULL) {
        close(host_fd);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory adding WASI preopen '%s'", preopen->guest_path);
    }
    memcpy(name, preopen->guest_path, name_len + 1);
    uint32_t fd = 0;
    wasi_errno e = wasi_fd_insert(wasi, host_fd, WASI_FILETYPE_DIRECTORY, WASI_RIGHTS_DIR,
                                  WASI_RIGHTS_DIR | WASI_RIGHTS_FILE, &fd);
    if (e != WASI_ESUCCESS) {
        kiln_free(name);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory adding WASI preopen '%s'", preopen->guest_path);
    }
    wasi->fds[fd].preopen_name = name;
    return KILN_OK;
}

kiln_status kiln_wasi_new(const kiln_wasi_config *config, kiln_wasi **out, kiln_error *err)
{
    if (config == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_wasi_new: config and out must not be NULL");
    if ((config->argc != 0 && config->argv == NULL) ||
        (config->envc != 0 && config->envp == NULL) ||
        (config->preopen_count != 0 && config->preopens == NULL))
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_wasi_new: a non-zero count with a NULL array "
                              "(argc %zu, envc %zu, preopens %zu)",
                              config->argc, config->envc, config->preopen_count);
    kiln_wasi *wasi = kiln_calloc(1, sizeof *wasi);
    if (wasi == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory creating WASI state");
    kiln_status st = pack_strings(config->argv, config->argc, "argv", &wasi->args_buf,
                                  &wasi->argc, &wasi->args_buf_size, err);
    if (st != KILN_OK)
        goto fail;
    st = pack_strings(config->envp, config->envc, "environment", &wasi->env_buf,
                      &wasi->envc, &wasi->env_buf_size, err);
    if (st != KILN_OK)
        goto fail;
    if (fd_table_grow(wasi, 3) != WASI_ESUCCESS) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                            "out of memory creating the WASI descriptor table");
        goto fail;
    }
    st = add_stdio(wasi, 0, config->stdin_fd, "stdin", err);
    if (st != KILN_OK)
        goto fail;
    st = add_stdio(wasi, 1, config->stdout_fd, "stdout", err);
    if (st != KILN_OK)
        goto fail;
    st = add_stdio(wasi, 2, config->stderr_fd, "stderr", err);
    if (st != KILN_OK)
        goto fail;
    for (size_t i = 0; i < config->preopen_count; i++) {
        st = add_preopen(wasi, &config->preopens[i], i, err);
        if (st != KILN_OK)
            goto fail;
    }
    *out = wasi;
    return KILN_OK;
fail:
    kiln_wasi_free(wasi);
    return st;
}

void kiln_wasi_free(kiln_wasi *wasi)
{
    if (wasi == NULL)
        return;
    for (uint32_t i = 0; i < wasi->fd_count; i++)
        wasi_fd_release(&wasi->fds[i]);
    kiln_free(wasi->fds);
    kiln_free(wasi->args_buf);
    kiln_free(wasi->env_buf);
    kiln_free(wasi);
}
