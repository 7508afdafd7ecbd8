/*
 * Calls from the host into wasm: function handles (kiln_instance_func,
 * kiln_func_call) and the by-name calls built on them.
 *
 * A handle is made once per export, on its first lookup, and holds all a
 * call needs (entry trampoline, code, vmctx, type), so kiln_func_call does
 * no name lookup: it checks the arguments against the type, packs them into
 * kiln_slot cells and enters wasm inside trap_call, so a trap comes back as
 * KILN_ERR_TRAP and the instance stays usable.
 *
 * Ownership: handles belong to their instance (freed with it).
 */
#include <stdatomic.h>
#include <string.h>

#include "alloc.h"
#include "instance.h"
#include "kiln_common.h"
#include "names.h"
#include "trap.h"
#include "values.h"

struct kiln_func {
    kiln_instance *instance;
    trap_entry_fn entry;
    void *code;
    void *vmctx;
    const ld_type *type;
    const ld_export *export; /* name and index, owned by the module */
};

#define FN_LOCAL_SLOTS 16u

void ins_func_handles_free(kiln_instance *instance)
{
    if (instance->func_handles == NULL)
        return;
    for (uint32_t i = 0; i < instance->module->export_count; i++)
        kiln_free(instance->func_handles[i]);
    kiln_free(instance->func_handles);
    instance->func_handles = NULL;
}

/* The export named by name_len bytes as a function, or an error naming it. */
static kiln_status find_func_export(const kiln_instance *instance, const char *name,
                                    size_t name_len, const ld_export **out, kiln_error *err)
{
    const ld_export *e = ld_find_export_n(instance->module, name, name_len);
    if (e == NULL)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "the module has no export named \"%.*s\"", (int)name_len, name);
    if (e->kind != KILN_EXTERN_FUNC)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "export \"%.*s\" is a %s, not a function", (int)name_len, name,
                              ld_extern_kind_name(e->kind));
    *out = e;
    return KILN_OK;
}

