/*
 * The firmware's host functions (see mcu_wasi.h). WASI functions return a
 * WASI errno (0 success, 8 EBADF, 21 EFAULT for a pointer outside memory,
 * 28 EINVAL, 70 ESPIPE); the "env" functions trap on a bad pointer. Output
 * goes through the C library's stdout and stderr, semihosting here.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kiln/host.h"
#include "mcu_wasi.h"

#define WASI_ESUCCESS 0
#define WASI_EBADF 8
#define WASI_EFAULT 21
#define WASI_EINVAL 28
#define WASI_ESPIPE 70

typedef struct mcu_wasi {
    const char *program;
    int argc;
    char **argv;
    const char *const *env;
    size_t env_count;
} mcu_wasi;

static mcu_wasi wasi_state;

/* [ptr, ptr + len) of memory 0 as a native pointer, or NULL. */
static uint8_t *memory_range(kiln_caller *caller, uint32_t ptr, uint64_t len)
{
    uint64_t size = 0;
    uint8_t *base = kiln_caller_memory(caller, &size);
    if (base == NULL || ptr > size || len > size - ptr)
        return NULL;
    return base + ptr;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* the target is little-endian, as wasm */
}

static void put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static kiln_status ret_errno(kiln_val *results, int32_t wasi_errno)
{
    results[0].kind = KILN_I32;
    results[0].of.i32 = wasi_errno;
    return KILN_OK;
}

static const char *arg_at(const mcu_wasi *w, size_t i)
{
    return i == 0 ? w->program : w->argv[i - 1];
}

/* Writes a string list (args or environ): count and total size, or the
 * pointers and the NUL-terminated bytes. */
static int32_t list_sizes(kiln_caller *caller, size_t count, const char *(*at)(size_t),
                          uint32_t count_ptr, uint32_t size_ptr)
{
    uint8_t *c = memory_range(caller, count_ptr, 4);
    uint8_t *s = memory_range(caller, size_ptr, 4);
    if (c == NULL || s == NULL)
        return WASI_EFAULT;
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += strlen(at(i)) + 1;
    put_u32(c, (uint32_t)count);
    put_u32(s, (uint32_t)total);
    return WASI_ESUCCESS;
}

static int32_t list_get(kiln_caller *caller, size_t count, const char *(*at)(size_t),
                        uint32_t ptrs, uint32_t buf)
{
    uint8_t *p = memory_range(caller, ptrs, (uint64_t)count * 4u);
    if (p == NULL)
        return WASI_EFAULT;
    uint32_t offset = buf;
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(at(i)) + 1;
        uint8_t *dst = memory_range(caller, offset, n);
        if (dst == NULL)
            return WASI_EFAULT;
        memcpy(dst, at(i), n);
        put_u32(p + 4 * i, offset);
        offset += (uint32_t)n;
    }
    return WASI_ESUCCESS;
}

static const char *arg_of(size_t i)
{
    return arg_at(&wasi_state, i);
}

static const char *env_of(size_t i)
{
    return wasi_state.env[i];
}

static size_t arg_count(void)
{
    return (size_t)wasi_state.argc + 1u;
}

static kiln_status args_sizes_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    return ret_errno(r, list_sizes(c, arg_count(), arg_of, (uint32_t)a[0].of.i32,
                                   (uint32_t)a[1].of.i32));
}

static kiln_status args_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    return ret_errno(r, list_get(c, arg_count(), arg_of, (uint32_t)a[0].of.i32,
                                 (uint32_t)a[1].of.i32));
}

static kiln_status environ_sizes_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    return ret_errno(r, list_sizes(c, wasi_state.env_count, env_of, (uint32_t)a[0].of.i32,
                                   (uint32_t)a[1].of.i32));
}

static kiln_status environ_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    return ret_errno(r, list_get(c, wasi_state.env_count, env_of, (uint32_t)a[0].of.i32,
                                 (uint32_t)a[1].of.i32));
}

static kiln_status fd_write(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    int32_t fd = a[0].of.i32;
    uint32_t iovs = (uint32_t)a[1].of.i32, iovs_len = (uint32_t)a[2].of.i32;
    FILE *out = fd == 1 ? stdout : fd == 2 ? stderr : NULL;
    if (out == NULL)
        return ret_errno(r, WASI_EBADF);
    uint8_t *vec = memory_range(c, iovs, (uint64_t)iovs_len * 8u);
    uint8_t *written = memory_range(c, (uint32_t)a[3].of.i32, 4);
    if (vec == NULL || written == NULL)
        return ret_errno(r, WASI_EFAULT);
    uint32_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint32_t ptr, len;
        memcpy(&ptr, vec + 8 * i, 4);
        memcpy(&len, vec + 8 * i + 4, 4);
        const uint8_t *bytes = memory_range(c, ptr, len);
        if (bytes == NULL)
            return ret_errno(r, WASI_EFAULT);
        total += (uint32_t)fwrite(bytes, 1, len, out);
    }
    fflush(out);
    put_u32(written, total);
    return ret_errno(r, WASI_ESUCCESS);
}

