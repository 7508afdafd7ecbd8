/*
 * The Linux-specific pieces of WASI: random bytes from getrandom(2) and the
 * count of bytes waiting on a pipe, socket or terminal (FIONREAD). Another
 * platform provides the same two functions in its own wasi_posix_<os>.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "wasi.h"

bool wasi_os_random(uint8_t *buf, size_t len, int *host_errno)
{
    size_t done = 0;
    while (done < len) {
        /* getrandom returns at most 32 MiB per call; loop for the rest. */
        ssize_t n = getrandom(buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *host_errno = errno;
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

uint64_t wasi_os_bytes_readable(int host_fd)
{
    int n = 0;
    if (ioctl(host_fd, FIONREAD, &n) != 0 || n < 0)
        return 0;
    return (uint64_t)n;
}

int wasi_os_dir_walk_flags(void)
{
    return O_PATH;
}
