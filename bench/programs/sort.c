/* Sorting with an in-program sort (no libc qsort): introsort-style
 * quicksort with insertion sort for small ranges, and a merge sort, over
 * 64-bit keys. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define COUNT 2000000
#define REPS 2

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void insertion(uint64_t *a, long n)
{
    for (long i = 1; i < n; i++) {
        uint64_t v = a[i];
        long j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quick(uint64_t *a, long n)
{
    while (n > 24) {
        uint64_t x = a[0], y = a[n / 2], z = a[n - 1];
        uint64_t p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        long i = 0, j = n - 1;
        for (;;) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i >= j)
                break;
            uint64_t t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        quick(a, j + 1);
        a += j + 1;
        n -= j + 1;
    }
    insertion(a, n);
}

static void merge_sort(uint64_t *a, uint64_t *tmp, long n)
{
    for (long w = 1; w < n; w *= 2) {
        for (long lo = 0; lo < n; lo += 2 * w) {
            long mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            long i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        uint64_t *t = a;
        a = tmp;
        tmp = t;
        for (long i = 0; i < n; i++)
            tmp[i] = a[i];
        t = a;
        a = tmp;
        tmp = t;
    }
}

int main(void)
{
    uint64_t *a = malloc(COUNT * sizeof *a), *b = malloc(COUNT * sizeof *b);
    uint64_t check = 0;
    for (int r = 0; r < REPS; r++) {
        for (long i = 0; i < COUNT; i++)
            a[i] = b[i] = next() % 1000000007u;
        quick(a, COUNT);
        uint64_t *tmp = malloc(COUNT * sizeof *tmp);
        merge_sort(b, tmp, COUNT);
        free(tmp);
        for (long i = 0; i < COUNT; i += 997)
            check = check * 31 + a[i] + (b[i] == a[i]);
    }
    printf("sort %llu\n", (unsigned long long)check);
    free(a);
    free(b);
    return 0;
}
