/*
 * Instantiation and calls (see instance.h).
 *
 * kiln_instance_new runs the spec's steps in order: resolve imports (one
 * place: fill_imports), allocate vmctx and fill its fixed words, create
 * memories and tables, build funcref records, evaluate globals, apply
 * active element then data segments (bounds checked first), run start.
 * kiln_instance_call checks the export's type against the arguments, packs
 * them into kiln_slot cells and enters wasm through the type's entry
 * trampoline inside trap_call, so a trap comes back as KILN_ERR_TRAP and
 * the instance stays usable.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "helpers.h"
#include "instance.h"
#include "kiln_common.h"
#include "trap.h"

/* Tables larger than this are refused at instantiation (as other engines
 * do): the elements array is allocated up front. */
#define INS_TABLE_MAX_ELEMENTS 10000000u

_Static_assert(offsetof(ins_table, size) == sizeof(void *), "table size at W");
_Static_assert(offsetof(ins_table, max) == sizeof(void *) + 4u, "table max at W+4");

/* ---- vmctx regions -------------------------------------------------------------- */

static uint8_t *global_slot(const kiln_instance *inst, uint32_t index)
{
    return inst->vmctx + inst->module->layout.globals + (size_t)index * KILN_GLOBAL_SLOT_SIZE;
}

/* The 16-byte cell holding global `index`: in place for defined globals,
 * behind a pointer for imported ones. */
static uint8_t *global_cell(const kiln_instance *inst, uint32_t index)
{
    uint8_t *slot = global_slot(inst, index);
    if (index < inst->module->global_import_count) {
        uint8_t *cell;
        memcpy(&cell, slot, sizeof cell);
        return cell;
    }
    return slot;
}

static void set_pointer(uint8_t *vmctx, uint32_t offset, const void *p)
{
    memcpy(vmctx + offset, &p, sizeof p);
}

/* Code and vmctx to call function `index` with. */
static void func_target(const kiln_instance *inst, uint32_t index, void **code, void **vmctx)
{
    *code = inst->funcrefs[index].code;
    *vmctx = inst->funcrefs[index].vmctx;
}

/* ---- imports ---------------------------------------------------------------------- */

/*
 * The one place imports are resolved. kiln_instance_new has no linker, so
 * the first import is reported unresolved; the linker will fill the func
 * import slots ({code, vmctx} at layout.func_imports), memory/table
 * definition pointers and global cell pointers from here.
 */
static kiln_status fill_imports(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    if (m->import_count == 0)
        return KILN_OK;
    const ld_import *im = &m->imports[0];
    return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                          "unresolved import %s.%s (%s): kiln_instance_new resolves no "
                          "imports; use the linker",
                          im->module_name, im->field_name, ld_extern_kind_name(im->kind));
}

/* ---- constant expressions ------------------------------------------------------------- */

typedef struct cexpr_value {
    uint8_t bytes[16];
} cexpr_value;

static uint64_t cv_u64(const cexpr_value *v)
{
    return kiln_read_u64le(v->bytes);
}

static void cv_set_u64(cexpr_value *v, uint64_t x)
{
    memset(v->bytes, 0, sizeof v->bytes);
    kiln_write_u64le(v->bytes, x);
}

static void cv_set_pointer(cexpr_value *v, const void *p)
{
    memset(v->bytes, 0, sizeof v->bytes);
    memcpy(v->bytes, &p, sizeof p);
}

/* Evaluates a cexpr the loader validated (well-formed, typed, indices in
 * range), so no check fails here. */
static cexpr_value eval_cexpr(const kiln_instance *inst, const uint8_t *p)
{
    cexpr_value stack[16];
    unsigned depth = 0;
    for (;;) {
        uint8_t op = *p++;
        cexpr_value v;
        memset(&v, 0, sizeof v);
        switch ((kiln_cexpr_op)op) {
        case KILN_CEXPR_END:
            return stack[depth - 1];
        case KILN_CEXPR_I32_CONST:
        case KILN_CEXPR_F32_CONST:
            cv_set_u64(&v, kiln_read_u32le(p));
            p += 4;
            break;
        case KILN_CEXPR_I64_CONST:
        case KILN_CEXPR_F64_CONST:
            cv_set_u64(&v, kiln_read_u64le(p));
            p += 8;
            break;
        case KILN_CEXPR_V128_CONST:
            memcpy(v.bytes, p, 16);
            p += 16;
            break;
        case KILN_CEXPR_GLOBAL_GET:
            memcpy(v.bytes, global_cell(inst, kiln_read_u32le(p)), 16);
            p += 4;
            break;
        case KILN_CEXPR_REF_NULL:
            p += 1;
            cv_set_pointer(&v, NULL);
            break;
        case KILN_CEXPR_REF_FUNC:
            cv_set_pointer(&v, &inst->funcrefs[kiln_read_u32le(p)]);
            p += 4;
            break;
        case KILN_CEXPR_I32_ADD:
        case KILN_CEXPR_I32_SUB:
        case KILN_CEXPR_I32_MUL:
        case KILN_CEXPR_I64_ADD:
        case KILN_CEXPR_I64_SUB:
        case KILN_CEXPR_I64_MUL: {
            uint64_t b = cv_u64(&stack[--depth]);
            uint64_t a = cv_u64(&stack[--depth]);
            uint64_t r = op == KILN_CEXPR_I32_ADD || op == KILN_CEXPR_I64_ADD   ? a + b
                         : op == KILN_CEXPR_I32_SUB || op == KILN_CEXPR_I64_SUB ? a - b
                                                                                : a * b;
            if (op <= KILN_CEXPR_I32_MUL)
                r = (uint32_t)r;
            cv_set_u64(&v, r);
            break;
        }
        }
        stack[depth++] = v;
    }
}

