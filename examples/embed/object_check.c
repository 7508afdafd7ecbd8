/* Links the module compiled with kiln_precompile(... FORMAT object): the
 * object defines the wasm function kiln_f0 (fib); printing its address
 * proves it was linked in. */
#include <stdio.h>

extern char kiln_f0[];

int main(void)
{
    printf("kiln_f0 linked at %p\n", (void *)kiln_f0);
    return 0;
}
