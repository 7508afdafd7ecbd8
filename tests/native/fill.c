/*
 * Guest side of the native host-function test (native_host.c), compiled
 * with clang-19 --target=wasm32-wasi as a reactor (no main): it hands the
 * host function env.fill three kinds of buffer -- a local array (on the
 * wasm shadow stack in linear memory), a global array and a malloc block --
 * and checks that the host filled each one; and it calls host functions
 * that read its memory, call back into it and trap.
 *
 * Every fill_* export returns the host's checksum when the guest computes
 * the same checksum over its buffer, and -1 otherwise: the host expects the
 * three to agree.
 */
#include <stdint.h>
#include <stdlib.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

#define N 100

/* "(*~)i": fills len bytes at buf with the host's pattern, returns its checksum. */
IMPORT("fill") int32_t host_fill(void *buf, uint32_t len);
/* Raw: sums len bytes of the caller's memory at addr, read by the host. */
IMPORT("sum_memory") int32_t host_sum_memory(const void *addr, uint32_t len);
/* Raw: calls this module's export "twice" with x and returns its result + 1. */
IMPORT("call_back") int32_t host_call_back(int32_t x);
/* Raw: always traps with the host's own message. */
IMPORT("refuse") void host_refuse(void);

static uint8_t global_buf[N];

/* The same checksum as the host's: sum of byte * (index + 1). */
static int32_t checksum(const volatile uint8_t *buf, uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += (uint32_t)buf[i] * (i + 1u);
    return (int32_t)sum;
}

static int32_t verify(volatile uint8_t *buf, uint32_t len)
{
    int32_t got = host_fill((void *)buf, len);
    return got == checksum(buf, len) ? got : -1;
}

EXPORT("fill_local") int32_t fill_local(void)
{
    volatile uint8_t local[N]; /* its address escapes: lives on the shadow stack */
    for (uint32_t i = 0; i < N; i++)
        local[i] = 0;
    return verify(local, N);
}

EXPORT("fill_global") int32_t fill_global(void)
{
    return verify(global_buf, N);
}

EXPORT("fill_malloc") int32_t fill_malloc(void)
{
    volatile uint8_t *p = calloc(N, 1);
    if (p == NULL)
        return -2;
    int32_t r = verify(p, N);
    free((void *)p);
    return r;
}

/* Where the three buffers are, so the host can show they differ. */
EXPORT("where_local") uint32_t where_local(void)
{
    volatile uint8_t local[N];
    local[0] = 0;
    volatile uintptr_t at = (uintptr_t)local; /* only the address is kept */
    return (uint32_t)at;
}

EXPORT("where_global") uint32_t where_global(void)
{
    return (uint32_t)(uintptr_t)global_buf;
}

EXPORT("where_malloc") uint32_t where_malloc(void)
{
    void *p = malloc(N);
    uint32_t at = (uint32_t)(uintptr_t)p;
    free(p);
    return at;
}

/* A buffer that starts 16 bytes before the end of memory but claims 4096
 * bytes: the runtime must trap before the host function runs. */
EXPORT("fill_bad") int32_t fill_bad(void)
{
    uint32_t end = (uint32_t)__builtin_wasm_memory_size(0) * 65536u;
    return host_fill((void *)(uintptr_t)(end - 16u), 4096u);
}

/* The host reads the global buffer (after a fill) from our memory. */
EXPORT("read_back") int32_t read_back(void)
{
    if (verify(global_buf, N) < 0)
        return -1;
    return host_sum_memory(global_buf, N);
}

EXPORT("twice") int32_t twice(int32_t x)
{
    return 2 * x;
}

EXPORT("via_host") int32_t via_host(int32_t x)
{
    return host_call_back(x);
}

EXPORT("refuse") int32_t refuse(void)
{
    host_refuse();
    return 1; /* not reached: the host traps */
}

/* Native functions with many mixed parameters (native_host.c): each export
 * passes its arguments through to the import, so the host can compare what
 * arrives with a direct C call. "mix" overflows both register classes;
 * "floats" passes more f32 than there are float registers (riscv64 puts
 * the rest in integer registers, NaN-boxed in float ones); "pairs" makes
 * 32-bit Arm back-fill a single register and align an i64 pair. */
#define MIX_PARAMS(T32, T64, TF, TD)                                                          \
    T32 a1, T64 a2, TF a3, TD a4, T32 a5, T64 a6, TF a7, TD a8, T32 a9, T64 a10, TF a11,     \
        TD a12, T32 a13, T64 a14, TF a15, TD a16, T32 a17, T64 a18, TF a19, TD a20
#define MIX_ARGS a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, \
                 a18, a19, a20
IMPORT("mix") double host_mix(MIX_PARAMS(int32_t, int64_t, float, double));
IMPORT("floats") float host_floats(float, float, float, float, float, float, float, float,
                                   float, float, float, float);
IMPORT("pairs") int64_t host_pairs(double, float, double, float, int64_t, int32_t, int64_t);

EXPORT("mix") double mix(MIX_PARAMS(int32_t, int64_t, float, double))
{
    return host_mix(MIX_ARGS);
}

EXPORT("floats") float floats(float a1, float a2, float a3, float a4, float a5, float a6,
                              float a7, float a8, float a9, float a10, float a11, float a12)
{
    return host_floats(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
}

EXPORT("pairs") int64_t pairs(double a, float b, double c, float d, int64_t e, int32_t f,
                              int64_t g)
{
    return host_pairs(a, b, c, d, e, f, g);
}