static void *cv_pointer(const cexpr_value *v)
{
    void *p;
    memcpy(&p, v->bytes, sizeof p);
    return p;
}

/* ---- creation ------------------------------------------------------------------------ */

static kiln_status create_memories(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    for (uint32_t i = m->memory_import_count; i < m->memory_count; i++) {
        kiln_status st = mem_new(&m->memories[i], &inst->memories[i], err);
        if (st != KILN_OK)
            return st;
    }
    for (uint32_t i = 0; i < m->memory_count; i++)
        set_pointer(inst->vmctx, m->layout.memories + i * (uint32_t)sizeof(void *),
                    inst->memories[i]);
    if (m->memory_count > 0)
        return mem_attach(inst->memories[0], inst->vmctx, err);
    return KILN_OK;
}

static kiln_status create_tables(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    for (uint32_t i = m->table_import_count; i < m->table_count; i++) {
        const ld_limits *l = &m->tables[i].limits;
        if (l->min > INS_TABLE_MAX_ELEMENTS)
            return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                                  "table %u of %llu elements exceeds this runtime's limit of "
                                  "%u",
                                  i, (unsigned long long)l->min, INS_TABLE_MAX_ELEMENTS);
        ins_table *t = kiln_calloc(1, sizeof *t);
        if (t == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory allocating table %u", i);
        inst->tables[i] = t;
        t->size = (uint32_t)l->min;
        t->max = (l->flags & KILN_LIMITS_HAS_MAX) ? (uint32_t)l->max : UINT32_MAX;
        t->elements = kiln_calloc(t->size, sizeof *t->elements);
        if (t->elements == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory allocating %u elements of table %u", t->size,
                                  i);
    }
    for (uint32_t i = 0; i < m->table_count; i++)
        set_pointer(inst->vmctx, m->layout.tables + i * (uint32_t)sizeof(void *),
                    inst->tables[i]);
    return KILN_OK;
}

static void build_funcrefs(kiln_instance *inst)
{
    const kiln_module *m = inst->module;
    for (uint32_t i = 0; i < m->func_count; i++) {
        ins_funcref *r = &inst->funcrefs[i];
        r->type_id = m->types[m->funcs[i].type_index].canonical_id;
        if (i < m->func_import_count) {
            uint32_t slot = m->layout.func_imports + i * 2u * (uint32_t)sizeof(void *);
            memcpy(&r->code, inst->vmctx + slot, sizeof r->code);
            memcpy(&r->vmctx, inst->vmctx + slot + sizeof(void *), sizeof r->vmctx);
        } else {
            uint32_t off = m->funcs[i].code_offset;
            r->code = off == KILN_AOT_NONE ? NULL : m->code_base + off;
            r->vmctx = inst->vmctx;
        }
    }
}

static void init_globals(kiln_instance *inst)
{
    const kiln_module *m = inst->module;
    for (uint32_t i = m->global_import_count; i < m->global_count; i++) {
        cexpr_value v = eval_cexpr(inst, m->globals[i].init);
        memcpy(global_slot(inst, i), v.bytes, KILN_GLOBAL_SLOT_SIZE);
    }
}

static kiln_status apply_elems(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const ld_elem *e = &m->elems[i];
        if (e->mode != KILN_SEGMENT_ACTIVE)
            continue;
        ins_table *t = inst->tables[e->table_index];
        cexpr_value off = eval_cexpr(inst, e->offset);
        uint64_t start = (uint32_t)cv_u64(&off);
        if (start + e->item_count > t->size)
            return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                                  "out of bounds table access: element segment %u writes "
                                  "[%llu, %llu) into table %u of %u elements",
                                  i, (unsigned long long)start,
                                  (unsigned long long)(start + e->item_count), e->table_index,
                                  t->size);
        for (uint32_t k = 0; k < e->item_count; k++) {
            cexpr_value item = eval_cexpr(inst, e->items[k]);
            t->elements[start + k] = cv_pointer(&item);
        }
    }
    return KILN_OK;
}

