/*
 * Pre-linked bundles (kilnc_compile_bundle, kilnc a.wasm b.wasm): modules
 * that import from each other compiled into one code image whose calls
 * between them are direct.
 *
 * Steps: decode and validate every module; find the pre-linked imports (a
 * function import whose module name is another member's name, naming a
 * function that member defines and exports); lower each member into its
 * own LLVM module of one shared LLVMContext, its symbols prefixed "m<k>."
 * and each pre-linked call made to the callee's symbol; link the modules
 * into the first (LLVMLinkModules2), so the optimiser sees caller and
 * callee together and may inline; optimise and emit one object and one
 * image; then write one container per member (its metadata, code offsets
 * into the shared image) inside the bundle container (writer.c).
 *
 * Large bundles: when a member is large enough to be partitioned on its
 * own (kc_partition_count), every member is compiled as its partitions
 * instead (partition.c's cut), all of them on threads, and the objects are
 * linked into one image in (member, partition) order; a pre-linked call is
 * then a direct call that the image linker binds to the callee's symbol,
 * inlined only when caller and callee share an LLVM module.
 *
 * Invariants: a pre-linked call still passes the vmctx the runtime put in
 * the caller's import slot, so an inlined body uses the callee instance's
 * memory, tables and globals; the runtime binds such a slot only to the
 * same bundle's callee (aot_format.h, BUNDLE). The output depends on the
 * modules and options only, never on the thread count: jobs are cut by
 * size, and their objects linked in a fixed order.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Core.h>
#include <llvm-c/Linker.h>
#include <llvm-c/TargetMachine.h>

#include "codegen/codegen.h"
#include "driver.h"
#include "emit/emit.h"
#include "emit/writer.h"
#include "kiln_common.h"
#include "kiln_compiler.h"
#include "module.h"

typedef struct bn_member {
    const char *name;
    wasm_module *module;
    char prefix[16];       /* "m<k>." */
    char **prelinked;      /* per function index: callee symbol or NULL, owned */
    cg_module *cgm;
    uint8_t *container;    /* member container, malloc'ed */
    size_t container_size;
} bn_member;

typedef struct bn_bundle {
    bn_member *members;
    uint32_t count;
    wr_prelink *prelinks;
    uint32_t prelink_count;
} bn_bundle;

