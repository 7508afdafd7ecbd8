/*
 * Shared by the WASI test programs (built both natively with gcc and for
 * wasm32-wasi with clang): errno names instead of strerror() text, because
 * glibc and wasi-libc word their messages differently and the two runs'
 * outputs are compared byte for byte.
 */
#ifndef WASI_TEST_UTIL_H
#define WASI_TEST_UTIL_H

#include <errno.h>
#include <stdio.h>

static const char *errno_name(int e)
{
    switch (e) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ELOOP: return "ELOOP";
    case EXDEV: return "EXDEV";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
    }
}

#endif