kiln_status kiln_instance_func_n(kiln_instance *instance, const char *name, size_t name_len,
                                 kiln_func **out, kiln_error *err)
{
    if (instance == NULL || name == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_func: NULL argument");
    const ld_export *e = NULL;
    kiln_status st = find_func_export(instance, name, name_len, &e, err);
    if (st != KILN_OK)
        return st;
    const kiln_module *m = instance->module;
    if (instance->func_handles == NULL) {
        instance->func_handles = kiln_calloc(m->export_count, sizeof *instance->func_handles);
        if (instance->func_handles == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory making a function handle");
    }
    size_t slot = (size_t)(e - m->exports);
    kiln_func *f = instance->func_handles[slot];
    if (f == NULL) {
        f = kiln_calloc(1, sizeof *f);
        if (f == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory making a function handle");
        uint32_t type_index = m->funcs[e->index].type_index;
        f->instance = instance;
        f->entry = ins_entry_of(m, type_index);
        ins_func_target(instance, e->index, &f->code, &f->vmctx);
        f->type = &m->types[type_index];
        f->export = e;
        instance->func_handles[slot] = f;
    }
    *out = f;
    return KILN_OK;
}

kiln_status kiln_instance_func(kiln_instance *instance, const char *name, kiln_func **out,
                               kiln_error *err)
{
    if (name == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_func: NULL argument");
    return kiln_instance_func_n(instance, name, strlen(name), out, err);
}

kiln_func_type kiln_func_get_type(const kiln_func *func)
{
    kiln_func_type t = {0, 0, NULL, NULL};
    if (func != NULL) {
        t.param_count = func->type->param_count;
        t.result_count = func->type->result_count;
        t.params = func->type->kinds;
        t.results = func->type->kinds + func->type->param_count;
    }
    return t;
}

const char *kiln_func_name(const kiln_func *func)
{
    return func == NULL ? NULL : func->export->name;
}

/* The mismatch between the call and the type, as a KILN_ERR_TYPE message. */
static kiln_status type_mismatch(const kiln_func *f, const kiln_val *args, size_t arg_count,
                                 size_t result_count, kiln_error *err)
{
    const char *name = f->export->name;
    const ld_type *t = f->type;
    char expected[200];
    if (arg_count != t->param_count) {
        rt_format_kinds(expected, sizeof expected, t->kinds, t->param_count);
        return kiln_error_set(err, KILN_ERR_TYPE, KILN_NO_OFFSET,
                              "%s expects %u argument%s (%s), given %zu", name, t->param_count,
                              t->param_count == 1 ? "" : "s", expected, arg_count);
    }
    for (uint32_t i = 0; i < t->param_count; i++) {
        if (args[i].kind != t->kinds[i])
            return kiln_error_set(err, KILN_ERR_TYPE, KILN_NO_OFFSET,
                                  "argument %u of %s: expected %s, given %s", i + 1, name,
                                  ld_valtype_name((uint8_t)t->kinds[i]),
                                  ld_valtype_name((uint8_t)args[i].kind));
    }
    rt_format_kinds(expected, sizeof expected, t->kinds + t->param_count, t->result_count);
    return kiln_error_set(err, KILN_ERR_TYPE, KILN_NO_OFFSET,
                          "%s returns %u result%s (%s), room given for %zu", name,
                          t->result_count, t->result_count == 1 ? "" : "s", expected,
                          result_count);
}

kiln_status kiln_func_call(kiln_func *func, const kiln_val *args, size_t arg_count,
                           kiln_val *results, size_t result_count, kiln_error *err)
{
    if (func == NULL || (args == NULL && arg_count != 0) || (results == NULL && result_count != 0))
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_func_call: NULL argument");
    const ld_type *t = func->type;
    if (arg_count != t->param_count || result_count != t->result_count)
        return type_mismatch(func, args, arg_count, result_count, err);
    for (uint32_t i = 0; i < t->param_count; i++)
        if (args[i].kind != t->kinds[i])
            return type_mismatch(func, args, arg_count, result_count, err);

    kiln_slot local[FN_LOCAL_SLOTS];
    size_t n = t->param_count > t->result_count ? t->param_count : t->result_count;
    kiln_slot *slots = local;
    if (n > FN_LOCAL_SLOTS) {
        slots = kiln_calloc(n, sizeof *slots);
        if (slots == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory passing %zu values", n);
    }
    for (uint32_t i = 0; i < t->param_count; i++)
        rt_val_to_slot(&slots[i], args[i].kind, &args[i]);
    kiln_instance *inst = func->instance;
    kiln_status st = trap_call(func->entry, func->vmctx, func->code, slots, inst->linked_vmctxs,
                               inst->linked_count, inst->stack_size, err);
    if (st == KILN_OK) {
        for (uint32_t i = 0; i < t->result_count; i++)
            rt_slot_to_val(&results[i], t->kinds[t->param_count + i], &slots[i]);
    }
    if (slots != local)
        kiln_free(slots);
    return st;
}

kiln_status kiln_instance_call(kiln_instance *instance, const char *name, const kiln_val *args,
                               size_t arg_count, kiln_val *results, size_t result_count,
                               kiln_error *err)
{
    if (name == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_call: NULL argument");
    return kiln_instance_call_n(instance, name, strlen(name), args, arg_count, results,
                                result_count, err);
}

kiln_status kiln_instance_call_n(kiln_instance *instance, const char *name, size_t name_len,
                                 const kiln_val *args, size_t arg_count, kiln_val *results,
                                 size_t result_count, kiln_error *err)
{
    if (instance == NULL || name == NULL || (args == NULL && arg_count != 0) ||
        (results == NULL && result_count != 0))
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_call: NULL argument");
    kiln_func *f;
    kiln_status st = kiln_instance_func_n(instance, name, name_len, &f, err);
    if (st != KILN_OK)
        return st;
    return kiln_func_call(f, args, arg_count, results, result_count, err);
}

/* ---- limits ------------------------------------------------------------------------- */

kiln_status kiln_instance_set_stack_size(kiln_instance *instance, size_t bytes, kiln_error *err)
{
    if (instance == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_set_stack_size: NULL instance");
    instance->stack_size = bytes;
    return KILN_OK;
}

kiln_status kiln_instance_set_max_memory(kiln_instance *instance, uint64_t max_bytes,
                                         kiln_error *err)
{
    if (instance == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_set_max_memory: NULL instance");
    instance->max_memory_bytes = max_bytes;
    return KILN_OK;
}

/* ---- interruption -------------------------------------------------------------------- */

/* The interrupt word of vmctx (aot_format.h), written from any thread. */
static _Atomic uintptr_t *interrupt_word(void *vmctx)
{
    return (_Atomic uintptr_t *)((uintptr_t *)vmctx + KILN_VMCTX_INTERRUPT);
}

kiln_status kiln_instance_interrupt(kiln_instance *instance, kiln_error *err)
{
    if (instance == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_interrupt: NULL instance");
    /* The instance and every instance its code may call into: a call is
     * stopped wherever it is running. */
    atomic_store_explicit(interrupt_word(instance->vmctx), 1u, memory_order_relaxed);
    for (uint32_t i = 0; i < instance->linked_count; i++)
        atomic_store_explicit(interrupt_word(instance->linked_vmctxs[i]), 1u,
                              memory_order_relaxed);
    return KILN_OK;
}

void ins_interrupt_clear(void *vmctx, void *const *linked, uint32_t linked_count)
{
    atomic_store_explicit(interrupt_word(vmctx), 0u, memory_order_relaxed);
    for (uint32_t i = 0; i < linked_count; i++)
        atomic_store_explicit(interrupt_word(linked[i]), 0u, memory_order_relaxed);
}

bool kiln_module_interruptible(const kiln_module *module)
{
    return module != NULL &&
           (kiln_read_u32le(module->bytes + KILN_AOT_OFF_WASM_FEATURES) &
            KILN_FEATURE_INTERRUPTIBLE) != 0;
}
