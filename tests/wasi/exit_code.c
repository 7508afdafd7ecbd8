/* exit(3) after buffered output: the output is flushed and the process
 * status is 3. */
#include <stdio.h>
#include <stdlib.h>

static void at_exit(void)
{
    printf("atexit handler ran\n");
}

int main(void)
{
    atexit(at_exit);
    printf("exiting with status 3\n");
    exit(3);
}
