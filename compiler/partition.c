/*
 * Parallel compilation of large modules (driver.h): the defined functions
 * are cut into partitions of about equal wasm code size, each partition is
 * lowered, optimised and emitted as its own object by a worker thread with
 * its own LLVMContext and target machine, and the objects are linked into
 * one image in partition order (emit_image_from_objects).
 *
 * Partitions, not threads, decide the output: workers take partitions from
 * a shared counter, but every partition's object is the same whichever
 * worker builds it, so the container is identical for any thread count.
 * The cost of partitioning is inlining: a call into another partition stays
 * a call, so a partition holds many functions (about 1 MiB of wasm code).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "driver.h"
#include "kiln_common.h"

#define KC_PARTITION_CODE_BYTES (1u << 20)
#define KC_MAX_PARTITIONS 64u
#define KC_MAX_THREADS 64u

/* Bytes of wasm code of the defined functions. */
static uint64_t code_bytes(const wasm_module *m)
{
    uint64_t total = 0;
    for (uint32_t f = m->func_import_count; f < m->func_count; f++)
        total += m->funcs[f].body_size;
    return total;
}

uint32_t kc_partition_count(const wasm_module *module, const kilnc_options *options)
{
    if (options->format != KILNC_FORMAT_AOT)
        return 1; /* one object, one listing */
    uint32_t defined = module->func_count - module->func_import_count;
    uint64_t code = code_bytes(module);
    uint64_t parts = options->partitions != 0
                         ? options->partitions
                         : (code + KC_PARTITION_CODE_BYTES - 1) / KC_PARTITION_CODE_BYTES;
    if (parts > KC_MAX_PARTITIONS)
        parts = KC_MAX_PARTITIONS;
    if (parts > defined)
        parts = defined;
    return parts > 1 ? (uint32_t)parts : 1;
}

typedef struct kc_part {
    kc_range range;
    uint8_t *object;
    size_t object_size;
    uint64_t helpers_used;
    kiln_status status;
    kiln_error err;
} kc_part;

typedef struct kc_work {
    const wasm_module *module;
    const kilnc_options *options;
    kc_part *parts;
    uint32_t count;
    atomic_uint next;
    pthread_mutex_t progress_lock; /* serialises options->progress */
    uint32_t funcs_done;           /* under progress_lock */
} kc_work;

/* Cuts [import_count, func_count) into count ranges of about equal code. */
static void cut_partitions(const wasm_module *m, kc_part *parts, uint32_t count)
{
    uint64_t total = code_bytes(m);
    uint32_t f = m->func_import_count;
    uint64_t done = 0;
    for (uint32_t p = 0; p < count; p++) {
        parts[p].range.first = f;
        parts[p].range.trampolines = p == 0;
        uint64_t goal = total * (p + 1) / count;
        uint32_t left = count - p - 1; /* partitions after this one need a function each */
        do {
            done += m->funcs[f].body_size;
            f++;
        } while (f < m->func_count - left && done < goal);
        if (p == count - 1)
            f = m->func_count;
        parts[p].range.end = f;
    }
}

static void build_part(const kc_work *work, kc_part *part)
{
    kc_unit unit;
    part->status = kc_unit_build(work->module, work->options, part->range, &unit, &part->err);
    if (part->status == KILN_OK)
        part->status = kc_unit_object(&unit, &part->object, &part->object_size, &part->err);
    if (part->status == KILN_OK)
        part->helpers_used = cg_module_helpers_used(unit.cgm);
    kc_unit_free(&unit);
}

/* pthreads rather than C11 threads: sanitizers (TSan) intercept them. */
static void *worker(void *arg)
{
    kc_work *work = arg;
    for (;;) {
        uint32_t i = atomic_fetch_add(&work->next, 1u);
        if (i >= work->count)
            return NULL;
        build_part(work, &work->parts[i]);
        if (work->options->progress != NULL) {
            const kc_part *part = &work->parts[i];
            pthread_mutex_lock(&work->progress_lock);
            work->funcs_done += part->range.end - part->range.first;
            work->options->progress(work->options->progress_user, work->funcs_done,
                                    work->module->func_count - work->module->func_import_count);
            pthread_mutex_unlock(&work->progress_lock);
        }
    }
}

static unsigned thread_count(const kilnc_options *options, uint32_t parts)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = options->threads != 0 ? options->threads : (online > 0 ? (unsigned)online : 1);
    if (n > parts)
        n = parts;
    return n > KC_MAX_THREADS ? KC_MAX_THREADS : n;
}

kiln_status kc_compile_partitions(const wasm_module *module, const kilnc_options *options,
                                  uint32_t parts, emit_image **image, uint64_t *helpers_used,
                                  kiln_error *err)
{
    kc_work work = {module, options, calloc(parts, sizeof(kc_part)), parts, 0,
                    PTHREAD_MUTEX_INITIALIZER, 0};
    if (work.parts == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
    cut_partitions(module, work.parts, parts);

    /* This thread works too; extra threads that cannot start leave their
     * share to the others. */
    pthread_t threads[KC_MAX_THREADS];
    unsigned started = 0, wanted = thread_count(options, parts);
    while (started + 1 < wanted && pthread_create(&threads[started], NULL, worker, &work) == 0)
        started++;
    worker(&work);
    for (unsigned t = 0; t < started; t++)
        pthread_join(threads[t], NULL);

    /* The first failing partition's error: the same one on every run. */
    kiln_status st = KILN_OK;
    for (uint32_t p = 0; p < parts && st == KILN_OK; p++) {
        if (work.parts[p].status != KILN_OK) {
            st = work.parts[p].status;
            if (err != NULL)
                *err = work.parts[p].err;
        }
    }
    const uint8_t **objects = NULL;
    size_t *sizes = NULL;
    if (st == KILN_OK) {
        objects = calloc(parts, sizeof *objects);
        sizes = calloc(parts, sizeof *sizes);
        if (objects == NULL || sizes == NULL)
            st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
    }
    if (st == KILN_OK) {
        *helpers_used = 0;
        for (uint32_t p = 0; p < parts; p++) {
            objects[p] = work.parts[p].object;
            sizes[p] = work.parts[p].object_size;
            *helpers_used |= work.parts[p].helpers_used;
        }
        emit_image_options link = {.xip = options->xip != 0};
        st = emit_image_link(objects, sizes, parts, &link, image, err);
    }
    free(objects);
    free(sizes);
    for (uint32_t p = 0; p < parts; p++)
        free(work.parts[p].object);
    free(work.parts);
    pthread_mutex_destroy(&work.progress_lock);
    return st;
}
