/*
 * The fixed list of external symbols compiled code may reference: the
 * libcalls LLVM emits for memory intrinsics and floating-point rounding.
 * The loader resolves SYMBOLS entries only from this list, so a container
 * can never bind to an arbitrary symbol of the host process.
 */
#include <math.h>
#include <string.h>

#include "module.h"
#include "platform/platform.h"

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

/* The list's names, resolved to the C library's functions (roundeven and
 * roundevenf to the two above: a stringified name is not expanded, so
 * #name stays the list's). */
#define roundeven kiln_roundeven
#define roundevenf kiln_roundevenf
#define LIBCALL_ENTRY(name) {#name, (libcall_fn)name},
static const libcall libcalls[] = {KILN_LIBCALLS_C(LIBCALL_ENTRY)};
#undef roundeven
#undef roundevenf

/*
 * 32-bit Arm: the run-time helpers of the Arm EABI (KILN_LIBCALLS_ARM_EABI).
 * libgcc and the C library (glibc, newlib) define them; their real
 * signatures do not matter here, only their addresses (Thumb entry points,
 * bit 0 set, which the image's stubs jump to as they are).
 */
#if defined(__arm__)
#define ARM_DECLARE(name) void name(void);
KILN_LIBCALLS_ARM_EABI(ARM_DECLARE)
static const libcall arch_libcalls[] = {KILN_LIBCALLS_ARM_EABI(LIBCALL_ENTRY)};
#else
static const libcall arch_libcalls[] = {{"", NULL}};
#endif

static void *find(const libcall *list, size_t count, const char *name, size_t size)
{
    for (size_t i = 0; i < count; i++) {
        if (list[i].address != NULL && strlen(list[i].name) == size &&
            memcmp(list[i].name, name, size) == 0)
            return (void *)list[i].address;
    }
    return NULL;
}

void *ld_symbol_resolve(const char *name, size_t size)
{
    void *p = find(libcalls, sizeof libcalls / sizeof libcalls[0], name, size);
    if (p == NULL)
        p = find(arch_libcalls, sizeof arch_libcalls / sizeof arch_libcalls[0], name, size);
    if (p == NULL)
        p = os_libcall_resolve(name, size);
    return p;
}

/* ---- the libcall table of XIP code (vmctx word KILN_VMCTX_LIBCALLS) ---------- */

#define LIBCALL_NAME(name) #name,
static const char *const libcall_names[] = {KILN_LIBCALLS(LIBCALL_NAME)};
#define LIBCALL_COUNT (sizeof libcall_names / sizeof libcall_names[0])
static void *libcall_table[LIBCALL_COUNT];
static os_once_flag libcall_table_once = OS_ONCE_INIT;

static void fill_libcall_table(void)
{
    for (size_t i = 0; i < LIBCALL_COUNT; i++)
        libcall_table[i] = ld_symbol_resolve(libcall_names[i], strlen(libcall_names[i]));
}

void *const *ld_libcall_table(void)
{
    os_once(&libcall_table_once, fill_libcall_table);
    return libcall_table;
}