static kiln_status fd_fdstat_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    if (a[0].of.i32 < 0 || a[0].of.i32 > 2)
        return ret_errno(r, WASI_EBADF);
    uint8_t *st = memory_range(c, (uint32_t)a[1].of.i32, 24);
    if (st == NULL)
        return ret_errno(r, WASI_EFAULT);
    memset(st, 0, 24);
    st[0] = 2; /* character device */
    /* fd_read (bit 1) for stdin, fd_write (bit 6) for stdout/stderr. */
    put_u64(st + 8, a[0].of.i32 == 0 ? 1u << 1 : 1u << 6);
    return ret_errno(r, WASI_ESUCCESS);
}

static kiln_status fd_seek(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)c, (void)u;
    return ret_errno(r, a[0].of.i32 >= 0 && a[0].of.i32 <= 2 ? WASI_ESPIPE : WASI_EBADF);
}

static kiln_status fd_close(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)c, (void)u;
    return ret_errno(r, a[0].of.i32 >= 0 && a[0].of.i32 <= 2 ? WASI_ESUCCESS : WASI_EBADF);
}

static kiln_status fd_prestat_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)c, (void)u, (void)a;
    return ret_errno(r, WASI_EBADF); /* no preopened directories */
}

/* Realtime: semihosting's SYS_TIME (seconds); monotonic and CPU time: the
 * C library's clock() (SYS_CLOCK, centiseconds). */
static bool clock_now(int32_t id, uint64_t *ns, uint64_t *resolution)
{
    switch (id) {
    case 0:
        *ns = (uint64_t)time(NULL) * 1000000000u;
        *resolution = 1000000000u;
        return true;
    case 1:
    case 2:
    case 3:
        *ns = (uint64_t)clock() * (1000000000u / CLOCKS_PER_SEC);
        *resolution = 1000000000u / CLOCKS_PER_SEC;
        return true;
    default:
        return false;
    }
}

static kiln_status clock_time_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    uint64_t ns, resolution;
    if (!clock_now(a[0].of.i32, &ns, &resolution))
        return ret_errno(r, WASI_EINVAL);
    uint8_t *out = memory_range(c, (uint32_t)a[2].of.i32, 8);
    if (out == NULL)
        return ret_errno(r, WASI_EFAULT);
    put_u64(out, ns);
    return ret_errno(r, WASI_ESUCCESS);
}

static kiln_status clock_res_get(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u;
    uint64_t ns, resolution;
    if (!clock_now(a[0].of.i32, &ns, &resolution))
        return ret_errno(r, WASI_EINVAL);
    uint8_t *out = memory_range(c, (uint32_t)a[1].of.i32, 8);
    if (out == NULL)
        return ret_errno(r, WASI_EFAULT);
    put_u64(out, resolution);
    return ret_errno(r, WASI_ESUCCESS);
}

static kiln_status sched_yield(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)c, (void)u, (void)a;
    return ret_errno(r, WASI_ESUCCESS);
}

static kiln_status proc_exit(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u, (void)r;
    return kiln_caller_exit(c, a[0].of.i32);
}

typedef struct host_def {
    const char *name;
    const char *params; /* i I f F per parameter */
    const char *results;
    kiln_host_fn fn;
} host_def;

static const host_def wasi_defs[] = {
    {"args_sizes_get", "ii", "i", args_sizes_get},
    {"args_get", "ii", "i", args_get},
    {"environ_sizes_get", "ii", "i", environ_sizes_get},
    {"environ_get", "ii", "i", environ_get},
    {"fd_write", "iiii", "i", fd_write},
    {"fd_fdstat_get", "ii", "i", fd_fdstat_get},
    {"fd_seek", "iIii", "i", fd_seek},
    {"fd_close", "i", "i", fd_close},
    {"fd_prestat_get", "ii", "i", fd_prestat_get},
    {"fd_prestat_dir_name", "iii", "i", fd_prestat_get},
    {"clock_time_get", "iIi", "i", clock_time_get},
    {"clock_res_get", "ii", "i", clock_res_get},
    {"sched_yield", "", "i", sched_yield},
    {"proc_exit", "i", "", proc_exit},
};

