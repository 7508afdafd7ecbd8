/*
 * Bulk memory and table helpers, ref.func, and atomic wait/notify (see
 * helpers_bulk.h and aot_format.h).
 *
 * Bounds rules (wasm 2.0): every range is checked in full before anything
 * is written, so a trapping fill/copy/init changes nothing; n == 0 at the
 * very end is in bounds; a dropped segment behaves as one of size 0.
 * Copies use memmove, so overlapping ranges copy as if through a buffer.
 *
 * Wait/notify: one process-wide list of waiters keyed by host address,
 * guarded by one mutex; each waiter sleeps on its own condition variable
 * (CLOCK_MONOTONIC). The value check in wait and the enqueue happen under
 * the mutex that notify takes, so a notify after the check is never lost.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "extern.h"
#include "helpers_bulk.h"
#include "instance.h"
#include "platform/platform.h"
#include "trap.h"


static kiln_instance *inst_of(void *vmctx)
{
    return ins_from_vmctx(vmctx);
}

static mem_memory *memory_of(kiln_instance *inst, uint32_t mem)
{
    if (mem >= inst->module->memory_count)
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    return inst->memories[mem];
}

static ins_table *table_of(kiln_instance *inst, uint32_t table)
{
    if (table >= inst->module->table_count)
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_TABLE);
    return inst->tables[table];
}

static bool range_ok(uint64_t start, uint64_t n, uint64_t size)
{
    return start <= size && n <= size - start;
}

/* ---- memory ---------------------------------------------------------------------- */

void hlp_memory_fill(void *vmctx, uint32_t mem, uint32_t dst, uint32_t value, uint32_t n)
{
    mem_memory *m = memory_of(inst_of(vmctx), mem);
    if (!range_ok(dst, n, m->size_bytes))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    memset(m->base + dst, (int)(value & 0xFFu), n);
}

void hlp_memory_copy(void *vmctx, uint32_t dst_mem, uint32_t src_mem, uint32_t dst,
                     uint32_t src, uint32_t n)
{
    kiln_instance *inst = inst_of(vmctx);
    mem_memory *d = memory_of(inst, dst_mem);
    mem_memory *s = memory_of(inst, src_mem);
    if (!range_ok(dst, n, d->size_bytes) || !range_ok(src, n, s->size_bytes))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    memmove(d->base + dst, s->base + src, n);
}

void hlp_memory_init(void *vmctx, uint32_t mem, uint32_t data, uint32_t dst, uint32_t src,
                     uint32_t n)
{
    kiln_instance *inst = inst_of(vmctx);
    mem_memory *m = memory_of(inst, mem);
    if (data >= inst->module->data_count)
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    const ld_data *d = &inst->module->datas[data];
    uint64_t seg_size = inst->data_dropped[data] ? 0 : d->size;
    if (!range_ok(src, n, seg_size) || !range_ok(dst, n, m->size_bytes))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    if (n != 0)
        memcpy(m->base + dst, d->bytes + src, n);
}

void hlp_data_drop(void *vmctx, uint32_t data)
{
    kiln_instance *inst = inst_of(vmctx);
    if (data < inst->module->data_count)
        inst->data_dropped[data] = true;
}

/* ---- tables ------------------------------------------------------------------------ */

uint32_t hlp_table_grow(void *vmctx, uint32_t table, void *init, uint32_t delta)
{
    ins_table *t = table_of(inst_of(vmctx), table);
    uint64_t old_size = t->size;
    uint64_t new_size = old_size + delta;
    uint64_t limit = t->max < INS_TABLE_MAX_ELEMENTS ? t->max : INS_TABLE_MAX_ELEMENTS;
    if (new_size > limit)
        return 0xFFFFFFFFu;
    if (delta == 0)
        return (uint32_t)old_size;
    if (!ext_table_storage_grow(t, (uint32_t)new_size, init))
        return 0xFFFFFFFFu;
    return (uint32_t)old_size;
}

void hlp_table_fill(void *vmctx, uint32_t table, uint32_t dst, void *value, uint32_t n)
{
    ins_table *t = table_of(inst_of(vmctx), table);
    if (!range_ok(dst, n, t->size))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_TABLE);
    for (uint32_t i = 0; i < n; i++)
        t->elements[dst + i] = value;
}

void hlp_table_copy(void *vmctx, uint32_t dst_table, uint32_t src_table, uint32_t dst,
                    uint32_t src, uint32_t n)
{
    kiln_instance *inst = inst_of(vmctx);
    ins_table *d = table_of(inst, dst_table);
    ins_table *s = table_of(inst, src_table);
    if (!range_ok(dst, n, d->size) || !range_ok(src, n, s->size))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_TABLE);
    if (n != 0)
        memmove(d->elements + dst, s->elements + src, (size_t)n * sizeof *d->elements);
}

