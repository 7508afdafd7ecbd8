/*
 * The container loader (ld_): validates a .aot container against this host
 * and builds a kiln_module (module.h), then maps and relocates its code.
 * This file runs the stages in order and owns the module's lifetime; the
 * stages are in the load_*.c files (load.h lists them).
 *
 * Order of checks (each with its own status): .wasm magic, kiln magic,
 * truncation, format version, checksum, header strings, target triple,
 * pointer width, byte order, bounds mode, CPU features, helpers (check.c),
 * then every section (CORRUPT, naming the section and file offset), then
 * symbols (LINK).
 */
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "backtrace.h"
#include "load.h"
#include "platform/platform.h"
#include "trap.h"

/* ---- header -------------------------------------------------------------------- */

static kiln_status check_header(ld_ctx *c, size_t buffer_size)
{
    return ld_check_header(c->bytes, buffer_size, c->sections, &c->size, c->err);
}

/* ---- module lifetime ----------------------------------------------------------------- */

void ld_module_destroy(kiln_module *m, bool free_bytes)
{
    if (m == NULL)
        return;
    if (OS_BUNDLES && m->bundle != NULL && m->bundle->members[m->bundle->count - 1] == m)
        ld_bundle_free(m->bundle); /* the main module owns it */
    kiln_free(m->prelinks);
    trap_range_unregister(m->code_range);
    bt_map_free(m->backtrace);
    if (!m->code_in_file) /* else it goes with the file mapping below */
        os_release(m->code_base, m->code_map_size);
    for (uint32_t i = 0; i < m->type_count; i++)
        kiln_free(m->types[i].kinds);
    kiln_free(m->types);
    kiln_free(m->type_ids);
    for (uint32_t i = 0; i < m->import_count; i++) {
        kiln_free(m->imports[i].module_name);
        kiln_free(m->imports[i].field_name);
    }
    kiln_free(m->imports);
    kiln_free(m->funcs);
    kiln_free(m->tables);
    kiln_free(m->memories);
    kiln_free(m->globals);
    for (uint32_t i = 0; i < m->export_count; i++)
        kiln_free(m->exports[i].name);
    kiln_free(m->exports);
    for (uint32_t i = 0; i < m->elem_count; i++)
        kiln_free(m->elems[i].items);
    kiln_free(m->elems);
    kiln_free(m->datas);
    if (free_bytes) {
        switch (m->bytes_kind) {
        case LD_BYTES_HEAP: kiln_free((void *)m->bytes); break;
        case LD_BYTES_MAPPED: os_release((void *)m->bytes, m->size); break;
        case LD_BYTES_STATIC: break;
        }
    }
    kiln_free(m);
}

static kiln_status parse(const uint8_t *bytes, size_t size, ld_bytes_kind bytes_kind,
                         const struct kiln_linked_code *linked, kiln_module **out,
                         kiln_error *err)
{
    ld_ctx c;
    memset(&c, 0, sizeof c);
    c.bytes = bytes;
    c.size = size;
    c.err = err;
    c.mapped = bytes_kind == LD_BYTES_MAPPED;
    c.is_static = bytes_kind == LD_BYTES_STATIC;
    c.linked = linked;
    kiln_status st = check_header(&c, size);
    if (st != KILN_OK)
        return st;
    if (OS_BUNDLES && c.sections[KILN_SEC_BUNDLE].present)
        return ld_parse_bundle(&c, bytes_kind, out);
    c.m = kiln_calloc(1, sizeof *c.m);
    if (c.m == NULL)
        return ld_nomem(&c, "module");
    st = ld_parse_code_header(&c);
    if (st == KILN_OK)
        st = ld_parse_stages(&c);
    kiln_free(c.symbol_names);
    kiln_free(c.symbol_sizes);
    if (st != KILN_OK) {
        ld_module_destroy(c.m, false);
        return st;
    }
    c.m->bytes = bytes;
    c.m->size = size;
    c.m->bytes_kind = bytes_kind;
    *out = c.m;
    return KILN_OK;
}

