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

/*
 * 32-bit Arm: the run-time helpers of the Arm EABI (RTABI) that LLVM calls
 * where the core has no instruction: integer division (armv7-a without the
 * idiv extension), 64-bit integer <-> float conversions, double-precision
 * arithmetic on single-precision FPUs (Cortex-M4), and the EABI's memory
 * functions. libgcc and the C library (glibc, newlib) define them; their
 * real signatures do not matter here, only their addresses (Thumb entry
 * points, bit 0 set, which the image's stubs jump to as they are).
 */
#if defined(__arm__)
#define ARM_EABI_HELPERS(X)                                                      \
    X(__aeabi_idiv) X(__aeabi_uidiv) X(__aeabi_idivmod) X(__aeabi_uidivmod)      \
    X(__aeabi_ldivmod) X(__aeabi_uldivmod) X(__aeabi_llsl) X(__aeabi_llsr)       \
    X(__aeabi_lasr) X(__aeabi_lmul) X(__aeabi_l2d) X(__aeabi_ul2d) X(__aeabi_l2f) \
    X(__aeabi_ul2f) X(__aeabi_d2lz) X(__aeabi_d2ulz) X(__aeabi_f2lz)             \
    X(__aeabi_f2ulz) X(__aeabi_dadd) X(__aeabi_dsub) X(__aeabi_drsub)            \
    X(__aeabi_dmul) X(__aeabi_ddiv) X(__aeabi_dcmpeq) X(__aeabi_dcmplt)          \
    X(__aeabi_dcmple) X(__aeabi_dcmpge) X(__aeabi_dcmpgt) X(__aeabi_dcmpun)      \
    X(__aeabi_d2f) X(__aeabi_f2d) X(__aeabi_i2d) X(__aeabi_ui2d) X(__aeabi_d2iz) \
    X(__aeabi_d2uiz) X(__aeabi_memcpy) X(__aeabi_memcpy4) X(__aeabi_memcpy8)     \
    X(__aeabi_memmove) X(__aeabi_memmove4) X(__aeabi_memmove8) X(__aeabi_memset) \
    X(__aeabi_memset4) X(__aeabi_memset8) X(__aeabi_memclr) X(__aeabi_memclr4)   \
    X(__aeabi_memclr8)
#define ARM_DECLARE(name) void name(void);
ARM_EABI_HELPERS(ARM_DECLARE)
#define ARM_ENTRY(name) {#name, name},
static const libcall arch_libcalls[] = {ARM_EABI_HELPERS(ARM_ENTRY)};
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