static kiln_valkind kind_of(char c)
{
    switch (c) {
    case 'I': return KILN_I64;
    case 'f': return KILN_F32;
    case 'F': return KILN_F64;
    default: return KILN_I32;
    }
}

static kiln_status define_all(kiln_linker *linker, const char *module, const host_def *defs,
                              size_t count, kiln_error *err)
{
    for (size_t i = 0; i < count; i++) {
        kiln_valkind kinds[8];
        size_t np = strlen(defs[i].params), nr = strlen(defs[i].results);
        for (size_t k = 0; k < np; k++)
            kinds[k] = kind_of(defs[i].params[k]);
        for (size_t k = 0; k < nr; k++)
            kinds[np + k] = kind_of(defs[i].results[k]);
        kiln_func_type type = {(uint32_t)np, (uint32_t)nr, kinds, kinds + np};
        kiln_status st =
            kiln_linker_define_func(linker, module, defs[i].name, &type, defs[i].fn, NULL, err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

kiln_status mcu_wasi_define(kiln_linker *linker, const char *program, int argc, char **argv,
                            const char *const *env, size_t env_count, kiln_error *err)
{
    wasi_state.program = program;
    wasi_state.argc = argc;
    wasi_state.argv = argv;
    wasi_state.env = env;
    wasi_state.env_count = env_count;
    return define_all(linker, "wasi_snapshot_preview1", wasi_defs,
                      sizeof wasi_defs / sizeof wasi_defs[0], err);
}

/* ---- env: the board tests' host functions ------------------------------------------
 * Native functions (kiln_linker_define_native): the runtime checks each
 * pointer of the signature against memory 0 before the function runs, and
 * passes the arguments in the AAPCS-VFP registers and stack words. */

static int32_t env_log(kiln_caller *c, const char *text, uint32_t len)
{
    (void)c;
    printf("log: %.*s", (int)len, text);
    return (int32_t)len;
}

static int32_t env_strlen(kiln_caller *c, const char *text)
{
    (void)c;
    return (int32_t)strlen(text);
}

static double env_addf(kiln_caller *c, float a, double b, int32_t i)
{
    (void)c;
    return (double)a + b + (double)i;
}

/* Every argument weighted by its position: a misplaced one changes the sum.
 * i64 in r2:r3 and on the stack, f32 back-filling a single register. */
static double env_mix(kiln_caller *c, int32_t a, int64_t b, float cc, double d, int32_t e,
                      float f, double g, int64_t h, int32_t i, float j)
{
    (void)c;
    return a * 1.0 + (double)b * 2 + cc * 3.0 + d * 4 + e * 5.0 + f * 6.0 + g * 7 +
           (double)h * 8 + i * 9.0 + j * 10.0;
}

/* Eight f64 fill d0..d7; the f32 and the f64 after them go to the stack,
 * the i32 to r1. */
static double env_many_f(kiln_caller *c, double a, double b, double cc, double d, double e,
                         double f, double g, double h, float i, double j, int32_t k)
{
    (void)c;
    return a + b * 2 + cc * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8 + i * 9.0 + j * 10 +
           k * 11.0;
}

static kiln_status env_fail(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u, (void)a, (void)r;
    return kiln_caller_trap(c, "the host says no");
}

static kiln_status env_quit(kiln_caller *c, void *u, const kiln_val *a, kiln_val *r)
{
    (void)u, (void)a, (void)r;
    return kiln_caller_exit(c, 3);
}

static const host_def env_defs[] = {
    {"fail", "", "", env_fail},
    {"quit", "", "", env_quit},
};

static const struct {
    const char *name;
    const char *signature;
    void *fn;
} env_natives[] = {
    {"log", "(*~)i", (void *)env_log},
    {"strlen", "($)i", (void *)env_strlen},
    {"addf", "(fFi)F", (void *)env_addf},
    {"mix", "(iIfFifFIif)F", (void *)env_mix},
    {"many_f", "(FFFFFFFFfFi)F", (void *)env_many_f},
};

kiln_status mcu_host_define(kiln_linker *linker, kiln_error *err)
{
    for (size_t i = 0; i < sizeof env_natives / sizeof env_natives[0]; i++) {
        kiln_status st = kiln_linker_define_native(linker, "env", env_natives[i].name,
                                                   env_natives[i].signature, env_natives[i].fn,
                                                   err);
        if (st != KILN_OK)
            return st;
    }
    return define_all(linker, "env", env_defs, sizeof env_defs / sizeof env_defs[0], err);
}
