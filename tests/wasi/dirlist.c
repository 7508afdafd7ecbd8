/* Directory listing: creates entries of each kind, lists them sorted (the
 * order of readdir is the file system's), with types, and checks that a
 * listing of many long names comes back complete. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_test_util.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        printf("opendir %s: %s\n", path, errno_name(errno));
        return;
    }
    char *names[256];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 256) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        const char *kind = de->d_type == DT_DIR ? "dir" : de->d_type == DT_REG ? "file"
                           : de->d_type == DT_LNK ? "link" : "other";
        char *entry = malloc(strlen(de->d_name) + 16);
        sprintf(entry, "%s (%s)", de->d_name, kind);
        names[n++] = entry;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("%s: %d entries\n", path, n);
    for (int i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
}

int main(void)
{
    printf("mkdir listing: %d\n", mkdir("listing", 0755));
    int rc = mkdir("listing", 0755);
    printf("mkdir listing again: %d %s\n", rc, errno_name(errno));
    mkdir("listing/child", 0755);
    FILE *f = fopen("listing/file.txt", "w");
    fclose(f);
    printf("symlink: %d\n", symlink("file.txt", "listing/link"));
    list("listing");
    /* Enough long names to need several fd_readdir calls. */
    mkdir("many", 0755);
    char path[128];
    for (int i = 0; i < 60; i++) {
        snprintf(path, sizeof path, "many/entry_with_a_rather_long_name_number_%03d", i);
        f = fopen(path, "w");
        fclose(f);
    }
    DIR *d = opendir("many");
    int count = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        count += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    printf("many: %d entries\n", count);
    list("sub");
    list("nonexistent");
    return 0;
}
