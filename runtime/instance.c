/*
 * Instantiation and calls (see instance.h).
 *
 * kiln_instance_new runs the spec's steps in order: resolve imports (one
 * place: fill_imports), allocate vmctx and fill its fixed words, create
 * memories and tables, build funcref records, evaluate globals, apply
 * active element then data segments (bounds checked first), run start.
 * Calls from the host (kiln_instance_call, function handles) are in
 * func.c.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "extern.h"
#include "helpers.h"
#include "hostcall.h"
#include "instance.h"
#include "kiln_common.h"
#include "names.h"
#include "platform/platform.h"
#include "trap.h"
#include "values.h"

/* The instantiation budget (kiln_instance_budget_set). The default lets
 * the largest memory wasm32 can declare (4 GiB) and as much again of
 * tables through; large tables are committed lazily (extern.c), so the
 * budget bounds address space and what growth can later touch, not what an
 * empty instance costs. */
static _Atomic uint64_t instance_budget = KILN_INSTANCE_BUDGET_DEFAULT;

void kiln_instance_budget_set(uint64_t bytes)
{
    atomic_store_explicit(&instance_budget,
                          bytes != 0 ? bytes : (uint64_t)KILN_INSTANCE_BUDGET_DEFAULT,
                          memory_order_relaxed);
}

uint64_t ins_budget(void)
{
    return atomic_load_explicit(&instance_budget, memory_order_relaxed);
}

/* Refuses, before anything is allocated, an instance whose defined tables
 * and memories need more than the budget at their minimum sizes. */
static kiln_status check_budget(const kiln_module *m, kiln_error *err)
{
    uint64_t tables = 0, memories = 0;
    for (uint32_t i = m->table_import_count; i < m->table_count; i++)
        tables += m->tables[i].limits.min * sizeof(void *);
    for (uint32_t i = m->memory_import_count; i < m->memory_count; i++)
        memories += m->memories[i].min * (uint64_t)KILN_WASM_PAGE_SIZE;
    uint64_t budget = ins_budget();
    if (tables + memories <= budget)
        return KILN_OK;
    return kiln_error_set(err, KILN_ERR_INSTANTIATE, KILN_NO_OFFSET,
                          "instantiation budget exceeded: the module's %u tables and %u "
                          "memories need %llu + %llu bytes at their minimum sizes, the "
                          "budget is %llu bytes (kiln_instance_budget_set)",
                          m->table_count - m->table_import_count,
                          m->memory_count - m->memory_import_count,
                          (unsigned long long)tables, (unsigned long long)memories,
                          (unsigned long long)budget);
}

/* The records compiled code reads (aot_format.h). */
_Static_assert(offsetof(ins_table, elements) == KILN_TABLEDEF_ELEMENTS_OFFSET(sizeof(void *)),
               "table definition: elements");
_Static_assert(offsetof(ins_table, size) == KILN_TABLEDEF_SIZE_OFFSET(sizeof(void *)),
               "table definition: size");
_Static_assert(offsetof(ins_table, max) == KILN_TABLEDEF_MAX_OFFSET(sizeof(void *)),
               "table definition: max");
_Static_assert(offsetof(ins_funcref, code) == KILN_FUNCREF_CODE_OFFSET(sizeof(void *)),
               "funcref record: code");
_Static_assert(offsetof(ins_funcref, vmctx) == KILN_FUNCREF_VMCTX_OFFSET(sizeof(void *)),
               "funcref record: vmctx");
_Static_assert(offsetof(ins_funcref, type_id) == KILN_FUNCREF_TYPE_ID_OFFSET(sizeof(void *)),
               "funcref record: type_id");

/* ---- vmctx regions -------------------------------------------------------------- */

static uint8_t *global_slot(const kiln_instance *inst, uint32_t index)
{
    return inst->vmctx + inst->module->layout.globals + (size_t)index * KILN_GLOBAL_SLOT_SIZE;
}

/* The 16-byte cell holding global `index`: in place for defined globals,
 * behind a pointer for imported ones. */
