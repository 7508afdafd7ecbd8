/*
 * Pre-linked bundles (aot_format.h, BUNDLE): one code image shared by
 * several modules whose calls to each other are direct.
 *
 * Loading: the outer container's CODE, RELOCS and SYMBOLS are mapped once,
 * by an "image" module that holds no wasm; each member's container is
 * checked like any container (header, checksum, target, every section)
 * with its code offsets into that image; then the pre-linked imports are
 * checked (an import of a function, named after another member, of a
 * defined function of that member with the same canonical type) and
 * recorded in the importing member (kiln_module.prelinks), which
 * instantiation enforces (instance.c) and the linker satisfies
 * (linker.c: a bundle member is instantiated and registered under its name
 * when a module of the bundle imports from it).
 *
 * Ownership: the main module (the last member) owns the bytes and the
 * bundle; the bundle owns the other members and the image module.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "load.h"
#include "platform/platform.h"

/* Offsets of a member's messages are its own: make them the file's and
 * name the member. */
static kiln_status in_member(ld_ctx *c, const char *name, size_t member_offset,
                             kiln_status st)
{
    kiln_error *err = c->err;
    if (st == KILN_OK || err == NULL)
        return st;
    char inner[sizeof err->message];
    memcpy(inner, err->message, sizeof inner);
    if (err->offset != KILN_NO_OFFSET)
        err->offset += member_offset;
    snprintf(err->message, sizeof err->message,
             "bundle member %.60s (at offset %zu): %.400s", name, member_offset, inner);
    return st;
}

void ld_bundle_free(ld_bundle *b)
{
    if (!OS_BUNDLES || b == NULL)
        return;
    for (uint32_t i = 0; i < b->count; i++) {
        if (i + 1 < b->count) /* the main module frees itself */
            ld_module_destroy(b->members[i], false);
        if (b->names != NULL)
            kiln_free(b->names[i]);
    }
    ld_module_destroy(b->image, false);
    kiln_free(b->members);
    kiln_free(b->names);
    kiln_free(b);
}

const kiln_module *ld_bundle_member(const kiln_module *m, const char *name)
{
    if (!OS_BUNDLES || m == NULL || m->bundle == NULL)
        return NULL;
    for (uint32_t i = 0; i < m->bundle->count; i++)
        if (m->bundle->members[i] != NULL && strcmp(m->bundle->names[i], name) == 0)
            return m->bundle->members[i];
    return NULL;
}

/* Parses one member container at [offset, offset + size) of the file. */
static kiln_status parse_member(ld_ctx *c, ld_bundle *b, uint32_t index, size_t offset,
                                size_t size)
{
    const kiln_module *image = b->image;
    ld_ctx mc;
    memset(&mc, 0, sizeof mc);
    mc.bytes = c->bytes + offset;
    mc.size = size;
    mc.err = c->err;
    mc.is_static = true;
    mc.code_shared = true;
    kiln_status st = ld_check_header(mc.bytes, size, mc.sections, &mc.size, c->err);
    if (st != KILN_OK)
        return st;
    static const uint32_t not_in_member[] = {KILN_SEC_CODE, KILN_SEC_RELOCS, KILN_SEC_SYMBOLS,
                                             KILN_SEC_BUNDLE};
    for (size_t i = 0; i < sizeof not_in_member / sizeof not_in_member[0]; i++)
        if (mc.sections[not_in_member[i]].present)
            return ld_corrupt(&mc, not_in_member[i], mc.sections[not_in_member[i]].offset,
                              "a bundle member has no section %s of its own (its code is "
                              "the bundle's)",
                              ld_section_name(not_in_member[i]));
    mc.m = kiln_calloc(1, sizeof *mc.m);
    if (mc.m == NULL)
        return ld_nomem(&mc, "bundle member");
    kiln_module *m = mc.m;
    m->code_base = image->code_base;
    m->exec_size = image->exec_size;
    m->image_size = image->image_size;
    m->image_align = image->image_align;
    m->code_in_file = true; /* the mapping is the image module's */
    st = ld_parse_stages(&mc);
    if (st != KILN_OK) {
        ld_module_destroy(m, false);
        return st;
    }
    m->bytes = mc.bytes;
    m->size = mc.size;
    m->bytes_kind = LD_BYTES_STATIC;
    m->bundle = b;
    b->members[index] = m;
    return KILN_OK;
}

