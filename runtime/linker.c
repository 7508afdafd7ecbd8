/*
 * The linker (lnk_): definitions by "module.field", instances by name, an
 * optional resolver for modules nobody defined, and instantiation with
 * every import matched as the spec's import matching says.
 *
 * Lookup order for an import module.field: a definition of exactly that
 * name (newest first), else the newest instance registered as `module`
 * (its export `field`), else, when nothing at all is known under `module`,
 * the resolver loads, instantiates and registers that module, else (for
 * functions, when enabled) a host function that traps naming the import.
 *
 * Invariants: the linker holds one reference to every memory, table,
 * global and instance defined in it and to instances whose failed
 * instantiation may have left references in shared tables (`kept`); the
 * loading stack names the modules the resolver is instantiating, so a
 * module met again while still on it is an import cycle.
 *
 * Threads: kiln_linker_instantiate takes the linker's lock (recursive, so a
 * start function or host function may instantiate through the same linker
 * again), so several threads may instantiate through one linker at once;
 * defining, setting the resolver and freeing are not locked and happen
 * before the linker is shared or after the threads are done.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "extern.h"
#include "hostcall.h"
#include "instance.h"
#include "kiln_common.h"
#include "modpath.h"
#include "names.h"
#include "platform/platform.h"
#include "values.h"

#define LNK_MAX_DEPTH 64u
#define LNK_DESC_SIZE 160u

typedef struct lnk_item {
    char *module;
    char *field;
    uint8_t kind;
    /* func */
    kiln_valkind *kinds; /* owned: params then results */
    uint32_t param_count, result_count, type_id;
    kiln_host_fn fn;
    void *user_data;
    hc_native *native; /* owned, for define_native */
    kiln_memory *memory;
    kiln_table *table;
    kiln_global *global;
} lnk_item;

typedef struct lnk_named {
    char *name;
    kiln_instance *instance; /* held */
} lnk_named;

struct kiln_linker {
    lnk_item *items;
    size_t item_count, item_capacity;
    lnk_named *instances;
    size_t instance_count, instance_capacity;
    kiln_instance **kept; /* held: failed instantiations that may be referenced */
    size_t kept_count;
    bool trap_unknown;
    kiln_resolver_fn resolver;
    void *resolver_data;
    /* The module path (lnk_use_module_path), when it is the resolver
     * (resolver_is_module_path: a flag rather than comparing resolver with
     * module_path_resolve, so that a program that never sets a module path
     * does not link it and its file access). */
    bool resolver_is_module_path;
    char **module_path; /* owned copies */
    size_t module_path_count;
    lnk_file_loader module_loader;
    void *module_loader_data;
    const char *loading[LNK_MAX_DEPTH];
    uint32_t loading_depth;
    os_mutex lock; /* recursive: held by kiln_linker_instantiate */
};

/* What the linker offers for one import. */
typedef struct lnk_offer {
    uint8_t kind;
    const kiln_valkind *kinds;
    uint32_t param_count, result_count, type_id;
    kiln_host_fn fn;
    void *user_data;
    void *code, *vmctx;
    kiln_memory *memory;
    kiln_table *table;
    kiln_global *global;
    uint8_t *global_cell;
    uint8_t valtype;
    bool is_mutable;
    kiln_instance *exporter;
} lnk_offer;

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = kiln_alloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* ---- lifetime ------------------------------------------------------------------ */

