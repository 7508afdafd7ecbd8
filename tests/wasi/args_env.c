/* Arguments and environment. argv[0] is the program's own name and differs
 * between the native and wasm runs, so it is not printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] = '%s'\n", i, argv[i]);
    const char *k = getenv("K");
    printf("K = %s\n", k != NULL ? k : "(unset)");
    const char *missing = getenv("KILN_NOT_SET");
    printf("KILN_NOT_SET = %s\n", missing != NULL ? missing : "(unset)");
    int n = 0;
    while (environ[n] != NULL)
        n++;
    char **sorted = malloc(sizeof *sorted * (size_t)(n + 1));
    memcpy(sorted, environ, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp);
    printf("%d environment entries\n", n);
    for (int i = 0; i < n; i++)
        printf("  %s\n", sorted[i]);
    free(sorted);
    return 0;
}