/* Reads and checks the pre-linked imports; they follow the member table. */
static kiln_status parse_prelinks(ld_ctx *c, ld_bundle *b, ld_reader *r)
{
    uint32_t count = rd_u32(r);
    kiln_status st = ld_check_count(c, KILN_SEC_BUNDLE, r, count, 16, "pre-linked imports");
    if (st != KILN_OK)
        return st;
    for (uint32_t i = 0; i < count; i++) {
        size_t at = r->pos;
        uint32_t member = rd_u32(r), import = rd_u32(r), callee_member = rd_u32(r);
        uint32_t func = rd_u32(r);
        if (r->failed)
            return ld_overrun(c, KILN_SEC_BUNDLE, r, "pre-linked import", i);
        if (member >= b->count || callee_member >= b->count || member == callee_member)
            return ld_corrupt(c, KILN_SEC_BUNDLE, at,
                              "pre-linked import %u: members %u -> %u of a bundle of %u", i,
                              member, callee_member, b->count);
        kiln_module *m = b->members[member];
        const kiln_module *callee = b->members[callee_member];
        if (import >= m->import_count || m->imports[import].kind != KILN_EXTERN_FUNC)
            return ld_corrupt(c, KILN_SEC_BUNDLE, at + 4,
                              "pre-linked import %u: import %u of member %s is not a "
                              "function import (it has %u imports)",
                              i, import, b->names[member], m->import_count);
        const ld_import *im = &m->imports[import];
        if (strcmp(im->module_name, b->names[callee_member]) != 0)
            return ld_corrupt(c, KILN_SEC_BUNDLE, at + 8,
                              "pre-linked import %u: import %s.%s of member %s does not "
                              "name member %s",
                              i, im->module_name, im->field_name, b->names[member],
                              b->names[callee_member]);
        if (func < callee->func_import_count || func >= callee->func_count ||
            callee->funcs[func].code_offset == KILN_AOT_NONE)
            return ld_corrupt(c, KILN_SEC_BUNDLE, at + 12,
                              "pre-linked import %u: function %u of member %s is not a "
                              "function with code",
                              i, func, b->names[callee_member]);
        if (m->types[im->type_index].canonical_id !=
            callee->types[callee->funcs[func].type_index].canonical_id)
            return ld_corrupt(c, KILN_SEC_BUNDLE, at,
                              "pre-linked import %u: %s.%s of member %s and function %u of "
                              "member %s have different types",
                              i, im->module_name, im->field_name, b->names[member], func,
                              b->names[callee_member]);
        if (m->prelinks == NULL) {
            m->prelinks = kiln_calloc(m->import_count, sizeof *m->prelinks);
            if (m->prelinks == NULL)
                return ld_nomem(c, "pre-linked imports");
        }
        if (m->prelinks[import].callee != NULL)
            return ld_corrupt(c, KILN_SEC_BUNDLE, at,
                              "pre-linked import %u: import %u of member %s is pre-linked "
                              "twice",
                              i, import, b->names[member]);
        m->prelinks[import] = (ld_prelink){callee, func};
    }
    return KILN_OK;
}

static kiln_status read_member_table(ld_ctx *c, ld_bundle *b, ld_reader *r, size_t *offsets,
                                     size_t *sizes);

/* The member table: names and where each member container lies (inside
 * the BUNDLE section); parses each member. */
static kiln_status parse_members(ld_ctx *c, ld_bundle *b, ld_reader *r)
{
    const ld_section *sec = &c->sections[KILN_SEC_BUNDLE];
    uint32_t count = rd_u32(r);
    kiln_status st = ld_check_count(c, KILN_SEC_BUNDLE, r, count, 12, "bundle members");
    if (st != KILN_OK)
        return st;
    if (count == 0)
        return ld_corrupt(c, KILN_SEC_BUNDLE, sec->offset, "a bundle of no modules");
    b->members = kiln_calloc(count, sizeof *b->members);
    b->names = kiln_calloc(count, sizeof *b->names);
    size_t *offsets = kiln_calloc(count, 2 * sizeof *offsets);
    if (b->members == NULL || b->names == NULL || offsets == NULL) {
        kiln_free(offsets);
        return ld_nomem(c, "bundle members");
    }
    b->count = count;
    size_t *sizes = offsets + count;
    st = read_member_table(c, b, r, offsets, sizes);
    for (uint32_t i = 0; i < count && st == KILN_OK; i++)
        st = in_member(c, b->names[i], offsets[i], parse_member(c, b, i, offsets[i], sizes[i]));
    kiln_free(offsets);
    return st;
}