kiln_status kiln_linker_new(kiln_linker **out, kiln_error *err)
{
    if (out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_new: out is NULL");
    kiln_linker *l = kiln_calloc(1, sizeof *l);
    if (l == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating a linker");
    if (!os_mutex_init(&l->lock, true)) {
        kiln_free(l);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "cannot create the linker's lock");
    }
    *out = l;
    return KILN_OK;
}

static void item_clear(lnk_item *it)
{
    kiln_free(it->module);
    kiln_free(it->field);
    kiln_free(it->kinds);
    hc_native_free(it->native);
    kiln_memory_release(it->memory);
    kiln_table_release(it->table);
    kiln_global_release(it->global);
}

void kiln_linker_free(kiln_linker *linker)
{
    if (linker == NULL)
        return;
    for (size_t i = 0; i < linker->item_count; i++)
        item_clear(&linker->items[i]);
    /* Newest first: later instances may import from earlier ones (they
     * hold references anyway; this only frees in a natural order). */
    for (size_t i = linker->instance_count; i-- > 0;) {
        kiln_instance_free(linker->instances[i].instance);
        kiln_free(linker->instances[i].name);
    }
    for (size_t i = linker->kept_count; i-- > 0;)
        kiln_instance_free(linker->kept[i]);
    kiln_free(linker->items);
    kiln_free(linker->instances);
    kiln_free(linker->kept);
    for (size_t i = 0; i < linker->module_path_count; i++)
        kiln_free(linker->module_path[i]);
    kiln_free(linker->module_path);
    os_mutex_destroy(&linker->lock);
    kiln_free(linker);
}

/* ---- definitions ------------------------------------------------------------------- */

static kiln_status check_names(const kiln_linker *l, const char *module, const char *field,
                               const char *what, kiln_error *err)
{
    if (l == NULL || module == NULL || field == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_define_%s: linker, module and field must not be "
                              "NULL",
                              what);
    return KILN_OK;
}

/* A new item named module.field (zeroed otherwise), or NULL when out of
 * memory (err set). */
static lnk_item *add_item(kiln_linker *l, const char *module, const char *field, uint8_t kind,
                          kiln_error *err)
{
    if (l->item_count == l->item_capacity) {
        size_t cap = l->item_capacity == 0 ? 16 : l->item_capacity * 2;
        lnk_item *grown = kiln_realloc(l->items, cap * sizeof *grown);
        if (grown == NULL) {
            kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                           "out of memory defining %s.%s", module, field);
            return NULL;
        }
        l->items = grown;
        l->item_capacity = cap;
    }
    lnk_item *it = &l->items[l->item_count];
    memset(it, 0, sizeof *it);
    it->module = dup_string(module);
    it->field = dup_string(field);
    if (it->module == NULL || it->field == NULL) {
        kiln_free(it->module);
        kiln_free(it->field);
        kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory defining %s.%s",
                       module, field);
        return NULL;
    }
    it->kind = kind;
    l->item_count++;
    return it;
}

static kiln_status define_host(kiln_linker *l, const char *module, const char *field,
                               kiln_valkind *kinds, uint32_t param_count,
                               uint32_t result_count, kiln_host_fn fn, void *user_data,
                               hc_native *native, kiln_error *err)
{
    uint32_t id;
    kiln_status st = ld_type_intern(kinds, param_count, result_count, &id, err);
    if (st != KILN_OK)
        goto fail;
    lnk_item *it = add_item(l, module, field, KILN_EXTERN_FUNC, err);
    if (it == NULL) {
        st = KILN_ERR_NOMEM;
        goto fail;
    }
    it->kinds = kinds;
    it->param_count = param_count;
    it->result_count = result_count;
    it->type_id = id;
    it->fn = fn;
    it->user_data = user_data;
    it->native = native;
    return KILN_OK;
fail:
    kiln_free(kinds);
    hc_native_free(native);
    return st;
}

kiln_status kiln_linker_define_func(kiln_linker *linker, const char *module, const char *field,
                                    const kiln_func_type *type, kiln_host_fn fn,
                                    void *user_data, kiln_error *err)
{
    kiln_status st = check_names(linker, module, field, "func", err);
    if (st != KILN_OK)
        return st;
    if (type == NULL || fn == NULL || (type->param_count > 0 && type->params == NULL) ||
        (type->result_count > 0 && type->results == NULL))
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_define_func %s.%s: type and fn must be given",
                              module, field);
    uint32_t n = type->param_count + type->result_count;
    kiln_valkind *kinds = kiln_calloc(n, sizeof *kinds);
    if (kinds == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory defining %s.%s", module, field);
    for (uint32_t i = 0; i < type->param_count; i++)
        kinds[i] = type->params[i];
    for (uint32_t i = 0; i < type->result_count; i++)
        kinds[type->param_count + i] = type->results[i];
    return define_host(linker, module, field, kinds, type->param_count, type->result_count, fn,
                       user_data, NULL, err);
}