kiln_status ld_parse_stages(ld_ctx *c)
{
    kiln_status st = ld_parse_types(c);
    if (st == KILN_OK)
        st = ld_parse_imports(c);
    if (st == KILN_OK)
        st = ld_parse_funcs(c);
    if (st == KILN_OK)
        st = ld_parse_tables(c);
    if (st == KILN_OK)
        st = ld_parse_memories(c);
    if (st == KILN_OK)
        st = ld_parse_globals(c);
    if (st == KILN_OK)
        st = ld_parse_exports(c);
    if (st == KILN_OK)
        st = ld_parse_start(c);
    if (st == KILN_OK)
        st = ld_parse_elems(c);
    if (st == KILN_OK)
        st = ld_parse_data(c);
    if (st == KILN_OK)
        st = ld_parse_layout(c);
    if (st == KILN_OK && !c->code_shared)
        st = ld_parse_symbols(c);
    if (st == KILN_OK && !c->code_shared)
        st = ld_link_and_map(c);
    if (st == KILN_OK) {
        const ld_section *names = &c->sections[KILN_SEC_NAMES];
        st = bt_map_new(c->m, names->present ? c->bytes + names->offset : NULL,
                        names->present ? names->size : 0, names->offset, &c->m->backtrace,
                        c->err);
    }
    return st;
}

kiln_status ld_module_parse(const uint8_t *bytes, size_t size, ld_bytes_kind bytes_kind,
                            kiln_module **out, kiln_error *err)
{
    return parse(bytes, size, bytes_kind, NULL, out, err);
}

kiln_status ld_module_parse_linked(const uint8_t *bytes, size_t size,
                                   const struct kiln_linked_code *linked, kiln_module **out,
                                   kiln_error *err)
{
    return parse(bytes, size, LD_BYTES_STATIC, linked, out, err);
}

/* ---- public API ------------------------------------------------------------------------ */

kiln_status kiln_module_load(const void *bytes, size_t size, kiln_module **out, kiln_error *err)
{
    if (bytes == NULL && size != 0)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load: bytes is NULL but size is %zu", size);
    if (out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load: out is NULL");
    /* The module keeps cexprs and data segments in place, so it needs its
     * own copy: the caller may free bytes as soon as this returns. */
    uint8_t *copy = kiln_alloc(size);
    if (copy == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory copying a %zu-byte container", size);
    if (size != 0)
        memcpy(copy, bytes, size);
    kiln_status st = ld_module_parse(copy, size, LD_BYTES_HEAP, out, err);
    if (st != KILN_OK)
        kiln_free(copy);
    return st;
}

kiln_status kiln_module_load_file(const char *path, kiln_module **out, kiln_error *err)
{
    if (path == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load_file: path or out is NULL");
    void *base = NULL;
    size_t size = 0;
    int error_number = 0;
    if (!os_map_file(path, &base, &size, &error_number))
        return kiln_error_set(err, KILN_ERR_IO, KILN_NO_OFFSET, "cannot read %s: %s", path,
                              strerror(error_number));
    static const uint8_t empty[1] = {0};
    kiln_status st = ld_module_parse(base != NULL ? base : empty, size,
                                     base != NULL ? LD_BYTES_MAPPED : LD_BYTES_STATIC, out, err);
    if (st != KILN_OK)
        os_release(base, size);
    return st;
}

kiln_status kiln_module_load_static(const void *bytes, size_t size, kiln_module **out,
                                    kiln_error *err)
{
    if (bytes == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load_static: bytes or out is NULL");
    return ld_module_parse(bytes, size, LD_BYTES_STATIC, out, err);
}

kiln_status kiln_module_load_linked(const void *container, size_t size,
                                    const kiln_linked_code *code, kiln_module **out,
                                    kiln_error *err)
{
    if (container == NULL || code == NULL || out == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "kiln_module_load_linked: container, code or out is NULL");
    return ld_module_parse_linked(container, size, code, out, err);
}

bool kiln_module_executes_in_place(const kiln_module *module)
{
    return module != NULL && module->code_in_file;
}

void kiln_module_free(kiln_module *module)
{
    ld_module_destroy(module, true);
}