static kiln_status read_member_table(ld_ctx *c, ld_bundle *b, ld_reader *r, size_t *offsets,
                                     size_t *sizes)
{
    const ld_section *sec = &c->sections[KILN_SEC_BUNDLE];
    uint32_t count = b->count;
    kiln_status st;
    for (uint32_t i = 0; i < count; i++) {
        size_t at = r->pos;
        st = ld_read_name(c, KILN_SEC_BUNDLE, r, &b->names[i], NULL, "bundle member", i);
        if (st != KILN_OK)
            return st;
        offsets[i] = rd_u32(r);
        sizes[i] = rd_u32(r);
        if (r->failed)
            return ld_overrun(c, KILN_SEC_BUNDLE, r, "bundle member", i);
        if (b->names[i][0] == '\0')
            return ld_corrupt(c, KILN_SEC_BUNDLE, at, "bundle member %u has no name", i);
        for (uint32_t k = 0; k < i; k++)
            if (strcmp(b->names[k], b->names[i]) == 0)
                return ld_corrupt(c, KILN_SEC_BUNDLE, at,
                                  "bundle members %u and %u are both named %.60s", k, i,
                                  b->names[i]);
        size_t sec_end = (size_t)sec->offset + sec->size;
        if (offsets[i] < sec->offset || offsets[i] > sec_end || sizes[i] > sec_end - offsets[i])
            return ld_corrupt(c, KILN_SEC_BUNDLE, at,
                              "bundle member %u (%.60s) at [%zu, %zu) is outside the "
                              "section [%u, %llu)",
                              i, b->names[i], offsets[i], offsets[i] + sizes[i], sec->offset,
                              (unsigned long long)sec->offset + sec->size);
    }
    return KILN_OK;
}

kiln_status ld_parse_bundle(ld_ctx *c, ld_bytes_kind bytes_kind, kiln_module **out)
{
    if (!OS_BUNDLES)
        return kiln_error_set(c->err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "pre-linked bundles are not supported on this platform");
    if (c->linked != NULL)
        return kiln_error_set(c->err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "a pre-linked bundle cannot be linked into a program "
                              "(kiln_module_load_linked): load it with kiln_module_load");
    for (uint32_t id = 1; id <= KILN_SEC_MAX_ID; id++) {
        bool allowed = id == KILN_SEC_CODE || id == KILN_SEC_RELOCS ||
                       id == KILN_SEC_SYMBOLS || id == KILN_SEC_BUNDLE;
        if (c->sections[id].present && !allowed)
            return ld_corrupt(c, id, c->sections[id].offset,
                              "a bundle container has only the sections CODE, RELOCS, "
                              "SYMBOLS and BUNDLE (each module's are in its member)");
    }
    ld_bundle *b = kiln_calloc(1, sizeof *b);
    if (b == NULL)
        return ld_nomem(c, "bundle");
    b->image = kiln_calloc(1, sizeof *b->image);
    c->m = b->image;
    kiln_status st = b->image == NULL ? ld_nomem(c, "bundle") : ld_parse_code_header(c);
    if (st == KILN_OK)
        st = ld_parse_symbols(c);
    if (st == KILN_OK)
        st = ld_link_and_map(c);
    kiln_free(c->symbol_names);
    kiln_free(c->symbol_sizes);
    c->symbol_names = NULL;
    c->symbol_sizes = NULL;
    ld_reader r = ld_section_reader(c, KILN_SEC_BUNDLE);
    if (st == KILN_OK)
        st = parse_members(c, b, &r);
    if (st == KILN_OK)
        st = parse_prelinks(c, b, &r);
    if (st != KILN_OK) {
        /* Members parsed so far are freed with the bundle: none is main. */
        for (uint32_t i = 0; i < b->count; i++)
            if (b->members[i] != NULL)
                b->members[i]->bundle = NULL;
        if (b->count > 0 && b->members != NULL && b->members[b->count - 1] != NULL) {
            ld_module_destroy(b->members[b->count - 1], false);
            b->members[b->count - 1] = NULL;
        }
        ld_bundle_free(b);
        return st;
    }
    kiln_module *main_module = b->members[b->count - 1];
    main_module->bytes = c->bytes;
    main_module->size = c->size;
    main_module->bytes_kind = bytes_kind;
    *out = main_module;
    return KILN_OK;
}

size_t kiln_module_bundle_size(const kiln_module *module)
{
    if (module == NULL)
        return 0;
    return module->bundle != NULL ? module->bundle->count : 1u;
}

const char *kiln_module_bundle_name(const kiln_module *module, size_t index)
{
    if (module == NULL || module->bundle == NULL || index >= module->bundle->count)
        return NULL;
    return module->bundle->names[index];
}
