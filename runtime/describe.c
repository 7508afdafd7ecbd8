/*
 * Module introspection for hosts: each import and export with its kind and
 * type (kiln_module_import, kiln_module_export), export lookups by name,
 * counts, the module's name, the runtime's target. Reads the loaded module
 * only; every string and array handed out is owned by the module.
 */
#include <string.h>

#include "backtrace.h"
#include "kiln_common.h"
#include "module.h"
#include "names.h"
#include "reloc/reloc.h"

/* Fills the type part of desc for item `index` of kind's index space. */
static void describe_item(const kiln_module *m, uint8_t kind, uint32_t index,
                          kiln_extern_desc *desc)
{
    desc->kind = (kiln_extern_kind)kind;
    switch ((kiln_extern_kind)kind) {
    case KILN_EXTERN_FUNC: {
        const ld_type *t = &m->types[m->funcs[index].type_index];
        desc->func.param_count = t->param_count;
        desc->func.result_count = t->result_count;
        desc->func.params = t->kinds;
        desc->func.results = t->kinds + t->param_count;
        break;
    }
    case KILN_EXTERN_TABLE:
        desc->elem_kind = (kiln_valkind)m->tables[index].reftype;
        desc->min = m->tables[index].limits.min;
        desc->has_max = (m->tables[index].limits.flags & KILN_LIMITS_HAS_MAX) != 0;
        desc->max = desc->has_max ? m->tables[index].limits.max : 0;
        break;
    case KILN_EXTERN_MEMORY:
        desc->min = m->memories[index].min;
        desc->has_max = (m->memories[index].flags & KILN_LIMITS_HAS_MAX) != 0;
        desc->max = desc->has_max ? m->memories[index].max : 0;
        desc->shared = (m->memories[index].flags & KILN_LIMITS_SHARED) != 0;
        break;
    case KILN_EXTERN_GLOBAL:
        desc->global_kind = (kiln_valkind)m->globals[index].valtype;
        desc->global_mutable = m->globals[index].is_mutable;
        break;
    }
}

kiln_status kiln_module_import(const kiln_module *module, size_t index, kiln_extern_desc *out,
                               kiln_error *err)
{
    if (module == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_import: NULL argument");
    if (index >= module->import_count)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "import %zu: the module has %u imports", index,
                              module->import_count);
    /* Imports come first in each index space, in import order. */
    const ld_import *im = &module->imports[index];
    uint32_t in_space = 0;
    for (size_t i = 0; i < index; i++)
        if (module->imports[i].kind == im->kind)
            in_space++;
    kiln_extern_desc d;
    memset(&d, 0, sizeof d);
    d.module = im->module_name;
    d.name = im->field_name;
    d.name_len = strlen(im->field_name);
    describe_item(module, im->kind, in_space, &d);
    *out = d;
    return KILN_OK;
}

kiln_status kiln_module_export(const kiln_module *module, size_t index, kiln_extern_desc *out,
                               kiln_error *err)
{
    if (module == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_export: NULL argument");
    if (index >= module->export_count)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "export %zu: the module has %u exports", index,
                              module->export_count);
    const ld_export *e = &module->exports[index];
    kiln_extern_desc d;
    memset(&d, 0, sizeof d);
    d.module = NULL;
    d.name = e->name;
    d.name_len = e->name_len;
    describe_item(module, e->kind, e->index, &d);
    *out = d;
    return KILN_OK;
}

kiln_status kiln_module_export_func_type(const kiln_module *module, const char *name,
                                         kiln_func_type *out, kiln_error *err)
{
    if (module == NULL || name == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_export_func_type: NULL argument");
    const ld_export *e = ld_find_export(module, name);
    if (e == NULL)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "the module has no export named \"%s\"", name);
    if (e->kind != KILN_EXTERN_FUNC)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "export \"%s\" is a %s, not a function", name,
                              ld_extern_kind_name(e->kind));
    const ld_type *t = &module->types[module->funcs[e->index].type_index];
    out->param_count = t->param_count;
    out->result_count = t->result_count;
    out->params = t->kinds;
    out->results = t->kinds + t->param_count;
    return KILN_OK;
}

size_t kiln_module_export_count(const kiln_module *module)
{
    return module == NULL ? 0 : module->export_count;
}

const char *kiln_module_export_name(const kiln_module *module, size_t index)
{
    if (module == NULL || index >= module->export_count)
        return NULL;
    return module->exports[index].name;
}

kiln_extern_kind kiln_module_export_kind(const kiln_module *module, size_t index)
{
    if (module == NULL || index >= module->export_count)
        return KILN_EXTERN_FUNC;
    return (kiln_extern_kind)module->exports[index].kind;
}

size_t kiln_module_import_count(const kiln_module *module)
{
    return module == NULL ? 0 : module->import_count;
}

const char *kiln_module_name(const kiln_module *module)
{
    return module != NULL ? bt_map_module_name(module->backtrace) : NULL;
}

const char *kiln_runtime_target(void)
{
    return arch_host_triple();
}