kiln_status kiln_linker_define_native(kiln_linker *linker, const char *module,
                                      const char *field, const char *signature, void *fn,
                                      kiln_error *err)
{
    kiln_status st = check_names(linker, module, field, "native", err);
    if (st != KILN_OK)
        return st;
    hc_native *native = NULL;
    kiln_valkind *kinds = NULL;
    uint32_t pc = 0, rc = 0;
    st = hc_native_new(signature, fn, &native, &kinds, &pc, &rc, err);
    if (st != KILN_OK)
        return st;
    return define_host(linker, module, field, kinds, pc, rc, hc_native_call, native, native,
                       err);
}

void kiln_linker_trap_unknown_imports(kiln_linker *linker, bool enable)
{
    if (linker != NULL)
        linker->trap_unknown = enable;
}

kiln_status kiln_linker_define_memory(kiln_linker *linker, const char *module,
                                      const char *field, kiln_memory *memory, kiln_error *err)
{
    kiln_status st = check_names(linker, module, field, "memory", err);
    if (st != KILN_OK)
        return st;
    if (memory == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_define_memory %s.%s: memory is NULL", module, field);
    lnk_item *it = add_item(linker, module, field, KILN_EXTERN_MEMORY, err);
    if (it == NULL)
        return KILN_ERR_NOMEM;
    ext_memory_retain(memory);
    it->memory = memory;
    return KILN_OK;
}

kiln_status kiln_linker_define_table(kiln_linker *linker, const char *module,
                                     const char *field, kiln_table *table, kiln_error *err)
{
    kiln_status st = check_names(linker, module, field, "table", err);
    if (st != KILN_OK)
        return st;
    if (table == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_define_table %s.%s: table is NULL", module, field);
    lnk_item *it = add_item(linker, module, field, KILN_EXTERN_TABLE, err);
    if (it == NULL)
        return KILN_ERR_NOMEM;
    ext_table_retain(table);
    it->table = table;
    return KILN_OK;
}

kiln_status kiln_linker_define_global(kiln_linker *linker, const char *module,
                                      const char *field, kiln_global *global, kiln_error *err)
{
    kiln_status st = check_names(linker, module, field, "global", err);
    if (st != KILN_OK)
        return st;
    if (global == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_define_global %s.%s: global is NULL", module, field);
    lnk_item *it = add_item(linker, module, field, KILN_EXTERN_GLOBAL, err);
    if (it == NULL)
        return KILN_ERR_NOMEM;
    ext_global_retain(global);
    it->global = global;
    return KILN_OK;
}

kiln_status kiln_linker_define_instance(kiln_linker *linker, const char *name,
                                        kiln_instance *instance, kiln_error *err)
{
    if (linker == NULL || name == NULL || instance == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_define_instance: linker, name and instance must "
                              "not be NULL");
    if (linker->instance_count == linker->instance_capacity) {
        size_t cap = linker->instance_capacity == 0 ? 8 : linker->instance_capacity * 2;
        lnk_named *grown = kiln_realloc(linker->instances, cap * sizeof *grown);
        if (grown == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory registering instance %s", name);
        linker->instances = grown;
        linker->instance_capacity = cap;
    }
    char *copy = dup_string(name);
    if (copy == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory registering instance %s", name);
    ins_retain(instance);
    linker->instances[linker->instance_count].name = copy;
    linker->instances[linker->instance_count].instance = instance;
    linker->instance_count++;
    return KILN_OK;
}

void kiln_linker_set_resolver(kiln_linker *linker, kiln_resolver_fn resolver, void *user_data)
{
    if (linker == NULL)
        return;
    linker->resolver = resolver;
    linker->resolver_data = user_data;
    linker->resolver_is_module_path = false;
}

/* ---- the module path ------------------------------------------------------------------ */

static kiln_instance *find_instance(const kiln_linker *l, const char *name);

/* Names that could leave the module path's directories are never looked up:
 * empty, starting with '.', or holding a path separator. */
static bool module_name_is_plain(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && strchr(name, '/') == NULL &&
           strchr(name, '\\') == NULL;
}

/* The resolver of the module path: DIR/NAME.aot from the first DIR that
 * has the file. A load failure names the module and the file. */
static kiln_status module_path_resolve(void *user_data, const char *name, kiln_module **out,
                                       kiln_error *err)
{
    kiln_linker *l = user_data;
    if (!module_name_is_plain(name))
        return KILN_ERR_NOT_FOUND;
    for (size_t i = 0; i < l->module_path_count; i++) {
        size_t n = strlen(l->module_path[i]) + strlen(name) + sizeof "/.aot";
        char *path = kiln_alloc(n);
        if (path == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory looking up module %s", name);
        snprintf(path, n, "%s/%s.aot", l->module_path[i], name);
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            kiln_free(path);
            continue;
        }
        fclose(f);
        kiln_status st = l->module_loader(l->module_loader_data, path, out, err);
        if (st != KILN_OK && err != NULL) {
            char inner[sizeof err->message];
            memcpy(inner, err->message, sizeof inner);
            snprintf(err->message, sizeof err->message, "module %s (%.200s): %.250s", name,
                     path, inner);
        }
        kiln_free(path);
        return st;
    }
    return KILN_ERR_NOT_FOUND;
}

static kiln_status load_file_plain(void *user_data, const char *path, kiln_module **out,
                                   kiln_error *err)
{
    (void)user_data;
    return kiln_module_load_file(path, out, err);
}

kiln_status lnk_use_module_path(kiln_linker *linker, const char *const *dirs, size_t dir_count,
                                lnk_file_loader loader, void *loader_data, kiln_error *err)
{
    if (linker == NULL || (dirs == NULL && dir_count != 0))
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_use_module_path: NULL argument");
    char **copies = kiln_calloc(dir_count + 1u, sizeof *copies);
    if (copies == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory copying the module path");
    for (size_t i = 0; i < dir_count; i++) {
        copies[i] = dirs[i] != NULL ? dup_string(dirs[i]) : NULL;
        if (copies[i] == NULL) {
            for (size_t k = 0; k < i; k++)
                kiln_free(copies[k]);
            kiln_free(copies);
            return dirs[i] == NULL ? kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                                    "module path entry %zu is NULL", i)
                                   : kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                                    "out of memory copying the module path");
        }
    }
    for (size_t i = 0; i < linker->module_path_count; i++)
        kiln_free(linker->module_path[i]);
    kiln_free(linker->module_path);
    linker->module_path = copies;
    linker->module_path_count = dir_count;
    linker->module_loader = loader;
    linker->module_loader_data = loader_data;
    linker->resolver = module_path_resolve;
    linker->resolver_data = linker;
    linker->resolver_is_module_path = true;
    return KILN_OK;
}

kiln_status kiln_linker_use_module_path(kiln_linker *linker, const char *const *dirs,
                                        size_t dir_count, kiln_error *err)
{
    return lnk_use_module_path(linker, dirs, dir_count, load_file_plain, NULL, err);
}

/* What was searched for an import nothing provides, for its message. */
static void describe_search(char *buf, size_t size, const kiln_linker *l, const char *module)
{
    if (find_instance(l, module) != NULL) {
        snprintf(buf, size, "instance \"%s\" has no export of that name", module);
        return;
    }
    if (l->resolver_is_module_path) {
        size_t used = (size_t)snprintf(buf, size, "no module \"%s\" is defined, and no %s.aot "
                                       "in the module path (", module, module);
        for (size_t i = 0; i < l->module_path_count && used < size; i++)
            used += (size_t)snprintf(buf + used, size - used, "%s%s", i > 0 ? ", " : "",
                                     l->module_path[i]);
        if (used < size)
            snprintf(buf + used, size - used, ")");
        return;
    }
    if (l->resolver != NULL) {
        snprintf(buf, size, "no module \"%s\" is defined, and the resolver does not know it",
                 module);
        return;
    }
    snprintf(buf, size,
             "no module \"%s\" is defined (to load imported modules from files: kiln "
             "--module-path DIR, or kiln_linker_use_module_path)",
             module);
}

/* ---- descriptions for messages ------------------------------------------------------- */

static void describe_func(char *buf, size_t size, const kiln_valkind *kinds, uint32_t pc,
                          uint32_t rc)
{
    char params[64], results[64];
    rt_format_kinds(params, sizeof params, kinds, pc);
    rt_format_kinds(results, sizeof results, kinds + pc, rc);
    snprintf(buf, size, "function [%s] -> [%s]", params, results);
}

static void describe_memory(char *buf, size_t size, uint64_t min, bool has_max, uint64_t max,
                            bool shared)
{
    char max_text[40] = "";
    if (has_max)
        snprintf(max_text, sizeof max_text, ", max %llu", (unsigned long long)max);
    snprintf(buf, size, "memory {min %llu pages%s%s}", (unsigned long long)min, max_text,
             shared ? ", shared" : "");
}

static void describe_table(char *buf, size_t size, uint64_t min, bool has_max, uint64_t max,
                           uint8_t reftype)
{
    char max_text[40] = "";
    if (has_max)
        snprintf(max_text, sizeof max_text, ", max %llu", (unsigned long long)max);
    snprintf(buf, size, "table {min %llu%s, %s}", (unsigned long long)min, max_text,
             ld_valtype_name(reftype));
}

static void describe_global(char *buf, size_t size, uint8_t valtype, bool is_mutable)
{
    if (is_mutable)
        snprintf(buf, size, "global (mut %s)", ld_valtype_name(valtype));
    else
        snprintf(buf, size, "global %s", ld_valtype_name(valtype));
}

static void describe_import(char *buf, size_t size, const kiln_module *m, const ld_import *im)
{
    switch (im->kind) {
    case KILN_EXTERN_FUNC: {
        const ld_type *t = &m->types[im->type_index];
        describe_func(buf, size, t->kinds, t->param_count, t->result_count);
        return;
    }
    case KILN_EXTERN_MEMORY:
        describe_memory(buf, size, im->limits.min, (im->limits.flags & KILN_LIMITS_HAS_MAX) != 0,
                        im->limits.max, (im->limits.flags & KILN_LIMITS_SHARED) != 0);
        return;
    case KILN_EXTERN_TABLE:
        describe_table(buf, size, im->limits.min, (im->limits.flags & KILN_LIMITS_HAS_MAX) != 0,
                       im->limits.max, im->reftype);
        return;
    case KILN_EXTERN_GLOBAL: describe_global(buf, size, im->valtype, im->is_mutable); return;
    }
    snprintf(buf, size, "%s", ld_extern_kind_name(im->kind));
}

static void describe_offer(char *buf, size_t size, const lnk_offer *o)
{
    switch (o->kind) {
    case KILN_EXTERN_FUNC:
        describe_func(buf, size, o->kinds, o->param_count, o->result_count);
        return;
    case KILN_EXTERN_MEMORY: {
        const ld_limits *l = &o->memory->limits;
        describe_memory(buf, size, ext_memory_pages(o->memory),
                        (l->flags & KILN_LIMITS_HAS_MAX) != 0, l->max,
                        (l->flags & KILN_LIMITS_SHARED) != 0);
        return;
    }
    case KILN_EXTERN_TABLE:
        describe_table(buf, size, o->table->table->size, o->table->has_max,
                       o->table->table->max, o->table->elem_kind);
        return;
    case KILN_EXTERN_GLOBAL: describe_global(buf, size, o->valtype, o->is_mutable); return;
    }
    snprintf(buf, size, "%s", ld_extern_kind_name(o->kind));
}

/* ---- matching --------------------------------------------------------------------------- */

/* The spec's limits subtyping: actual {min, max} matches expected. */
static bool limits_match(uint64_t min, bool has_max, uint64_t max, const ld_limits *expected)
{
    if (min < expected->min)
        return false;
    if (expected->flags & KILN_LIMITS_HAS_MAX)
        return has_max && max <= expected->max;
    return true;
}

static bool offer_matches(const kiln_module *m, const ld_import *im, const lnk_offer *o)
{
    if (o->kind != im->kind)
        return false;
    switch (im->kind) {
    case KILN_EXTERN_FUNC: return m->types[im->type_index].canonical_id == o->type_id;
    case KILN_EXTERN_MEMORY: {
        const ld_limits *l = &o->memory->limits;
        bool shared = (l->flags & KILN_LIMITS_SHARED) != 0;
        if (shared != ((im->limits.flags & KILN_LIMITS_SHARED) != 0))
            return false;
        return limits_match(ext_memory_pages(o->memory), (l->flags & KILN_LIMITS_HAS_MAX) != 0,
                            l->max, &im->limits);
    }
    case KILN_EXTERN_TABLE:
        if (o->table->elem_kind != im->reftype)
            return false;
        return limits_match(o->table->table->size, o->table->has_max, o->table->table->max,
                            &im->limits);
    case KILN_EXTERN_GLOBAL: return o->valtype == im->valtype && o->is_mutable == im->is_mutable;
    }
    return false;
}

static void offer_from_item(const lnk_item *it, lnk_offer *o)
{
    memset(o, 0, sizeof *o);
    o->kind = it->kind;
    switch (it->kind) {
    case KILN_EXTERN_FUNC:
        o->kinds = it->kinds;
        o->param_count = it->param_count;
        o->result_count = it->result_count;
        o->type_id = it->type_id;
        o->fn = it->fn;
        o->user_data = it->user_data;
        break;
    case KILN_EXTERN_MEMORY: o->memory = it->memory; break;
    case KILN_EXTERN_TABLE: o->table = it->table; break;
    case KILN_EXTERN_GLOBAL:
        o->global = it->global;
        o->valtype = it->global->valtype;
        o->is_mutable = it->global->is_mutable;
        break;
    }
}

static void offer_from_export(kiln_instance *inst, const ld_export *e, lnk_offer *o)
{
    const kiln_module *m = inst->module;
    memset(o, 0, sizeof *o);
    o->kind = e->kind;
    o->exporter = inst;
    switch (e->kind) {
    case KILN_EXTERN_FUNC: {
        const ld_type *t = &m->types[m->funcs[e->index].type_index];
        o->kinds = t->kinds;
        o->param_count = t->param_count;
        o->result_count = t->result_count;
        o->type_id = t->canonical_id;
        o->code = inst->funcrefs[e->index].code;
        o->vmctx = inst->funcrefs[e->index].vmctx;
        break;
    }
    case KILN_EXTERN_MEMORY: o->memory = inst->memory_objs[e->index]; break;
    case KILN_EXTERN_TABLE: o->table = inst->table_objs[e->index]; break;
    case KILN_EXTERN_GLOBAL:
        o->global_cell = ins_global_cell(inst, e->index);
        o->valtype = m->globals[e->index].valtype;
        o->is_mutable = m->globals[e->index].is_mutable;
        if (e->index < m->global_import_count && inst->global_objs != NULL &&
            inst->global_objs[e->index] != NULL)
            o->global = inst->global_objs[e->index]; /* re-export of a host global */
        break;
    }
}

static const lnk_item *find_item(const kiln_linker *l, const char *module, const char *field)
{
    for (size_t i = l->item_count; i-- > 0;)
        if (strcmp(l->items[i].module, module) == 0 && strcmp(l->items[i].field, field) == 0)
            return &l->items[i];
    return NULL;
}

static kiln_instance *find_instance(const kiln_linker *l, const char *name)
{
    for (size_t i = l->instance_count; i-- > 0;)
        if (strcmp(l->instances[i].name, name) == 0)
            return l->instances[i].instance;
    return NULL;
}

static bool module_known(const kiln_linker *l, const char *module)
{
    for (size_t i = 0; i < l->item_count; i++)
        if (strcmp(l->items[i].module, module) == 0)
            return true;
    return find_instance(l, module) != NULL;
}

/* ---- instantiation ------------------------------------------------------------------------ */

static kiln_status lnk_instantiate(kiln_linker *l, const kiln_module *module,
                                   kiln_instance **out, kiln_instance **escaped,
                                   kiln_error *err);

static kiln_status keep(kiln_linker *l, kiln_instance *inst)
{
    kiln_instance **grown = kiln_realloc(l->kept, (l->kept_count + 1) * sizeof *grown);
    if (grown == NULL) {
        /* Cannot keep it alive: leaking is the only safe choice, since
         * shared tables may still point into it. */
        return KILN_ERR_NOMEM;
    }
    l->kept = grown;
    l->kept[l->kept_count++] = inst;
    return KILN_OK;
}

/* Loads module `name` through the resolver, instantiates and registers it.
 * KILN_ERR_NOT_FOUND (err untouched) when the resolver does not know it. */
static kiln_status load_module(kiln_linker *l, const char *name, kiln_error *err)
{
    for (uint32_t i = 0; i < l->loading_depth; i++) {
        if (strcmp(l->loading[i], name) != 0)
            continue;
        char chain[KILN_ERROR_MESSAGE_SIZE];
        size_t used = 0;
        chain[0] = '\0';
        for (uint32_t k = i; k < l->loading_depth && used < sizeof chain; k++) {
            int w = snprintf(chain + used, sizeof chain - used, "%s -> ", l->loading[k]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET, "import cycle: %s%s", chain,
                              name);
    }
    if (l->loading_depth == LNK_MAX_DEPTH)
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "module %s: imports nest deeper than %u modules", name,
                              LNK_MAX_DEPTH);
    kiln_module *mod = NULL;
    kiln_error resolver_err;
    memset(&resolver_err, 0, sizeof resolver_err);
    kiln_status st = l->resolver(l->resolver_data, name, &mod, &resolver_err);
    if (st == KILN_ERR_NOT_FOUND)
        return st;
    if (st != KILN_OK) {
        if (err != NULL)
            *err = resolver_err;
        return st;
    }
    l->loading[l->loading_depth++] = name;
    kiln_instance *inst = NULL, *escaped = NULL;
    st = lnk_instantiate(l, mod, &inst, &escaped, err);
    l->loading_depth--;
    if (st != KILN_OK) {
        if (escaped != NULL) {
            escaped->owned_module = mod;
            (void)keep(l, escaped);
        } else
            kiln_module_free(mod);
        return st;
    }
    inst->owned_module = mod;
    st = kiln_linker_define_instance(l, name, inst, err);
    kiln_instance_free(inst); /* the linker's reference remains (or none: freed) */
    return st;
}

/* A module of m's bundle named `name` that nothing is registered as yet
 * is instantiated (once per linker) and registered under that name, as
 * the resolver's modules are; the bundle owns the module. */
static kiln_status instantiate_bundle_member(kiln_linker *l, const kiln_module *m,
                                             const char *name, kiln_error *err)
{
    const kiln_module *member = OS_BUNDLES ? ld_bundle_member(m, name) : NULL;
    if (member == NULL || module_known(l, name))
        return KILN_OK;
    for (uint32_t i = 0; i < l->loading_depth; i++)
        if (strcmp(l->loading[i], name) == 0)
            return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                  "import cycle in a bundle: module %s imports from itself "
                                  "through other modules",
                                  name);
    if (l->loading_depth == LNK_MAX_DEPTH)
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "module %s: imports nest deeper than %u modules", name,
                              LNK_MAX_DEPTH);
    l->loading[l->loading_depth++] = name;
    kiln_instance *inst = NULL, *escaped = NULL;
    kiln_status st = lnk_instantiate(l, member, &inst, &escaped, err);
    l->loading_depth--;
    if (st != KILN_OK) {
        if (escaped != NULL)
            (void)keep(l, escaped);
        return st;
    }
    st = kiln_linker_define_instance(l, name, inst, err);
    kiln_instance_free(inst); /* the linker's reference remains (or none: freed) */
    return st;
}

static kiln_status resolve_import(kiln_linker *l, const kiln_module *m, const ld_import *im,
                                  ins_import *out, kiln_error *err)
{
    lnk_offer o;
    bool found = false;
    kiln_status bundle_st = instantiate_bundle_member(l, m, im->module_name, err);
    if (bundle_st != KILN_OK)
        return bundle_st;
    const lnk_item *it = find_item(l, im->module_name, im->field_name);
    if (it != NULL) {
        offer_from_item(it, &o);
        found = true;
    } else {
        kiln_instance *inst = find_instance(l, im->module_name);
        if (inst == NULL && l->resolver != NULL && !module_known(l, im->module_name)) {
            kiln_status st = load_module(l, im->module_name, err);
            if (st != KILN_OK && st != KILN_ERR_NOT_FOUND)
                return st;
            inst = find_instance(l, im->module_name);
        }
        if (inst != NULL) {
            const ld_export *e = ld_find_export(inst->module, im->field_name);
            if (e != NULL) {
                offer_from_export(inst, e, &o);
                found = true;
            }
        }
    }
    char expects[LNK_DESC_SIZE];
    describe_import(expects, sizeof expects, m, im);
    if (!found) {
        if (l->trap_unknown && im->kind == KILN_EXTERN_FUNC) {
            memset(out, 0, sizeof *out);
            out->host_fn = hc_trap_unknown;
            return KILN_OK;
        }
        char searched[LNK_DESC_SIZE * 2];
        describe_search(searched, sizeof searched, l, im->module_name);
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "unknown import: %s.%s (%s): %s", im->module_name,
                              im->field_name, expects, searched);
    }
    if (!offer_matches(m, im, &o)) {
        char offers[LNK_DESC_SIZE];
        describe_offer(offers, sizeof offers, &o);
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "incompatible import type: %s.%s: module expects %s, linker "
                              "offers %s",
                              im->module_name, im->field_name, expects, offers);
    }
    memset(out, 0, sizeof *out);
    out->host_fn = o.fn;
    out->host_data = o.user_data;
    out->code = o.code;
    out->vmctx = o.vmctx;
    out->memory = o.memory;
    out->table = o.table;
    out->global = o.global;
    out->global_cell = o.global_cell;
    out->exporter = o.exporter;
    return KILN_OK;
}

