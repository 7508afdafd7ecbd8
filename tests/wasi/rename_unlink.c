/* Renaming and removing: files, directories, over existing targets, and the
 * errors for the cases that must fail. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_test_util.h"

static void report(const char *what, int rc)
{
    printf("%-32s %s\n", what, rc == 0 ? "OK" : errno_name(errno));
    errno = 0;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void touch(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    touch("a.txt", "A");
    touch("b.txt", "B");
    report("rename a.txt c.txt", rename("a.txt", "c.txt"));
    printf("a.txt exists %d, c.txt exists %d\n", exists("a.txt"), exists("c.txt"));
    report("rename c.txt over b.txt", rename("c.txt", "b.txt"));
    FILE *f = fopen("b.txt", "r");
    printf("b.txt now holds %c\n", fgetc(f));
    fclose(f);
    report("rename missing", rename("missing", "x"));
    report("mkdir d", mkdir("d", 0755));
    report("rename b.txt d/b.txt", rename("b.txt", "d/b.txt"));
    report("rmdir d (not empty)", rmdir("d"));
    report("unlink d (a directory)", unlink("d"));
    report("rename d e", rename("d", "e"));
    report("unlink e/b.txt", unlink("e/b.txt"));
    report("unlink e/b.txt again", unlink("e/b.txt"));
    report("rmdir e", rmdir("e"));
    report("rmdir e again", rmdir("e"));
    touch("f.txt", "F");
    report("link f.txt g.txt", link("f.txt", "g.txt"));
    struct stat st;
    stat("f.txt", &st);
    printf("f.txt nlink %ld\n", (long)st.st_nlink);
    report("unlink f.txt", unlink("f.txt"));
    report("unlink g.txt", unlink("g.txt"));
    report("rmdir input.txt", rmdir("input.txt"));
    return 0;
}
