/*
 * Sandbox escape attempts. Run from inside the preopened directory, whose
 * fixture (made by run_wasi_test.sh) holds:
 *   ../outside.txt     a file next to the sandbox, never to be reached
 *   link_out  -> ../outside.txt         (relative link leaving the sandbox)
 *   link_abs  -> <absolute path of ../outside.txt>
 *   link_dir  -> ..                     (a link to the parent directory)
 *   sub/deep  -> ../../outside.txt
 *   link_ok   -> sub/inner.txt          (stays inside: must work)
 * Under WASI every escape must fail; natively nothing stops them, so this
 * program's WASI output is compared with sandbox.expected rather than with
 * the native run. The absolute-path attempts go through the raw WASI call on
 * the first preopen (fd 3), because wasi-libc itself would refuse an absolute
 * path that matches no preopen before the runtime saw it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __wasi__
#include <wasi/api.h>
#endif

#include "wasi_test_util.h"

static void verdict(const char *what, int ok, int err)
{
    if (ok)
        printf("%-40s ESCAPED\n", what);
    else
        printf("%-40s refused (%s)\n", what, errno_name(err));
}

static void try_open(const char *path)
{
    errno = 0;
    int fd = open(path, O_RDONLY);
    char what[128];
    snprintf(what, sizeof what, "open %s", path);
    verdict(what, fd >= 0, errno);
    if (fd >= 0)
        close(fd);
}

/* Absolute paths straight to the runtime. */
static void try_open_absolute(const char *path)
{
    char what[128];
    snprintf(what, sizeof what, "path_open %s", path);
#ifdef __wasi__
    __wasi_fd_t fd;
    __wasi_errno_t e = __wasi_path_open(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
                                        __WASI_RIGHTS_FD_READ, 0, 0, &fd);
    verdict(what, e == 0, e);
#else
    errno = 0;
    int fd = open(path, O_RDONLY);
    verdict(what, fd >= 0, errno);
    if (fd >= 0)
        close(fd);
#endif
}

int main(void)
{
    try_open("../outside.txt");
    try_open("sub/../../outside.txt");
    try_open("./sub/./../../outside.txt");
    try_open("link_out");
    try_open("link_abs");
    try_open("link_dir/outside.txt");
    try_open("sub/deep");
    try_open_absolute("/etc/passwd");
    try_open_absolute("/tmp");

    struct stat st;
    int rc;
    errno = 0;
    rc = stat("link_out", &st);
    verdict("stat link_out (follow)", rc == 0, errno);
    errno = 0;
    rc = stat("link_dir/outside.txt", &st);
    verdict("stat link_dir/outside.txt", rc == 0, errno);
    errno = 0;
    rc = mkdir("../made", 0755);
    verdict("mkdir ../made", rc == 0, errno);
    errno = 0;
    rc = mkdir("link_dir/made", 0755);
    verdict("mkdir link_dir/made", rc == 0, errno);
    errno = 0;
    rc = rename("input.txt", "../stolen");
    verdict("rename input.txt ../stolen", rc == 0, errno);
    errno = 0;
    rc = link("../outside.txt", "hard");
    verdict("link ../outside.txt here", rc == 0, errno);
    errno = 0;
    rc = symlink("/etc/passwd", "abs_new");
    verdict("symlink /etc/passwd abs_new", rc == 0, errno);
    errno = 0;
    rc = unlink("../outside.txt");
    verdict("unlink ../outside.txt", rc == 0, errno);
    errno = 0;
    rc = rmdir("..");
    verdict("rmdir ..", rc == 0, errno);

    /* Links and ".." that stay inside keep working. */
    errno = 0;
    int fd = open("link_ok", O_RDONLY);
    char buf[64] = {0};
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        printf("inside link reads %zd bytes: %s", n, buf);
    } else {
        printf("inside link failed: %s\n", errno_name(errno));
    }
    errno = 0;
    fd = open("sub/../input.txt", O_RDONLY);
    printf("sub/../input.txt opens: %s\n", fd >= 0 ? "yes" : errno_name(errno));
    return 0;
}