static kiln_status lnk_instantiate(kiln_linker *l, const kiln_module *module,
                                   kiln_instance **out, kiln_instance **escaped,
                                   kiln_error *err)
{
    ins_import *imports = kiln_calloc(module->import_count, sizeof *imports);
    if (imports == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory resolving %u imports", module->import_count);
    kiln_status st = KILN_OK;
    for (uint32_t i = 0; i < module->import_count && st == KILN_OK; i++)
        st = resolve_import(l, module, &module->imports[i], &imports[i], err);
    if (st == KILN_OK)
        st = ins_instantiate(module, imports, out, escaped, err);
    kiln_free(imports);
    return st;
}

kiln_status kiln_linker_instantiate(kiln_linker *linker, const kiln_module *module,
                                    kiln_instance **out, kiln_error *err)
{
    if (linker == NULL || module == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_linker_instantiate: linker, module and out must not be "
                              "NULL");
    kiln_instance *escaped = NULL;
    os_mutex_lock(&linker->lock);
    kiln_status st = lnk_instantiate(linker, module, out, &escaped, err);
    if (escaped != NULL)
        (void)keep(linker, escaped);
    os_mutex_unlock(&linker->lock);
    return st;
}

/* ---- exports of an instance ----------------------------------------------------------------- */

kiln_status kiln_instance_global_get(kiln_instance *instance, const char *name, kiln_val *out,
                                     kiln_error *err)
{
    if (instance == NULL || name == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_global_get: NULL argument");
    const ld_export *e = ld_find_export(instance->module, name);
    if (e == NULL || e->kind != KILN_EXTERN_GLOBAL)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "the module has no global export named \"%s\"", name);
    kiln_global g;
    memset(&g, 0, sizeof g);
    g.cell = ins_global_cell(instance, e->index);
    g.valtype = instance->module->globals[e->index].valtype;
    *out = kiln_global_get(&g);
    return KILN_OK;
}

kiln_status kiln_instance_export_memory(kiln_instance *instance, const char *name,
                                        kiln_memory **out, kiln_error *err)
{
    if (instance == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_export_memory: NULL argument");
    uint32_t index = 0;
    if (name != NULL) {
        const ld_export *e = ld_find_export(instance->module, name);
        if (e == NULL || e->kind != KILN_EXTERN_MEMORY)
            return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                                  "the module has no memory export named \"%s\"", name);
        index = e->index;
    } else if (instance->module->memory_count == 0) {
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "the instance has no memory");
    }
    *out = instance->memory_objs[index];
    return KILN_OK;
}
