/* Standard streams: formatted output, unbuffered stderr (not compared),
 * reading all of stdin line by line, and an explicit fflush before exit. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    printf("hello from stdio\n");
    printf("int %d, hex %x, string '%s', char %c\n", -42, 0xbeef, "kiln", 'k');
    printf("float %.3f, exp %.2e\n", 3.14159, 12345.678);
    fprintf(stderr, "this goes to stderr\n");
    char line[256];
    int lines = 0;
    size_t bytes = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        lines++;
        bytes += strlen(line);
        for (char *p = line; *p != '\0'; p++)
            *p = (char)toupper((unsigned char)*p);
        printf("stdin %d: %s", lines, line);
    }
    printf("stdin: %d lines, %zu bytes\n", lines, bytes);
    fputs("no newline at the end", stdout);
    fflush(stdout);
    puts("");
    return 0;
}