void hlp_table_init(void *vmctx, uint32_t table, uint32_t elem, uint32_t dst, uint32_t src,
                    uint32_t n)
{
    kiln_instance *inst = inst_of(vmctx);
    ins_table *t = table_of(inst, table);
    if (elem >= inst->module->elem_count)
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_TABLE);
    uint64_t seg_size = inst->elem_dropped[elem] ? 0 : inst->module->elems[elem].item_count;
    if (!range_ok(src, n, seg_size) || !range_ok(dst, n, t->size))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_TABLE);
    if (n != 0)
        memcpy(t->elements + dst, inst->elem_values[elem] + src, (size_t)n * sizeof(void *));
}

void hlp_elem_drop(void *vmctx, uint32_t elem)
{
    kiln_instance *inst = inst_of(vmctx);
    if (elem < inst->module->elem_count)
        inst->elem_dropped[elem] = true;
}

void *hlp_func_ref(void *vmctx, uint32_t func_index)
{
    kiln_instance *inst = inst_of(vmctx);
    if (func_index >= inst->module->func_count)
        trap_raise(KILN_TRAP_UNDEFINED_ELEMENT);
    return &inst->funcrefs[func_index];
}

/* ---- wait / notify ----------------------------------------------------------------- */

typedef struct hlp_waiter {
    const void *address;
    os_cond cond;
    bool woken;
    struct hlp_waiter *next;
} hlp_waiter;

static os_mutex wait_lock = OS_MUTEX_INIT;
static hlp_waiter *wait_head; /* FIFO: notify wakes the oldest first */

/* Host address of [addr, addr + width) in a shared memory; traps otherwise. */
static uint8_t *wait_address(void *vmctx, uint32_t mem, uint32_t addr, uint32_t width)
{
    kiln_instance *inst = inst_of(vmctx);
    mem_memory *m = memory_of(inst, mem);
    if ((inst->memory_objs[mem]->limits.flags & KILN_LIMITS_SHARED) == 0)
        trap_raise_message(KILN_TRAP_HOST, "expected shared memory");
    if (!range_ok(addr, width, m->size_bytes))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    return m->base + addr;
}

static void waiter_unlink(hlp_waiter *w)
{
    for (hlp_waiter **p = &wait_head; *p != NULL; p = &(*p)->next) {
        if (*p == w) {
            *p = w->next;
            return;
        }
    }
}

/* Called with wait_lock held and the value already compared equal. */
static uint32_t wait_locked(const void *address, int64_t timeout_ns)
{
    hlp_waiter w;
    memset(&w, 0, sizeof w);
    w.address = address;
    if (!os_cond_init(&w.cond))
        return 2; /* cannot wait: as if the time had passed */
    hlp_waiter **tail = &wait_head;
    while (*tail != NULL)
        tail = &(*tail)->next;
    *tail = &w;

    int64_t deadline = -1;
    if (timeout_ns >= 0) {
        int64_t now = os_clock_monotonic_ns();
        deadline = timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
    }
    uint32_t result = 0;
    while (!w.woken) {
        if (!os_cond_wait(&w.cond, &wait_lock, deadline)) {
            if (!w.woken)
                result = 2;
            break;
        }
    }
    if (!w.woken)
        waiter_unlink(&w);
    os_cond_destroy(&w.cond);
    return result;
}

uint32_t hlp_atomic_wait32(void *vmctx, uint32_t mem, uint32_t addr, uint32_t expected,
                           int64_t timeout_ns)
{
    uint8_t *p = wait_address(vmctx, mem, addr, 4);
    os_mutex_lock(&wait_lock);
    uint32_t now = atomic_load((_Atomic uint32_t *)(void *)p);
    uint32_t r = now != expected ? 1u : wait_locked(p, timeout_ns);
    os_mutex_unlock(&wait_lock);
    return r;
}

uint32_t hlp_atomic_wait64(void *vmctx, uint32_t mem, uint32_t addr, uint64_t expected,
                           int64_t timeout_ns)
{
    uint8_t *p = wait_address(vmctx, mem, addr, 8);
    os_mutex_lock(&wait_lock);
    uint64_t now = atomic_load((_Atomic uint64_t *)(void *)p);
    uint32_t r = now != expected ? 1u : wait_locked(p, timeout_ns);
    os_mutex_unlock(&wait_lock);
    return r;
}

uint32_t hlp_atomic_notify(void *vmctx, uint32_t mem, uint32_t addr, uint32_t count)
{
    kiln_instance *inst = inst_of(vmctx);
    mem_memory *m = memory_of(inst, mem);
    if (!range_ok(addr, 4, m->size_bytes))
        trap_raise(KILN_TRAP_OUT_OF_BOUNDS_MEMORY);
    /* Nobody can wait on an unshared memory: nothing to wake. */
    if ((inst->memory_objs[mem]->limits.flags & KILN_LIMITS_SHARED) == 0)
        return 0;
    const void *address = m->base + addr;
    uint32_t woken = 0;
    os_mutex_lock(&wait_lock);
    for (hlp_waiter **p = &wait_head; *p != NULL && woken < count;) {
        hlp_waiter *w = *p;
        if (w->address == address) {
            *p = w->next;
            w->woken = true;
            os_cond_signal(&w->cond);
            woken++;
        } else {
            p = &w->next;
        }
    }
    os_mutex_unlock(&wait_lock);
    return woken;
}