uint8_t *ins_global_cell(const kiln_instance *inst, uint32_t index)
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
void ins_func_target(const kiln_instance *inst, uint32_t index, void **code, void **vmctx)
{
    *code = inst->funcrefs[index].code;
    *vmctx = inst->funcrefs[index].vmctx;
}

/* ---- imports ---------------------------------------------------------------------- */

/* Takes a reference to exporter once per importing instance. */
static kiln_status add_dep(kiln_instance *inst, kiln_instance *exporter, kiln_error *err)
{
    for (uint32_t i = 0; i < inst->dep_count; i++)
        if (inst->deps[i] == exporter)
            return KILN_OK;
    kiln_instance **grown = kiln_realloc(inst->deps, (inst->dep_count + 1u) * sizeof *grown);
    if (grown == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory recording an import's instance");
    inst->deps = grown;
    inst->deps[inst->dep_count++] = exporter;
    ins_retain(exporter);
    return KILN_OK;
}

static kiln_status add_linked(kiln_instance *inst, void *vmctx, kiln_error *err)
{
    if (vmctx == inst->vmctx)
        return KILN_OK;
    for (uint32_t i = 0; i < inst->linked_count; i++)
        if (inst->linked_vmctxs[i] == vmctx)
            return KILN_OK;
    void **grown = kiln_realloc(inst->linked_vmctxs, (inst->linked_count + 1u) * sizeof *grown);
    if (grown == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory recording linked instances");
    inst->linked_vmctxs = grown;
    inst->linked_vmctxs[inst->linked_count++] = vmctx;
    return KILN_OK;
}

/* linked_vmctxs: every dep and what each dep reaches (deps are complete
 * instances, so their own lists are final). */
static kiln_status collect_linked(kiln_instance *inst, kiln_error *err)
{
    for (uint32_t d = 0; d < inst->dep_count; d++) {
        const kiln_instance *dep = inst->deps[d];
        kiln_status st = add_linked(inst, dep->vmctx, err);
        for (uint32_t i = 0; st == KILN_OK && i < dep->linked_count; i++)
            st = add_linked(inst, dep->linked_vmctxs[i], err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

/*
 * The one place imports are resolved: the linker matched every import
 * (linker.c) and hands the results here in import order. Function slots
 * get {code, vmctx}: the exporter's, or this module's host trampoline for
 * the import's type with a host binding; memories, tables and globals
 * become references to the exporter's objects. Without imports (the
 * kiln_instance_new path) the first import is reported unresolved.
 */
static kiln_status fill_imports(kiln_instance *inst, const ins_import *imports,
                                kiln_error *err)
{
    const kiln_module *m = inst->module;
    if (m->import_count == 0)
        return KILN_OK;
    if (imports == NULL) {
        const ld_import *im = &m->imports[0];
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "unresolved import %s.%s (%s): kiln_instance_new resolves no "
                              "imports; use the linker",
                              im->module_name, im->field_name, ld_extern_kind_name(im->kind));
    }
    /* Nothing to allocate for none: kiln_calloc(0) would still take a block. */
    if (m->func_import_count > 0)
        inst->bindings = kiln_calloc(m->func_import_count, sizeof *inst->bindings);
    if (m->global_import_count > 0)
        inst->global_objs = kiln_calloc(m->global_import_count, sizeof *inst->global_objs);
    if ((inst->bindings == NULL && m->func_import_count > 0) ||
        (inst->global_objs == NULL && m->global_import_count > 0))
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory resolving imports");
    uint32_t fi = 0, mi = 0, ti = 0, gi = 0;
    const size_t w = sizeof(void *);
    for (uint32_t k = 0; k < m->import_count; k++) {
        const ld_import *im = &m->imports[k];
        const ins_import *r = &imports[k];
        kiln_status st = KILN_OK;
        if (r->exporter != NULL && (st = add_dep(inst, r->exporter, err)) != KILN_OK)
            return st;
        switch (im->kind) {
        case KILN_EXTERN_FUNC: {
            void *code = r->code, *vmctx = r->vmctx;
            if (r->host_fn != NULL) {
                const ld_type *t = &m->types[im->type_index];
                if (t->host_trampoline == KILN_AOT_NONE)
                    return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                          "import %s.%s: the container has no host "
                                          "trampoline for its type",
                                          im->module_name, im->field_name);
                st = hc_binding_new(inst, im, r->host_fn, r->host_data,
                                    &inst->bindings[inst->binding_count], err);
                if (st != KILN_OK)
                    return st;
                vmctx = inst->bindings[inst->binding_count++];
                code = (void *)ld_host_trampoline(m, im->type_index);
            }
            uint32_t off = m->layout.func_imports + fi * 2u * (uint32_t)w;
            set_pointer(inst->vmctx, off, code);
            set_pointer(inst->vmctx, off + (uint32_t)w, vmctx);
            fi++;
            break;
        }
        case KILN_EXTERN_MEMORY:
            ext_memory_retain(r->memory);
            inst->memory_objs[mi] = r->memory;
            inst->memories[mi] = r->memory->mem;
            mi++;
            break;
        case KILN_EXTERN_TABLE:
            ext_table_retain(r->table);
            inst->table_objs[ti] = r->table;
            inst->tables[ti] = r->table->table;
            ti++;
            break;
        case KILN_EXTERN_GLOBAL: {
            uint8_t *cell = r->global_cell;
            if (r->global != NULL) {
                ext_global_retain(r->global);
                inst->global_objs[gi] = r->global;
                cell = r->global->cell;
            }
            set_pointer(inst->vmctx, m->layout.globals + gi * KILN_GLOBAL_SLOT_SIZE, cell);
            gi++;
            break;
        }
        }
    }
    return KILN_OK;
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
            memcpy(v.bytes, ins_global_cell(inst, kiln_read_u32le(p)), 16);
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
        kiln_status st = ext_memory_create(&m->memories[i], &inst->memory_objs[i], err);
        if (st != KILN_OK)
            return st;
        inst->memories[i] = inst->memory_objs[i]->mem;
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
        kiln_status st = ext_table_create(m->tables[i].reftype, l, &inst->table_objs[i], err);
        if (st != KILN_OK)
            return st;
        inst->tables[i] = inst->table_objs[i]->table;
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
            r->code = (void *)ld_func_code(m, i);
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

/* Evaluates every element segment's items once: table.init and active
 * segments copy from here. Declarative segments are dropped at once. */
static kiln_status eval_elems(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const ld_elem *e = &m->elems[i];
        if (e->mode == KILN_SEGMENT_DECLARATIVE) {
            inst->elem_dropped[i] = true;
            continue;
        }
        if (e->item_count == 0)
            continue;
        void **values = kiln_calloc(e->item_count, sizeof *values);
        if (values == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory evaluating element segment %u", i);
        for (uint32_t k = 0; k < e->item_count; k++) {
            cexpr_value item = eval_cexpr(inst, e->items[k]);
            values[k] = cv_pointer(&item);
        }
        inst->elem_values[i] = values;
    }
    return KILN_OK;
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
        for (uint32_t k = 0; k < e->item_count; k++)
            t->elements[start + k] = inst->elem_values[i][k];
        inst->elem_dropped[i] = true;
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
        inst->data_dropped[i] = true;
    }
    return KILN_OK;
}

trap_entry_fn ins_entry_of(const kiln_module *m, uint32_t type_index)
{
    return (trap_entry_fn)(uintptr_t)ld_entry_trampoline(m, type_index);
}

static kiln_status run_start(kiln_instance *inst, kiln_error *err)
{
    const kiln_module *m = inst->module;
    if (!m->has_start)
        return KILN_OK;
    void *code, *vmctx;
    ins_func_target(inst, m->start_func, &code, &vmctx);
    kiln_slot slot = {0, 0};
    return trap_call(ins_entry_of(m, m->funcs[m->start_func].type_index), vmctx, code, &slot,
                     inst->linked_vmctxs, inst->linked_count, inst->stack_size, err);
}

kiln_status kiln_instance_new(const kiln_module *module, kiln_instance **out, kiln_error *err)
{
    if (module == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_instance_new: module or out is NULL");
    return ins_instantiate(module, NULL, out, NULL, err);
}

void ins_retain(kiln_instance *instance)
{
    atomic_fetch_add_explicit(&instance->refs, 1u, memory_order_relaxed);
}

/* Whether references to inst may have reached objects that outlive a
 * failed instantiation: imported tables written by segments or start. */
static bool may_have_escaped(const kiln_instance *inst)
{
    return inst->module->table_import_count > 0 || inst->module->global_import_count > 0;
}

static void *array_new(uint32_t count, size_t size)
{
    return count > 0 ? kiln_calloc(count, size) : NULL;
}

/* A pre-linked import's code calls the bundle's function directly: the
 * import must be that very function of an instance of the same bundle's
 * member, or the call would run one module's code with another's vmctx. */
static kiln_status check_prelinks(const kiln_module *module, const ins_import *imports,
                                  kiln_error *err)
{
    if (!OS_BUNDLES || module->prelinks == NULL || imports == NULL)
        return KILN_OK;
    for (uint32_t i = 0; i < module->import_count; i++) {
        const ld_prelink *p = &module->prelinks[i];
        if (p->callee == NULL)
            continue;
        const ins_import *im = &imports[i];
        if (im->host_fn == NULL && im->exporter != NULL && im->exporter->module == p->callee &&
            im->code == (void *)ld_func_code(p->callee, p->func))
            continue;
        const ld_import *decl = &module->imports[i];
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "import %s.%s is pre-linked (compiled into one bundle with "
                              "module %s): it can only be bound to that function of an "
                              "instance of the bundle's %s, not to %s",
                              decl->module_name, decl->field_name, decl->module_name,
                              decl->module_name,
                              im->host_fn != NULL      ? "a host function"
                              : im->exporter == NULL   ? "this definition"
                              : im->exporter->module != p->callee
                                  ? "an instance of another module"
                                  : "another function of that instance");
    }
    return KILN_OK;
}

kiln_status ins_instantiate(const kiln_module *module, const ins_import *imports,
                            kiln_instance **out, kiln_instance **escaped, kiln_error *err)
{
    kiln_status prelink_st = check_prelinks(module, imports, err);
    if (prelink_st != KILN_OK)
        return prelink_st;
    kiln_status budget_st = check_budget(module, err);
    if (budget_st != KILN_OK)
        return budget_st;
    /* Calls make no system call, so the fault handlers are checked here
     * (a host or test framework may have replaced them since). */
    kiln_status hs = trap_ensure_handlers(err);
    if (hs != KILN_OK)
        return hs;
    kiln_instance *inst = kiln_calloc(1, sizeof *inst);
    if (inst == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory allocating an instance");
    inst->module = module;
    atomic_init(&inst->refs, 1u);
    kiln_status st = KILN_OK;
    inst->vmctx_allocation = kiln_calloc(1, (size_t)module->layout.size + 15u);
    /* Empty arrays stay NULL: nothing indexes them. */
    inst->memories = array_new(module->memory_count, sizeof *inst->memories);
    inst->tables = array_new(module->table_count, sizeof *inst->tables);
    inst->funcrefs = array_new(module->func_count, sizeof *inst->funcrefs);
    inst->memory_objs = array_new(module->memory_count, sizeof *inst->memory_objs);
    inst->table_objs = array_new(module->table_count, sizeof *inst->table_objs);
    inst->data_dropped = array_new(module->data_count, sizeof *inst->data_dropped);
    inst->elem_dropped = array_new(module->elem_count, sizeof *inst->elem_dropped);
    inst->elem_values = array_new(module->elem_count, sizeof *inst->elem_values);
    if (inst->vmctx_allocation == NULL ||
        (inst->memories == NULL && module->memory_count > 0) ||
        (inst->tables == NULL && module->table_count > 0) ||
        (inst->funcrefs == NULL && module->func_count > 0) ||
        (inst->memory_objs == NULL && module->memory_count > 0) ||
        (inst->table_objs == NULL && module->table_count > 0) ||
        (inst->data_dropped == NULL && module->data_count > 0) ||
        ((inst->elem_dropped == NULL || inst->elem_values == NULL) && module->elem_count > 0)) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                            "out of memory allocating an instance");
        goto fail;
    }
    inst->vmctx = (uint8_t *)(((uintptr_t)inst->vmctx_allocation + 15u) & ~(uintptr_t)15u);
    set_pointer(inst->vmctx, KILN_VMCTX_HELPERS * sizeof(void *), hlp_table());
    set_pointer(inst->vmctx, KILN_VMCTX_TYPE_IDS * sizeof(void *), module->type_ids);
    set_pointer(inst->vmctx, KILN_VMCTX_INSTANCE * sizeof(void *), inst);
    set_pointer(inst->vmctx, KILN_VMCTX_LIBCALLS * sizeof(void *), (void *)ld_libcall_table());

    st = fill_imports(inst, imports, err);
    if (st == KILN_OK)
        st = collect_linked(inst, err);
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
    st = eval_elems(inst, err);
    if (st != KILN_OK)
        goto fail;
    st = apply_elems(inst, err);
    if (st != KILN_OK)
        goto fail_late;
    st = apply_data(inst, err);
    if (st != KILN_OK)
        goto fail_late;
    st = run_start(inst, err);
    if (st != KILN_OK)
        goto fail_late;
    *out = inst;
    return KILN_OK;
fail_late:
    if (escaped != NULL && may_have_escaped(inst)) {
        *escaped = inst;
        return st;
    }
fail:
    kiln_instance_free(inst);
    return st;
}

void kiln_instance_free(kiln_instance *instance)
{
    if (instance == NULL ||
        atomic_fetch_sub_explicit(&instance->refs, 1u, memory_order_acq_rel) > 1u)
        return;
    const kiln_module *m = instance->module;
    if (instance->memories != NULL && m->memory_count > 0 && instance->memories[0] != NULL &&
        instance->vmctx != NULL)
        mem_detach(instance->memories[0], instance->vmctx);
    if (instance->memory_objs != NULL)
        for (uint32_t i = 0; i < m->memory_count; i++)
            kiln_memory_release(instance->memory_objs[i]);
    if (instance->table_objs != NULL)
        for (uint32_t i = 0; i < m->table_count; i++)
            kiln_table_release(instance->table_objs[i]);
    if (instance->global_objs != NULL)
        for (uint32_t i = 0; i < m->global_import_count; i++)
            kiln_global_release(instance->global_objs[i]);
    if (instance->elem_values != NULL)
        for (uint32_t i = 0; i < m->elem_count; i++)
            kiln_free(instance->elem_values[i]);
    for (uint32_t i = 0; i < instance->binding_count; i++)
        hc_binding_free(instance->bindings[i]);
    for (uint32_t i = 0; i < instance->dep_count; i++)
        kiln_instance_free(instance->deps[i]);
    ins_func_handles_free(instance);
    kiln_free(instance->deps);
    kiln_free(instance->linked_vmctxs);
    kiln_free(instance->bindings);
    kiln_free(instance->global_objs);
    kiln_free(instance->memory_objs);
    kiln_free(instance->table_objs);
    kiln_free(instance->data_dropped);
    kiln_free(instance->elem_dropped);
    kiln_free(instance->elem_values);
    kiln_free(instance->memories);
    kiln_free(instance->tables);
    kiln_free(instance->funcrefs);
    kiln_free(instance->vmctx_allocation);
    kiln_module *owned = instance->owned_module;
    kiln_free(instance);
    kiln_module_free(owned);
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
