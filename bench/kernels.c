/* CPU-bound kernels, built both natively and for wasm32 by bench/run_bench.sh
 * to compare kiln's code with the host compiler's. */
#include <stdint.h>

#ifdef __wasm__
#define EXPORT(name) __attribute__((export_name(#name)))
#else
#define EXPORT(name)
#endif

static uint8_t sieve_flags[1 << 20];

/* Number of primes below n (n <= 1 << 20), repeated `rounds` times. */
EXPORT(sieve) int32_t sieve(int32_t n, int32_t rounds)
{
    int32_t count = 0;
    for (int32_t r = 0; r < rounds; r++) {
        count = 0;
        for (int32_t i = 0; i < n; i++)
            sieve_flags[i] = 1;
        for (int32_t i = 2; i < n; i++) {
            if (!sieve_flags[i])
                continue;
            count++;
            for (int32_t k = i + i; k < n; k += i)
                sieve_flags[k] = 0;
        }
    }
    return count;
}

EXPORT(fib) int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

#define N 128
static double ma[N * N], mb[N * N], mc[N * N];

/* Dense N x N matrix multiply, `rounds` times; returns a checksum. */
EXPORT(matmul) double matmul(int32_t rounds)
{
    for (int32_t i = 0; i < N * N; i++) {
        ma[i] = (double)(i % 17) * 0.5;
        mb[i] = (double)(i % 13) * 0.25;
    }
    for (int32_t r = 0; r < rounds; r++)
        for (int32_t i = 0; i < N; i++)
            for (int32_t j = 0; j < N; j++) {
                double s = 0;
                for (int32_t k = 0; k < N; k++)
                    s += ma[i * N + k] * mb[k * N + j];
                mc[i * N + j] = s;
            }
    double sum = 0;
    for (int32_t i = 0; i < N * N; i++)
        sum += mc[i];
    return sum;
}

/* 32-bit FNV-1a over a generated buffer, `rounds` times. */
EXPORT(hash) int32_t hash(int32_t rounds)
{
    uint32_t h = 2166136261u;
    for (int32_t r = 0; r < rounds; r++)
        for (uint32_t i = 0; i < sizeof sieve_flags; i++) {
            h ^= (uint8_t)(i * 31 + (uint32_t)r);
            h *= 16777619u;
        }
    return (int32_t)h;
}
