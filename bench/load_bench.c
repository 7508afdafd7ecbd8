/*
 * Load + instantiate time of one container, after the file is cached: runs
 * kiln_module_load_file + kiln_instance_new (and the matching frees) many
 * times and prints the median and the spread. Imports (a WASI program's,
 * say) resolve to functions that trap if called, through a linker, so any
 * module instantiates. Not a test; see
 * bench/run_load_bench.sh, which builds a module with ~1 MB of code.
 *
 * usage: load_bench FILE.aot [ITERATIONS]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kiln.h"
#include "kiln/linker.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: load_bench FILE.aot [ITERATIONS]\n");
        return 2;
    }
    int iterations = argc > 2 ? atoi(argv[2]) : 1000;
    if (iterations < 1)
        iterations = 1;
    double *load = malloc(sizeof(double) * (size_t)iterations);
    double *both = malloc(sizeof(double) * (size_t)iterations);
    kiln_error err;
    kiln_linker *linker = NULL;
    if (kiln_linker_new(&linker, &err) != KILN_OK) {
        fprintf(stderr, "load_bench: %s\n", err.message);
        return 1;
    }
    kiln_linker_trap_unknown_imports(linker, true);
    for (int i = -10; i < iterations; i++) { /* 10 warm-up rounds cache the file */
        kiln_module *m = NULL;
        kiln_instance *inst = NULL;
        double t0 = now_us();
        if (kiln_module_load_file(argv[1], &m, &err) != KILN_OK) {
            fprintf(stderr, "load_bench: %s\n", err.message);
            return 1;
        }
        double t1 = now_us();
        if (kiln_linker_instantiate(linker, m, &inst, &err) != KILN_OK) {
            fprintf(stderr, "load_bench: %s\n", err.message);
            return 1;
        }
        double t2 = now_us();
        kiln_instance_free(inst);
        kiln_module_free(m);
        if (i >= 0) {
            load[i] = t1 - t0;
            both[i] = t2 - t0;
        }
    }
    qsort(load, (size_t)iterations, sizeof *load, by_value);
    qsort(both, (size_t)iterations, sizeof *both, by_value);
    int n = iterations;
    printf("%s: %d iterations\n", argv[1], n);
    printf("  load:               median %8.1f us  (p10 %.1f, p90 %.1f)\n", load[n / 2],
           load[n / 10], load[n * 9 / 10]);
    printf("  load + instantiate: median %8.1f us  (p10 %.1f, p90 %.1f)\n", both[n / 2],
           both[n / 10], both[n * 9 / 10]);
    kiln_linker_free(linker);
    free(load);
    free(both);
    return 0;
}
