/*
 * The main module of the pre-linking benchmark: loops calling module
 * lib's small functions (an import per iteration). Linked at run time,
 * every call goes through the import slot; pre-linked (kilnc lib.wasm
 * app.wasm), the calls are direct and LLVM inlines them.
 */
#include <stdint.h>

#define IMPORT(name) __attribute__((import_module("lib"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("init") void lib_init(uint32_t seed);
IMPORT("mix") uint32_t lib_mix(uint32_t h, uint32_t x);
IMPORT("dist2") double lib_dist2(double ax, double ay, double bx, double by);
IMPORT("count") uint32_t lib_count(void);
IMPORT("get") int32_t lib_get(uint32_t i);

static double xs[1024], ys[1024];


/* Sums lib's array through its accessor, n elements in all: a loop of
 * independent calls (inlined, it vectorises). */
EXPORT("sum") int32_t sum(uint32_t n)
{
    lib_init(12345u);
    int32_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += lib_get(i);
    return total;
}

/* n calls of lib's float leaf on app's arrays, independent of each other:
 * counts the close pairs. */
EXPORT("near") uint32_t near(uint32_t n)
{
    for (uint32_t i = 0; i < 1024; i++) {
        xs[i] = (double)(i * 7u % 1000u) * 0.001;
        ys[i] = (double)(i * 13u % 1000u) * 0.001;
    }
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = i & 1023u, b = (i * 3u + 1u) & 1023u;
        count += lib_dist2(xs[a], ys[a], xs[b], ys[b]) < 0.01;
    }
    return count;
}

/* n calls of lib's hash step, each depending on the last: the chain of
 * multiplies and loads, not the call, bounds the loop. */
EXPORT("hash") uint32_t hash(uint32_t n)
{
    lib_init(12345u);
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++)
        h = lib_mix(h, i);
    return h;
}

/* n iterations of two or three cross-module calls and some work of
 * app's own; returns a checksum. */
EXPORT("run") uint32_t run(uint32_t n)
{
    lib_init(12345u);
    for (uint32_t i = 0; i < 1024; i++) {
        xs[i] = (double)(i * 7u % 1000u) * 0.001;
        ys[i] = (double)(i * 13u % 1000u) * 0.001;
    }
    uint32_t h = 2166136261u;
    double near = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        h = lib_mix(h, i);
        uint32_t a = h & 1023u, b = (h >> 10) & 1023u;
        if (lib_dist2(xs[a], ys[a], xs[b], ys[b]) < 0.01)
            near += 1.0;
        if ((h & 0xFFu) == 0)
            lib_count();
    }
    return h ^ (uint32_t)near ^ lib_count();
}
