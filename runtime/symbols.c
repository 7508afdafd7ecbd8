/*
 * The fixed list of external symbols compiled code may reference: the
 * libcalls LLVM emits for memory intrinsics and floating-point rounding.
 * The loader resolves SYMBOLS entries only from this list, so a container
 * can never bind to an arbitrary symbol of the host process.
 */
#include <math.h>
#include <string.h>

#include "module.h"

/* Stored as a generic function pointer (a cast between function pointer
 * types is a constant expression); converted to void * on the way out,
 * which POSIX guarantees to work. */
typedef void (*libcall_fn)(void);

typedef struct libcall {
    const char *name;
    libcall_fn address;
} libcall;

/* roundeven is C23 and missing from older C libraries. nearbyint rounds
 * half to even in the default rounding mode, which wasm code never changes. */
static double kiln_roundeven(double x)
{
    return nearbyint(x);
}
static float kiln_roundevenf(float x)
{
    return nearbyintf(x);
}

static const libcall libcalls[] = {
    {"memcpy", (libcall_fn)memcpy},         {"memmove", (libcall_fn)memmove},
    {"memset", (libcall_fn)memset},         {"fmod", (libcall_fn)fmod},
    {"fmodf", (libcall_fn)fmodf},           {"ceil", (libcall_fn)ceil},
    {"ceilf", (libcall_fn)ceilf},           {"floor", (libcall_fn)floor},
    {"floorf", (libcall_fn)floorf},         {"trunc", (libcall_fn)trunc},
    {"truncf", (libcall_fn)truncf},         {"nearbyint", (libcall_fn)nearbyint},
    {"nearbyintf", (libcall_fn)nearbyintf}, {"rint", (libcall_fn)rint},
    {"rintf", (libcall_fn)rintf},           {"roundeven", (libcall_fn)kiln_roundeven},
    {"roundevenf", (libcall_fn)kiln_roundevenf}, {"sqrt", (libcall_fn)sqrt},
    {"sqrtf", (libcall_fn)sqrtf},           {"fmin", (libcall_fn)fmin},
    {"fminf", (libcall_fn)fminf},           {"fmax", (libcall_fn)fmax},
    {"fmaxf", (libcall_fn)fmaxf},
};

void *ld_symbol_resolve(const char *name, size_t size)
{
    for (size_t i = 0; i < sizeof libcalls / sizeof libcalls[0]; i++) {
        if (strlen(libcalls[i].name) == size && memcmp(libcalls[i].name, name, size) == 0)
            return (void *)libcalls[i].address;
    }
    return NULL;
}
