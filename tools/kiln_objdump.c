/*
 * kiln-objdump: describes kiln containers (header, target, CPU features,
 * sections, imports, exports) without loading them, through
 * kilnc_inspect. The same report as `kilnc --inspect`, under the name
 * people look for next to a compiler.
 *
 *   kiln-objdump FILE.aot...
 *
 * Exit status: 0 when every file was described, 1 when one could not be
 * read or is not a container, 2 for bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kiln_compiler.h"

static int describe(const char *path, int many)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "kiln-objdump: error: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (S_ISDIR(st.st_mode)) {
        fprintf(stderr, "kiln-objdump: error: %s is a directory\n", path);
        return 1;
    }
    FILE *f = fopen(path, "rb");
    uint8_t *data = f != NULL && st.st_size > 0 ? malloc((size_t)st.st_size) : NULL;
    size_t size = data != NULL ? fread(data, 1, (size_t)st.st_size, f) : 0;
    if (f == NULL || (st.st_size > 0 && (data == NULL || size != (size_t)st.st_size))) {
        fprintf(stderr, "kiln-objdump: error: %s: cannot read it\n", path);
        if (f != NULL)
            fclose(f);
        free(data);
        return 1;
    }
    fclose(f);
    char *text = NULL;
    kiln_error err;
    kiln_status status = kilnc_inspect(data, size, &text, &err);
    free(data);
    if (status != KILN_OK) {
        if (err.offset != KILN_NO_OFFSET)
            fprintf(stderr, "kiln-objdump: error: %s:0x%llx: %s\n", path,
                    (unsigned long long)err.offset, err.message);
        else
            fprintf(stderr, "kiln-objdump: error: %s: %s\n", path, err.message);
        return 1;
    }
    if (many)
        printf("%s:\n", path);
    fputs(text, stdout);
    kilnc_buffer_free(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: kiln-objdump FILE.aot...\n"
                "Describes kiln containers: header, target, CPU features, sections,\n"
                "imports and exports (the same report as kilnc --inspect).\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("kiln-objdump (%s)\n", kilnc_version());
        return 0;
    }
    int status = 0;
    for (int i = 1; i < argc; i++)
        if (describe(argv[i], argc > 2) != 0)
            status = 1;
    return status;
}