static kiln_status nomem(kiln_error *err)
{
    return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

/* The status of a member's failure, its name in front of the message. */
static kiln_status in_member(const bn_member *m, kiln_status st, kiln_error *err)
{
    if (st != KILN_OK && err != NULL) {
        char inner[sizeof err->message];
        memcpy(inner, err->message, sizeof inner);
        snprintf(err->message, sizeof err->message, "module %s: %.400s", m->name, inner);
    }
    return st;
}

static const char *kind_name(uint8_t kind)
{
    switch ((kiln_extern_kind)kind) {
    case KILN_EXTERN_FUNC: return "a function";
    case KILN_EXTERN_TABLE: return "a table";
    case KILN_EXTERN_MEMORY: return "a memory";
    case KILN_EXTERN_GLOBAL: return "a global";
    }
    return "something";
}

static bool same_type(const wasm_functype *a, const wasm_functype *b)
{
    return a->param_count == b->param_count && a->result_count == b->result_count &&
           memcmp(a->types, b->types, (size_t)a->param_count + a->result_count) == 0;
}

static const wasm_export *find_export(const wasm_module *m, const wasm_name *name)
{
    for (uint32_t i = 0; i < m->export_count; i++)
        if (m->exports[i].name.size == name->size &&
            memcmp(m->exports[i].name.bytes, name->bytes, name->size) == 0)
            return &m->exports[i];
    return NULL;
}

static int find_member(const bn_bundle *b, const wasm_name *name)
{
    for (uint32_t k = 0; k < b->count; k++)
        if (strlen(b->members[k].name) == name->size &&
            memcmp(b->members[k].name, name->bytes, name->size) == 0)
            return (int)k;
    return -1;
}

/* Every import of a member from another member must name something that
 * member exports, of the import's kind (and type, for a function); the
 * function imports naming a defined function become pre-linked. */
static kiln_status resolve_prelinks(bn_bundle *b, kiln_error *err)
{
    for (uint32_t i = 0; i < b->count; i++) {
        bn_member *mb = &b->members[i];
        const wasm_module *m = mb->module;
        mb->prelinked = calloc(m->func_count ? m->func_count : 1, sizeof *mb->prelinked);
        if (mb->prelinked == NULL)
            return nomem(err);
        uint32_t func_index = 0;
        for (uint32_t j = 0; j < m->import_count; j++) {
            const wasm_import *im = &m->imports[j];
            bool is_func = im->kind == KILN_EXTERN_FUNC;
            uint32_t this_func = func_index;
            func_index += is_func;
            int k = find_member(b, &im->module);
            if (k < 0)
                continue; /* WASI, host functions, modules outside the set */
            if ((uint32_t)k == i)
                return kiln_error_set(err, KILN_ERR_LINK, im->offset,
                                      "module %s imports %s.%s from itself", mb->name,
                                      im->module.bytes, im->field.bytes);
            const bn_member *callee = &b->members[k];
            const wasm_export *e = find_export(callee->module, &im->field);
            if (e == NULL || e->kind != im->kind)
                return kiln_error_set(err, KILN_ERR_LINK, im->offset,
                                      "module %s imports %s %s.%s, but module %s exports "
                                      "%s named \"%s\"",
                                      mb->name, kind_name(im->kind), im->module.bytes,
                                      im->field.bytes, callee->name,
                                      e == NULL ? "nothing" : kind_name(e->kind),
                                      im->field.bytes);
            if (!is_func)
                continue; /* memories, tables, globals: linked at run time */
            const wasm_functype *want = &m->types[im->desc.type_index];
            const wasm_functype *have =
                &callee->module->types[callee->module->funcs[e->index].type_index];
            if (!same_type(want, have))
                return kiln_error_set(err, KILN_ERR_LINK, im->offset,
                                      "module %s imports function %s.%s with %u params and "
                                      "%u results, but module %s's function has another "
                                      "type (%u params, %u results)",
                                      mb->name, im->module.bytes, im->field.bytes,
                                      want->param_count, want->result_count, callee->name,
                                      have->param_count, have->result_count);
            if (e->index < callee->module->func_import_count)
                continue; /* a re-exported import: called through the slot */
            mb->prelinked[this_func] = malloc(64);
            if (mb->prelinked[this_func] != NULL)
                snprintf(mb->prelinked[this_func], 64, "%skiln_f%u", callee->prefix, e->index);
            wr_prelink *grown =
                realloc(b->prelinks, (b->prelink_count + 1) * sizeof *b->prelinks);
            if (mb->prelinked[this_func] == NULL || grown == NULL) {
                if (grown != NULL)
                    b->prelinks = grown;
                return nomem(err);
            }
            b->prelinks = grown;
            b->prelinks[b->prelink_count++] = (wr_prelink){i, j, (uint32_t)k, e->index};
        }
    }
    return KILN_OK;
}

static kiln_status decode_members(bn_bundle *b, const kilnc_bundle_input *inputs,
                                  const kilnc_options *options, kiln_error *err)
{
    for (uint32_t i = 0; i < b->count; i++) {
        bn_member *mb = &b->members[i];
        mb->name = inputs[i].name;
        snprintf(mb->prefix, sizeof mb->prefix, "m%u.", i);
        if (mb->name == NULL || mb->name[0] == '\0')
            return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                  "bundle input %u has no name: each module of a bundle is "
                                  "imported by its name",
                                  i);
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(b->members[k].name, mb->name) == 0)
                return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                      "two modules of the bundle are named \"%s\" (inputs %u "
                                      "and %u): name one NAME=FILE.wasm",
                                      mb->name, k, i);
        if (inputs[i].wasm == NULL)
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "bundle input %u (%s) has no bytes", i, mb->name);
        kiln_status st = kc_check_input_kind(inputs[i].wasm, inputs[i].wasm_size, err);
        if (st == KILN_OK)
            st = dec_module(inputs[i].wasm, inputs[i].wasm_size, &mb->module, err);
        if (st == KILN_OK)
            st = val_module(mb->module, err);
        if (st == KILN_OK && options->interruptible)
            mb->module->features |= KILN_FEATURE_INTERRUPTIBLE;
        if (st != KILN_OK)
            return in_member(mb, st, err);
    }
    return KILN_OK;
}