static kiln_status apply_data(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    for (uint32_t i = 0; i < m->data_count; i++) {
        const ld_data *d = &m->datas[i];
        if (d->mode != KILN_SEGMENT_ACTIVE)
            continue;
        mem_memory *mem = inst->memories[d->memory_index];
        cexpr_value off = eval_cexpr(inst, d->offset);
        uint64_t start = (uint32_t)cv_u64(&off);
        if (start + d->size > mem->size_bytes)
            return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                                  "out of bounds memory access: data segment %u writes "
                                  "[%llu, %llu) into memory %u of %llu bytes",
                                  i, (unsigned long long)start,
                                  (unsigned long long)(start + d->size), d->memory_index,
                                  (unsigned long long)mem->size_bytes);
        if (d->size != 0)
            memcpy(mem->base + start, d->bytes, d->size);
    }
    return KILN_OK;
}

static trap_entry_fn entry_of(const kiln_module *m, uint32_t type_index)
{
    return (trap_entry_fn)(uintptr_t)(m->code_base + m->types[type_index].entry_trampoline);
}

static kiln_status run_start(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    if (!m->has_start)
        return KILN_OK;
    void *code, *vmctx;
    func_target(inst, m->start_func, &code, &vmctx);
    kiln_slot slot = {0, 0};
    return trap_call(entry_of(m, m->funcs[m->start_func].type_index), vmctx, code, &slot, err);
}

kiln_status kiln_instance_new(const kiln_module *module, kiln_instance **out, kiln_error *err)
{
    if (module == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_new: module or out is NULL");
    kiln_instance *inst = kiln_calloc(1, sizeof *inst);
    if (inst == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating an instance");
    inst->module = module;
    kiln_status st = KILN_OK;
    inst->vmctx_allocation = kiln_calloc(1, (size_t)module->layout.size + 15u);
    inst->memories = kiln_calloc(module->memory_count, sizeof *inst->memories);
    inst->tables = kiln_calloc(module->table_count, sizeof *inst->tables);
    inst->funcrefs = kiln_calloc(module->func_count, sizeof *inst->funcrefs);
    if (inst->vmctx_allocation == NULL || inst->memories == NULL || inst->tables == NULL ||
        inst->funcrefs == NULL) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                            "out of memory allocating an instance");
        goto fail;
    }
    inst->vmctx = (uint8_t *)(((uintptr_t)inst->vmctx_allocation + 15u) & ~(uintptr_t)15u);
    set_pointer(inst->vmctx, KILN_VMCTX_HELPERS * sizeof(void *), hlp_table());
    set_pointer(inst->vmctx, KILN_VMCTX_TYPE_IDS * sizeof(void *), module->type_ids);
    set_pointer(inst->vmctx, KILN_VMCTX_INSTANCE * sizeof(void *), inst);

    st = fill_imports(inst, err);
    if (st != KILN_OK)
        goto fail;
    st = create_memories(inst, err);
    if (st != KILN_OK)
        goto fail;
    st = create_tables(inst, err);
    if (st != KILN_OK)
        goto fail;
    build_funcrefs(inst);
    init_globals(inst);
    st = apply_elems(inst, err);
    if (st != KILN_OK)
        goto fail;
    st = apply_data(inst, err);
    if (st != KILN_OK)
        goto fail;
    st = run_start(inst, err);
    if (st != KILN_OK)
        goto fail;
    *out = inst;
    return KILN_OK;
fail:
    kiln_instance_free(inst);
    return st;
}

void kiln_instance_free(kiln_instance *instance)
{
    if (instance == NULL)
        return;
    const kiln_module *m = instance->module;
    if (instance->memories != NULL) {
        if (m->memory_count > 0 && instance->memories[0] != NULL && instance->vmctx != NULL)
            mem_detach(instance->memories[0], instance->vmctx);
        for (uint32_t i = m->memory_import_count; i < m->memory_count; i++)
            mem_free(instance->memories[i]);
    }
    if (instance->tables != NULL) {
        for (uint32_t i = m->table_import_count; i < m->table_count; i++) {
            if (instance->tables[i] != NULL)
                kiln_free(instance->tables[i]->elements);
            kiln_free(instance->tables[i]);
        }
    }
    kiln_free(instance->memories);
    kiln_free(instance->tables);
    kiln_free(instance->funcrefs);
    kiln_free(instance->vmctx_allocation);
    kiln_free(instance);
}

/* ---- calls ----------------------------------------------------------------------------- */

