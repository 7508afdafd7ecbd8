/* Native driver for bench/kernels.c: runs one kernel by name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t sieve(int32_t n, int32_t rounds);
int32_t fib(int32_t n);
double matmul(int32_t rounds);
int32_t hash(int32_t rounds);

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *k = argv[1];
    int32_t a = atoi(argv[2]), b = argc > 3 ? atoi(argv[3]) : 0;
    if (strcmp(k, "sieve") == 0) printf("%d\n", sieve(a, b));
    else if (strcmp(k, "fib") == 0) printf("%d\n", fib(a));
    else if (strcmp(k, "matmul") == 0) printf("%.17g\n", matmul(a));
    else if (strcmp(k, "hash") == 0) printf("%d\n", hash(a));
    else return 2;
    return 0;
}