/* Lowers every member into ctx and links them all into member 0's module. */
static kiln_status lower_members(bn_bundle *b, LLVMContextRef ctx, const emit_target *target,
                                 const kilnc_options *options, kiln_error *err)
{
    for (uint32_t i = 0; i < b->count; i++) {
        bn_member *mb = &b->members[i];
        cg_config config = kc_codegen_config(target, options);
        config.with_trampolines = true;
        config.symbol_prefix = mb->prefix;
        config.prelinked = (const char *const *)mb->prelinked;
        kiln_status st = cg_module_new(ctx, mb->module, &config, &mb->cgm, err);
        if (st == KILN_OK)
            st = kc_lower_functions(mb->module, mb->cgm, mb->module->func_import_count,
                                    mb->module->func_count, err);
        if (st == KILN_OK)
            st = cg_module_finish(mb->cgm, err);
        if (st != KILN_OK)
            return in_member(mb, st, err);
    }
    LLVMModuleRef dest = cg_module_llvm(b->members[0].cgm);
    for (uint32_t i = 1; i < b->count; i++) {
        /* LLVMLinkModules2 destroys the source module; true means failure. */
        if (LLVMLinkModules2(dest, cg_module_take_llvm(b->members[i].cgm)))
            return kiln_error_set(err, KILN_ERR_CODEGEN, KILN_NO_OFFSET,
                                  "LLVM could not link module %s into the bundle",
                                  b->members[i].name);
    }
    return KILN_OK;
}

