/*
 * Host for a WASI command translated by wasm2c (wabt 1.0.32) with
 * `wasm2c -n prog`: the five WASI functions the benchmark programs import
 * (fd_write, fd_close, fd_fdstat_get, fd_seek, proc_exit), enough for
 * printf. wabt's package ships the wasm-rt runtime (wasm-rt-impl.c) but no
 * WASI implementation (its uvwasi glue is not packaged), hence this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog.h"
#include "wasm-rt-impl.h"

struct Z_wasi_snapshot_preview1_instance_t {
    wasm_rt_memory_t *memory;
};

static uint32_t load32(const wasm_rt_memory_t *m, uint64_t at)
{
    uint32_t v;
    if (at + 4 > m->size)
        wasm_rt_trap(WASM_RT_TRAP_OOB);
    memcpy(&v, m->data + at, 4);
    return v;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd,
                                       u32 iovs, u32 count, u32 written_at)
{
    wasm_rt_memory_t *m = w->memory;
    uint32_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t base = load32(m, (uint64_t)iovs + 8u * i), len = load32(m, (uint64_t)iovs + 8u * i + 4);
        if ((uint64_t)base + len > m->size)
            return 21; /* EFAULT */
        if (write(fd == 2 ? 2 : 1, m->data + base, len) != (ssize_t)len)
            return 29; /* EIO */
        total += len;
    }
    if ((uint64_t)written_at + 4 > m->size)
        return 21;
    memcpy(m->data + written_at, &total, 4);
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd)
{
    (void)w;
    (void)fd;
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t *w,
                                            u32 fd, u32 at)
{
    (void)fd;
    if ((uint64_t)at + 24 > w->memory->size)
        return 21;
    memset(w->memory->data + at, 0, 24);
    w->memory->data[at] = 2; /* character device */
    return 0;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t *w, u32 fd,
                                      u64 offset, u32 whence, u32 at)
{
    (void)w;
    (void)fd;
    (void)offset;
    (void)whence;
    (void)at;
    return 70; /* ESPIPE */
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t *w, u32 code)
{
    (void)w;
    fflush(stdout);
    exit((int)code);
}

int main(void)
{
    static Z_prog_instance_t inst;
    static struct Z_wasi_snapshot_preview1_instance_t wasi;
    wasm_rt_init();
    Z_prog_init_module();
    Z_prog_instantiate(&inst, &wasi);
    wasi.memory = &inst.w2c_memory;
    wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
    if (trap != WASM_RT_TRAP_NONE) {
        fprintf(stderr, "wasm2c: trap: %s\n", wasm_rt_strerror(trap));
        return 1;
    }
    Z_progZ__start(&inst);
    Z_prog_free(&inst);
    wasm_rt_free();
    return 0;
}
