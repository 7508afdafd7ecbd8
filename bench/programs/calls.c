/* Call-heavy code: naive recursive fib, Ackermann, and calls through a
 * table of function pointers (call_indirect in wasm). */
#include <stdint.h>
#include <stdio.h>

__attribute__((noinline)) static int32_t fib(int32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) static int32_t ack(int32_t m, int32_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

typedef uint32_t (*op_fn)(uint32_t, uint32_t);
__attribute__((noinline)) static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
__attribute__((noinline)) static uint32_t op_xor(uint32_t a, uint32_t b) { return (a ^ b) * 3u; }
__attribute__((noinline)) static uint32_t op_rot(uint32_t a, uint32_t b) { return (a << 5 | a >> 27) + b; }
__attribute__((noinline)) static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }

static op_fn ops[4] = {op_add, op_xor, op_rot, op_mul};
volatile int32_t fib_n = 34;

int main(void)
{
    int32_t f = fib(fib_n);
    int32_t a = ack(2, 3000) + ack(3, 8);
    uint32_t x = 1;
    for (uint32_t i = 0; i < 150000000u; i++)
        x = ops[(x >> 3) & 3](x, i);
    printf("calls %d %d %u\n", f, a, x);
    return 0;
}