static void pack(kiln_slot *slot, const kiln_val *v)
{
    slot->lo = 0;
    slot->hi = 0;
    switch (v->kind) {
    case KILN_I32: slot->lo = (uint32_t)v->of.i32; break;
    case KILN_I64: slot->lo = (uint64_t)v->of.i64; break;
    case KILN_F32: {
        uint32_t bits;
        memcpy(&bits, &v->of.f32, 4);
        slot->lo = bits;
        break;
    }
    case KILN_F64: memcpy(&slot->lo, &v->of.f64, 8); break;
    case KILN_V128: memcpy(slot, v->of.v128, 16); break;
    case KILN_FUNCREF:
    case KILN_EXTERNREF: slot->lo = (uint64_t)(uintptr_t)v->of.ref; break;
    }
}

static void unpack(kiln_val *v, kiln_valkind kind, const kiln_slot *slot)
{
    memset(v, 0, sizeof *v);
    v->kind = kind;
    switch (kind) {
    case KILN_I32: v->of.i32 = (int32_t)(uint32_t)slot->lo; break;
    case KILN_I64: v->of.i64 = (int64_t)slot->lo; break;
    case KILN_F32: {
        uint32_t bits = (uint32_t)slot->lo;
        memcpy(&v->of.f32, &bits, 4);
        break;
    }
    case KILN_F64: memcpy(&v->of.f64, &slot->lo, 8); break;
    case KILN_V128: memcpy(v->of.v128, slot, 16); break;
    case KILN_FUNCREF:
    case KILN_EXTERNREF: v->of.ref = (void *)(uintptr_t)slot->lo; break;
    }
}

static void format_kinds(char *buf, size_t size, const kiln_valkind *kinds, uint32_t count)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < count && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         ld_valtype_name((uint8_t)kinds[i]));
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static kiln_status check_args(const char *name, const ld_type *t, const kiln_val *args,
                              size_t arg_count, size_t result_count, kiln_error *err)
{
    char expected[200];
    if (arg_count != t->param_count) {
        format_kinds(expected, sizeof expected, t->kinds, t->param_count);
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
    if (result_count != t->result_count) {
        format_kinds(expected, sizeof expected, t->kinds + t->param_count, t->result_count);
        return kiln_error_set(err, KILN_ERR_TYPE, KILN_NO_OFFSET,
                              "%s returns %u result%s (%s), room given for %zu", name,
                              t->result_count, t->result_count == 1 ? "" : "s", expected,
                              result_count);
    }
    return KILN_OK;
}

kiln_status kiln_instance_call(kiln_instance *instance, const char *name, const kiln_val *args,
                               size_t arg_count, kiln_val *results, size_t result_count,
                               kiln_error *err)
{
    if (instance == NULL || name == NULL || (args == NULL && arg_count != 0) ||
        (results == NULL && result_count != 0))
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_call: NULL argument");
    const kiln_module *m = instance->module;
    const ld_export *e = ld_find_export(m, name);
    if (e == NULL)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "the module has no export named \"%s\"", name);
    if (e->kind != KILN_EXTERN_FUNC)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "export \"%s\" is a %s, not a function", name,
                              ld_extern_kind_name(e->kind));
    uint32_t type_index = m->funcs[e->index].type_index;
    const ld_type *t = &m->types[type_index];
    kiln_status st = check_args(name, t, args, arg_count, result_count, err);
    if (st != KILN_OK)
        return st;

    kiln_slot local[16];
    size_t n = t->param_count > t->result_count ? t->param_count : t->result_count;
    kiln_slot *slots = local;
    if (n > sizeof local / sizeof local[0]) {
        slots = kiln_calloc(n, sizeof *slots);
        if (slots == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory passing %zu values", n);
    }
    for (uint32_t i = 0; i < t->param_count; i++)
        pack(&slots[i], &args[i]);
    void *code, *vmctx;
    func_target(instance, e->index, &code, &vmctx);
    st = trap_call(entry_of(m, type_index), vmctx, code, slots, err);
    if (st == KILN_OK) {
        for (uint32_t i = 0; i < t->result_count; i++)
            unpack(&results[i], t->kinds[t->param_count + i], &slots[i]);
    }
    if (slots != local)
        kiln_free(slots);
    return st;
}

kiln_status kiln_instance_memory(const kiln_instance *instance, uint8_t **base, uint64_t *size,
                                 kiln_error *err)
{
    if (instance == NULL || base == NULL || size == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_memory: NULL argument");
    if (instance->module->memory_count == 0)
        return kiln_error_set(err, KILN_ERR_NOT_FOUND, KILN_NO_OFFSET,
                              "the instance has no memory");
    *base = instance->memories[0]->base;
    *size = instance->memories[0]->size_bytes;
    return KILN_OK;
}
