/* Files in the preopened directory: create, write, read back, append,
 * seek, pread/pwrite, truncate, stat, and errors for missing files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_test_util.h"

static void show_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        printf("%s: cannot open: %s\n", path, errno_name(errno));
        return;
    }
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    printf("%s (%zu bytes): [%s]\n", path, n, buf);
}

int main(void)
{
    show_file("input.txt");
    show_file("sub/inner.txt");

    FILE *f = fopen("out.txt", "w");
    if (f == NULL) {
        printf("fopen out.txt: %s\n", errno_name(errno));
        return 1;
    }
    for (int i = 0; i < 5; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    show_file("out.txt");

    f = fopen("out.txt", "a");
    fputs("appended\n", f);
    fclose(f);
    show_file("out.txt");

    int fd = open("out.txt", O_RDWR);
    printf("open O_RDWR: %s\n", fd >= 0 ? "ok" : errno_name(errno));
    off_t end = lseek(fd, 0, SEEK_END);
    printf("size by lseek: %ld\n", (long)end);
    char buf[16] = {0};
    ssize_t n = pread(fd, buf, 6, 7);
    printf("pread at 7: %zd [%s]\n", n, buf);
    n = pwrite(fd, "LINE", 4, 0);
    printf("pwrite at 0: %zd\n", n);
    printf("tell after pwrite: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
    lseek(fd, 14, SEEK_SET);
    n = write(fd, "XX", 2);
    printf("write at 14: %zd\n", n);
    printf("ftruncate 20: %d\n", ftruncate(fd, 20));
    struct stat st;
    fstat(fd, &st);
    printf("fstat size %ld, regular %d\n", (long)st.st_size, S_ISREG(st.st_mode) ? 1 : 0);
    close(fd);
    show_file("out.txt");

    if (stat("sub", &st) == 0)
        printf("stat sub: directory %d\n", S_ISDIR(st.st_mode) ? 1 : 0);
    errno = 0;
    fd = open("missing.txt", O_RDONLY);
    printf("open missing: %d %s\n", fd, errno_name(errno));
    errno = 0;
    fd = open("out.txt", O_CREAT | O_EXCL | O_WRONLY, 0644);
    printf("open O_EXCL existing: %d %s\n", fd, errno_name(errno));
    errno = 0;
    fd = open("sub", O_WRONLY);
    printf("open dir for write: %d %s\n", fd, errno_name(errno));
    errno = 0;
    fd = open("input.txt/", O_RDONLY);
    printf("open file as dir: %d %s\n", fd, errno_name(errno));
    return 0;
}