/* The emit problems LLVM reported (to whichever member's handler). */
static kiln_status check_emitted(const bn_bundle *b, kiln_error *err)
{
    for (uint32_t i = 0; i < b->count; i++) {
        kiln_status st = cg_module_check_emitted(b->members[i].cgm, err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

static kiln_status emit_buffer(const bn_bundle *b, const emit_target *target,
                               LLVMCodeGenFileType type, uint8_t **out, size_t *out_size,
                               kiln_error *err)
{
    LLVMMemoryBufferRef mb = NULL;
    kiln_status st = kc_emit_llvm(target, cg_module_llvm(b->members[0].cgm), type, &mb, err);
    if (st == KILN_OK)
        st = check_emitted(b, err);
    if (st == KILN_OK)
        st = kc_take_llvm_buffer(mb, out, out_size, err);
    if (mb != NULL)
        LLVMDisposeMemoryBuffer(mb);
    return st;
}

/* ---- large bundles: every member's partitions on threads ---------------------- */

typedef struct bn_job {
    const bn_member *member;
    kc_range range;
    uint8_t *object; /* malloc'ed */
    size_t object_size;
    uint64_t helpers_used;
    kiln_status status;
    kiln_error err;
} bn_job;

typedef struct bn_work {
    bn_job *jobs;
    uint32_t count;
    const kilnc_options *options;
    atomic_uint next;
    pthread_mutex_t progress_lock; /* serialises options->progress */
    uint32_t done, total;          /* functions, under progress_lock */
} bn_work;

static void build_job(const bn_work *work, bn_job *job)
{
    kc_unit unit;
    job->status = kc_unit_build(job->member->module, work->options, job->range, &unit, &job->err);
    if (job->status == KILN_OK)
        job->status = kc_unit_object(&unit, &job->object, &job->object_size, &job->err);
    if (job->status == KILN_OK)
        job->helpers_used = cg_module_helpers_used(unit.cgm);
    kc_unit_free(&unit);
}

/* pthreads, as partition.c: sanitizers intercept them. */
static void *bundle_worker(void *arg)
{
    bn_work *work = arg;
    for (;;) {
        uint32_t i = atomic_fetch_add(&work->next, 1u);
        if (i >= work->count)
            return NULL;
        bn_job *job = &work->jobs[i];
        build_job(work, job);
        if (work->options->progress != NULL) {
            const wasm_module *m = job->member->module;
            uint32_t first = job->range.end != 0 ? job->range.first : m->func_import_count;
            uint32_t end = job->range.end != 0 ? job->range.end : m->func_count;
            pthread_mutex_lock(&work->progress_lock);
            work->done += end - first;
            work->options->progress(work->options->progress_user, work->done, work->total);
            pthread_mutex_unlock(&work->progress_lock);
        }
    }
}

/* The jobs of every member: its partitions, or the whole member. The
 * called_across arrays (one per member) are owned by *across. */
static kiln_status plan_jobs(const bn_bundle *b, const kilnc_options *options, bn_job **out,
                             uint32_t *out_count, bool ***across, kiln_error *err)
{
    uint32_t count = 0;
    uint32_t *parts = calloc(b->count, sizeof *parts);
    *across = calloc(b->count, sizeof **across);
    if (parts == NULL || *across == NULL) {
        free(parts);
        return nomem(err);
    }
    for (uint32_t i = 0; i < b->count; i++) {
        parts[i] = kc_partition_count(b->members[i].module, options);
        count += parts[i];
    }
    bn_job *jobs = calloc(count, sizeof *jobs);
    kiln_status st = jobs == NULL ? nomem(err) : KILN_OK;
    uint32_t j = 0;
    for (uint32_t i = 0; i < b->count && st == KILN_OK; i++) {
        const bn_member *mb = &b->members[i];
        kc_range *ranges = calloc(parts[i], sizeof *ranges);
        if (ranges == NULL) {
            st = nomem(err);
            break;
        }
        if (parts[i] > 1) {
            uint32_t funcs = mb->module->func_count;
            (*across)[i] = calloc(funcs > 0 ? funcs : 1, sizeof(bool));
            st = (*across)[i] == NULL
                     ? nomem(err)
                     : kc_partition_plan(mb->module, parts[i], ranges, (*across)[i], err);
            st = in_member(mb, st, err);
        } else {
            ranges[0] = (kc_range){0, 0, true, NULL, NULL, NULL};
        }
        for (uint32_t p = 0; p < parts[i] && st == KILN_OK; p++, j++) {
            jobs[j].member = mb;
            jobs[j].range = ranges[p];
            jobs[j].range.symbol_prefix = mb->prefix;
            jobs[j].range.prelinked = (const char *const *)mb->prelinked;
        }
        free(ranges);
    }
    free(parts);
    if (st != KILN_OK) {
        free(jobs);
        return st;
    }
    *out = jobs;
    *out_count = count;
    return KILN_OK;
}

static unsigned bundle_threads(const kilnc_options *options, uint32_t jobs)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = options->threads != 0 ? options->threads : (online > 0 ? (unsigned)online : 1);
    if (n > jobs)
        n = jobs;
    return n > 64 ? 64 : n;
}

/* Compiles the members as their partitions on threads and links the
 * objects, in job order, into one image. */
static kiln_status compile_large(const bn_bundle *b, const kilnc_options *options,
                                 uint32_t total, emit_image **image, uint64_t *helpers_used,
                                 kiln_error *err)
{
    bn_job *jobs = NULL;
    uint32_t count = 0;
    bool **across = NULL;
    kiln_status st = plan_jobs(b, options, &jobs, &count, &across, err);
    if (st == KILN_OK) {
        bn_work work = {jobs, count, options, 0, PTHREAD_MUTEX_INITIALIZER, 0, total};
        pthread_t threads[64];
        unsigned started = 0, wanted = bundle_threads(options, count);
        while (started + 1 < wanted &&
               pthread_create(&threads[started], NULL, bundle_worker, &work) == 0)
            started++;
        bundle_worker(&work);
        for (unsigned t = 0; t < started; t++)
            pthread_join(threads[t], NULL);
        pthread_mutex_destroy(&work.progress_lock);
        /* The first failing job's error: the same on every run. */
        for (uint32_t j = 0; j < count && st == KILN_OK; j++) {
            if (jobs[j].status != KILN_OK) {
                st = jobs[j].status;
                if (err != NULL)
                    *err = jobs[j].err;
                st = in_member(jobs[j].member, st, err);
            }
        }
    }
    const uint8_t **objects = st == KILN_OK ? calloc(count, sizeof *objects) : NULL;
    size_t *sizes = st == KILN_OK ? calloc(count, sizeof *sizes) : NULL;
    if (st == KILN_OK && (objects == NULL || sizes == NULL))
        st = nomem(err);
    if (st == KILN_OK) {
        *helpers_used = 0;
        for (uint32_t j = 0; j < count; j++) {
            objects[j] = jobs[j].object;
            sizes[j] = jobs[j].object_size;
            *helpers_used |= jobs[j].helpers_used;
        }
        emit_image_options link = {.xip = options->xip != 0};
        st = emit_image_link(objects, sizes, count, &link, image, err);
    }
    free(objects);
    free(sizes);
    for (uint32_t j = 0; j < count; j++)
        free(jobs[j].object);
    free(jobs);
    for (uint32_t i = 0; across != NULL && i < b->count; i++)
        free(across[i]);
    free(across);
    return st;
}

static int compare_symbols(const void *a, const void *b)
{
    const emit_symbol *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : (x->offset > y->offset) - (x->offset < y->offset);
}

/* The member's view of the image: its own symbols, without the prefix
 * (what the writer looks up). The view shares everything else. */
static kiln_status member_view(const emit_image *image, const char *prefix, emit_image *view,
                               kiln_error *err)
{
    *view = *image;
    view->symbols = calloc(image->symbol_count ? image->symbol_count : 1, sizeof *view->symbols);
    if (view->symbols == NULL)
        return nomem(err);
    size_t n = strlen(prefix);
    uint32_t count = 0;
    for (uint32_t s = 0; s < image->symbol_count; s++) {
        const emit_symbol *sym = &image->symbols[s];
        if (strncmp(sym->name, prefix, n) != 0)
            continue;
        view->symbols[count] = *sym;
        view->symbols[count].name = sym->name + n; /* not owned: the image's */
        count++;
    }
    view->symbol_count = count;
    qsort(view->symbols, count, sizeof *view->symbols, compare_symbols);
    return KILN_OK;
}

static kiln_status write_bundle(bn_bundle *b, const emit_image *image, uint64_t helpers_used,
                                const emit_target *target, const kilnc_options *options,
                                uint8_t **out, size_t *out_size, kiln_error *err)
{
    uint32_t features = 0;
    for (uint32_t i = 0; i < b->count; i++)
        features |= b->members[i].module->features;
    wr_bundle_member *members = calloc(b->count, sizeof *members);
    if (members == NULL)
        return nomem(err);
    kiln_status st = KILN_OK;
    for (uint32_t i = 0; i < b->count && st == KILN_OK; i++) {
        bn_member *mb = &b->members[i];
        emit_image view;
        st = member_view(image, mb->prefix, &view, err);
        if (st != KILN_OK)
            break;
        /* Inlining may leave a member's code calling helpers another
         * member's source called: every member records them all. */
        st = kc_write_container(mb->module, &view, target, helpers_used, options->keep_custom,
                                true, &mb->container, &mb->container_size, err);
        free(view.symbols);
        members[i] = (wr_bundle_member){mb->name, mb->container, mb->container_size};
        st = in_member(mb, st, err);
    }
    if (st == KILN_OK) {
        wr_target_info info = {
            .triple = target->triple,
            .cpu = target->cpu,
            .cpu_features = target->cpu_features,
            .compiler_version = kilnc_version(),
            .pointer_width = target->pointer_width,
            .page_size = target->max_page_size,
            .bounds = target->bounds,
            .xip = target->xip,
            .helpers_used = helpers_used,
        };
        st = wr_bundle(members, b->count, b->prelinks, b->prelink_count, features, image,
                       &info, out, out_size, err);
    }
    free(members);
    return st;
}

static void bundle_free(bn_bundle *b)
{
    for (uint32_t i = 0; i < b->count; i++) {
        bn_member *mb = &b->members[i];
        if (mb->prelinked != NULL)
            for (uint32_t f = 0; f < mb->module->func_count; f++)
                free(mb->prelinked[f]);
        free(mb->prelinked);
        cg_module_free(mb->cgm);
        dec_module_free(mb->module);
        free(mb->container);
    }
    free(b->members);
    free(b->prelinks);
}

kiln_status kilnc_compile_bundle(const kilnc_bundle_input *inputs, size_t count,
                                 const kilnc_options *options, uint8_t **out, size_t *out_size,
                                 kiln_error *err)
{
    if (inputs == NULL || options == NULL || out == NULL || out_size == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kilnc_compile_bundle: NULL argument");
    if (count == 0 || count > 1000)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kilnc_compile_bundle: %zu modules (a bundle has 1 to 1000)",
                              count);
    if (options->format == KILNC_FORMAT_OBJECT)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "a bundle is written as a container, LLVM IR or assembly, not "
                              "as an object to link into a program");
    bn_bundle b = {0};
    b.members = calloc(count, sizeof *b.members);
    if (b.members == NULL)
        return nomem(err);
    b.count = (uint32_t)count;
    emit_target *target = NULL;
    LLVMContextRef ctx = NULL;
    uint8_t *object = NULL;
    size_t object_size = 0;
    emit_image *image = NULL;
    kiln_status st = decode_members(&b, inputs, options, err);
    if (st == KILN_OK)
        st = resolve_prelinks(&b, err);
    if (st == KILN_OK)
        st = emit_target_new(options, &target, err);
    uint32_t total = 0;
    for (uint32_t i = 0; st == KILN_OK && i < b.count; i++)
        total += b.members[i].module->func_count - b.members[i].module->func_import_count;
    if (st == KILN_OK && options->progress != NULL)
        options->progress(options->progress_user, 0, total);
    bool large = false;
    for (uint32_t i = 0; st == KILN_OK && i < b.count; i++)
        large = large || kc_partition_count(b.members[i].module, options) > 1;
    if (st == KILN_OK && large) {
        uint64_t helpers_used = 0;
        st = compile_large(&b, options, total, &image, &helpers_used, err);
        if (st == KILN_OK)
            st = write_bundle(&b, image, helpers_used, target, options, out, out_size, err);
        goto out;
    }
    if (st == KILN_OK) {
        ctx = kc_context_new(options);
        st = lower_members(&b, ctx, target, options, err);
    }
    LLVMModuleRef llvm = st == KILN_OK ? cg_module_llvm(b.members[0].cgm) : NULL;
    if (st == KILN_OK)
        st = emit_optimize(llvm, target, err);
    if (st == KILN_OK)
        cg_module_keep_loads_whole(b.members[0].cgm); /* the whole linked module */
    if (st != KILN_OK)
        goto out;
    switch (options->format) {
    case KILNC_FORMAT_LLVM_IR:
        st = kc_module_text(llvm, out, out_size, err);
        break;
    case KILNC_FORMAT_ASM:
        st = emit_buffer(&b, target, LLVMAssemblyFile, out, out_size, err);
        break;
    default:
        st = emit_buffer(&b, target, LLVMObjectFile, &object, &object_size, err);
        if (st == KILN_OK)
            st = emit_image_link((const uint8_t *const *)&object, &object_size, 1,
                                 &(emit_image_options){.xip = target->xip}, &image, err);
        uint64_t helpers_used = 0;
        for (uint32_t i = 0; i < b.count; i++)
            helpers_used |= cg_module_helpers_used(b.members[i].cgm);
        if (st == KILN_OK)
            st = write_bundle(&b, image, helpers_used, target, options, out, out_size, err);
        break;
    }
    if (st == KILN_OK && options->progress != NULL)
        options->progress(options->progress_user, total, total);
out:
    free(object);
    emit_image_free(image);
    bundle_free(&b); /* the cg_modules before their context */
    if (ctx != NULL)
        LLVMContextDispose(ctx);
    emit_target_free(target);
    return st;
}
