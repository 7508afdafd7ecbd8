/*
 * The library of the pre-linking benchmark (bench/run_prelink_bench.sh):
 * small hot functions another module calls in a loop. Module "lib": its
 * own memory (the table) and globals.
 */
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

static uint32_t table[256];
static uint32_t calls;
static int32_t values[4096];

EXPORT("init") void init(uint32_t seed)
{
    for (uint32_t i = 0; i < 256; i++) {
        seed = seed * 1664525u + 1013904223u;
        table[i] = seed;
    }
    for (uint32_t i = 0; i < 4096; i++)
        values[i] = (int32_t)(i * 2654435761u >> 20) - 2048;
}

/* One step of a table-driven hash: a load from lib's memory, a few ALU ops. */
EXPORT("mix") uint32_t mix(uint32_t h, uint32_t x)
{
    h ^= x + table[(h ^ x) & 255u];
    h *= 0x01000193u;
    return h ^ (h >> 15);
}

/* An accessor: element i (mod 4096) of lib's array, filled by init. */
EXPORT("get") int32_t get(uint32_t i)
{
    return values[i & 4095u];
}

/* A float leaf: squared distance. */
EXPORT("dist2") double dist2(double ax, double ay, double bx, double by)
{
    double dx = ax - bx, dy = ay - by;
    return dx * dx + dy * dy;
}

/* Touches lib's global: how many times count() ran. */
EXPORT("count") uint32_t count(void)
{
    return ++calls;
}
