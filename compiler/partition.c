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
 *
 * Size is measured as wasm code plus KC_FUNCTION_WEIGHT bytes per function:
 * every function costs LLVM a fixed amount (its own analyses, the inliner's
 * bookkeeping, a prologue and stack check), and what a pipeline costs per
 * function grows with the functions in one LLVM module (100,000 tiny
 * functions in one partition took 0.8 ms each at -O2, 10,000 took 0.57 ms).
 * So a module of many small functions is cut too (about 16,000 functions a
 * partition at most), and runs on every thread.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "driver.h"
#include "kiln_common.h"

#define KC_PARTITION_CODE_BYTES (1u << 20)
#define KC_FUNCTION_WEIGHT 64u
#define KC_MAX_PARTITIONS 64u
#define KC_MAX_THREADS 64u

/* What a function weighs when partitions are cut: its wasm code plus the
 * fixed cost of any function. */
static uint64_t function_weight(const wasm_module *m, uint32_t f)
{
    return (uint64_t)m->funcs[f].body_size + KC_FUNCTION_WEIGHT;
}

/* The weight of the defined functions. */
static uint64_t code_weight(const wasm_module *m)
{
    uint64_t total = 0;
    for (uint32_t f = m->func_import_count; f < m->func_count; f++)
        total += function_weight(m, f);
    return total;
}

uint32_t kc_partition_count(const wasm_module *module, const kilnc_options *options)
{
    if (options->format != KILNC_FORMAT_AOT)
        return 1; /* one object, one listing */
    uint32_t defined = module->func_count - module->func_import_count;
    uint64_t weight = code_weight(module);
    uint64_t parts = options->partitions != 0
                         ? options->partitions
                         : (weight + KC_PARTITION_CODE_BYTES - 1) / KC_PARTITION_CODE_BYTES;
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

/* Cuts [import_count, func_count) into count ranges of about equal weight. */
static void cut_partitions(const wasm_module *m, kc_part *parts, uint32_t count)
{
    uint64_t total = code_weight(m);
    uint32_t f = m->func_import_count;
    uint64_t done = 0;
    for (uint32_t p = 0; p < count; p++) {
        parts[p].range.first = f;
        parts[p].range.trampolines = p == 0;
        uint64_t goal = total * (p + 1) / count;
        uint32_t left = count - p - 1; /* partitions after this one need a function each */
        do {
            done += function_weight(m, f);
            f++;
        } while (f < m->func_count - left && done < goal);
        if (p == count - 1)
            f = m->func_count;
        parts[p].range.end = f;
    }
}

/* Marks in called_across the defined functions that a function of another
 * partition calls: only those (and the ones whose address escapes) need a
 * symbol visible outside their partition's object; the others are internal,
 * so LLVM may delete them once inlined everywhere, as in a whole module.
 * Reads every body once; depends on the cut only. */
static kiln_status mark_cross_calls(const wasm_module *m, const kc_part *parts, uint32_t count,
                                    bool *called_across, kiln_error *err)
{
    for (uint32_t p = 0; p < count; p++) {
        const kc_range *r = &parts[p].range;
        for (uint32_t f = r->first; f < r->end; f++) {
            wasm_body body;
            kiln_status st = dec_function_body(m, f, &body, err);
            if (st != KILN_OK)
                return st;
            for (uint32_t i = 0; i < body.code_count; i++) {
                const wasm_instr *in = &body.code[i];
                if (in->op != WASM_OP_CALL || in->imm.index < m->func_import_count ||
                    in->imm.index >= m->func_count)
                    continue;
                if (in->imm.index < r->first || in->imm.index >= r->end)
                    called_across[in->imm.index] = true;
            }
            dec_body_free(&body);
        }
    }
    return KILN_OK;
}

kiln_status kc_partition_plan(const wasm_module *module, uint32_t parts, kc_range *ranges,
                              bool *called_across, kiln_error *err)
{
    kc_part *cut = calloc(parts, sizeof *cut);
    if (cut == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
    cut_partitions(module, cut, parts);
    kiln_status st = mark_cross_calls(module, cut, parts, called_across, err);
    for (uint32_t p = 0; p < parts; p++) {
        ranges[p] = cut[p].range;
        ranges[p].called_across = called_across;
    }
    free(cut);
    return st;
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
    bool *called_across = calloc(module->func_count > 0 ? module->func_count : 1, sizeof(bool));
    if (called_across == NULL) {
        free(work.parts);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
    }
    kiln_status cross = mark_cross_calls(module, work.parts, parts, called_across, err);
    if (cross != KILN_OK) {
        free(called_across);
        free(work.parts);
        return cross;
    }
    for (uint32_t p = 0; p < parts; p++)
        work.parts[p].range.called_across = called_across;

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
    free(called_across);
    pthread_mutex_destroy(&work.progress_lock);
    return st;
}
