/*
 * The code of a container: the CODE header, the vmctx LAYOUT (must equal
 * this runtime's), the SYMBOLS the code references (resolved from the
 * libcall list), the RELOCS (all checked before any is applied, data
 * only), and the mapping.
 *
 * Code mapping is W^X: copy the image into a RW mapping (or use the file
 * mapping's pages in place), apply relocations, then make the whole mapping
 * read+execute.
 */
#include <string.h>

#include "alloc.h"
#include "load.h"
#include "platform/platform.h"
#include "reloc/reloc.h"
#include "trap.h"

kiln_status ld_parse_code_header(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_CODE].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_CODE);
    m->exec_size = rd_u32(&r);
    m->image_size = rd_u32(&r);
    uint32_t align = rd_u32(&r);
    m->image_align = align;
    uint32_t reserved = rd_u32(&r);
    size_t header = c->sections[KILN_SEC_CODE].offset;
    if (r.failed)
        return ld_corrupt(c, KILN_SEC_CODE, r.fail_at, "the code header runs past the section");
    if (reserved != 0)
        return ld_corrupt(c, KILN_SEC_CODE, header + 12,
                       "the reserved field of the code header is 0x%08x, the format requires 0",
                       reserved);
    if (m->exec_size > m->image_size)
        return ld_corrupt(c, KILN_SEC_CODE, header,
                       "exec_size %u exceeds image_size %u", m->exec_size, m->image_size);
    if (m->image_size != rd_left(&r))
        return ld_corrupt(c, KILN_SEC_CODE, r.pos,
                       "image_size %u differs from the %zu bytes left in the section",
                       m->image_size, rd_left(&r));
    if (align == 0)
        return ld_corrupt(c, KILN_SEC_CODE, header + 8u,
                       "image_align is 0: an image needs an alignment of at least 1 byte");
    if ((align & (align - 1u)) != 0 || align > os_page_size())
        return ld_corrupt(c, KILN_SEC_CODE, header + 8u,
                       "image_align %u is not a power of two up to the page size %zu", align,
                       os_page_size());
    c->code_section_image = (uint32_t)r.pos;
    return KILN_OK;
}

kiln_status ld_check_code_offset(ld_ctx *c, uint32_t section, size_t at, uint32_t offset,
                                     const char *what, uint32_t index)
{
    if (offset == KILN_AOT_NONE || offset < c->m->exec_size)
        return KILN_OK;
    return ld_corrupt(c, section, at, "%s %u: code offset %u is outside the code (%u bytes)", what,
                   index, offset, c->m->exec_size);
}

kiln_status ld_parse_layout(ld_ctx *c)
{
    kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_LAYOUT].present)
        return ld_corrupt(c, 0, KILN_AOT_OFF_SECTION_TABLE, "the LAYOUT section is missing");
    ld_reader r = ld_section_reader(c, KILN_SEC_LAYOUT);
    kiln_vmctx_layout got;
    got.size = rd_u32(&r);
    got.func_imports = rd_u32(&r);
    got.memories = rd_u32(&r);
    got.tables = rd_u32(&r);
    got.globals = rd_u32(&r);
    if (r.failed)
        return ld_overrun(c, KILN_SEC_LAYOUT, &r, "layout", 0);
    kiln_vmctx_layout want = kiln_vmctx_layout_compute((uint32_t)sizeof(void *),
                                                       m->func_import_count, m->memory_count,
                                                       m->table_count, m->global_count);
    if (got.size != want.size || got.func_imports != want.func_imports ||
        got.memories != want.memories || got.tables != want.tables ||
        got.globals != want.globals)
        return ld_corrupt(c, KILN_SEC_LAYOUT, c->sections[KILN_SEC_LAYOUT].offset,
                       "vmctx layout {size %u, func_imports %u, memories %u, tables %u, "
                       "globals %u} differs from this runtime's {size %u, func_imports %u, "
                       "memories %u, tables %u, globals %u}",
                       got.size, got.func_imports, got.memories, got.tables, got.globals,
                       want.size, want.func_imports, want.memories, want.tables, want.globals);
    m->layout = want;
    return KILN_OK;
}

kiln_status ld_parse_symbols(ld_ctx *c)
{
    if (!c->sections[KILN_SEC_SYMBOLS].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_SYMBOLS);
    uint32_t count = rd_u32(&r);
    kiln_status st = ld_check_count(c, KILN_SEC_SYMBOLS, &r, count, 4, "symbols");
    if (st != KILN_OK)
        return st;
    c->symbol_names = kiln_calloc(count, sizeof *c->symbol_names);
    c->symbol_sizes = kiln_calloc(count, sizeof *c->symbol_sizes);
    if (c->symbol_names == NULL || c->symbol_sizes == NULL)
        return ld_nomem(c, "symbols");
    c->symbol_count = count;
    for (uint32_t i = 0; i < count; i++) {
        c->symbol_sizes[i] = rd_u32(&r);
        c->symbol_names[i] = rd_bytes(&r, c->symbol_sizes[i]);
        if (r.failed)
            return ld_overrun(c, KILN_SEC_SYMBOLS, &r, "symbol", i);
    }
    return KILN_OK;
}

/* Validates every relocation before any is applied. */
static kiln_status check_relocs(ld_ctx *c)
{
    const kiln_module *m = c->m;
    if (!c->sections[KILN_SEC_RELOCS].present)
        return KILN_OK;
    ld_reader r = ld_section_reader(c, KILN_SEC_RELOCS);
    uint32_t count = rd_u32(&r);
    kiln_status st = ld_check_count(c, KILN_SEC_RELOCS, &r, count, KILN_AOT_RELOC_ENTRY_SIZE,
                                 "relocations");
    if (st != KILN_OK)
        return st;
    if (count != 0 && !c->sections[KILN_SEC_CODE].present)
        return ld_corrupt(c, KILN_SEC_RELOCS, r.pos, "relocations without a CODE section");
    c->reloc_count = count;
    for (uint32_t i = 0; i < count; i++) {
        size_t at = r.pos;
        uint32_t offset = rd_u32(&r);
        uint8_t kind = rd_u8(&r);
        const uint8_t *reserved = rd_bytes(&r, 3);
        uint32_t symbol = rd_u32(&r);
        rd_u64(&r);
        if (r.failed)
            return ld_overrun(c, KILN_SEC_RELOCS, &r, "relocation", i);
        uint32_t field = rel_field_size(kind);
        if (field == 0)
            return ld_corrupt(c, KILN_SEC_RELOCS, at + 4, "relocation %u has unknown kind %u", i,
                           (unsigned)kind);
        if (reserved[0] != 0 || reserved[1] != 0 || reserved[2] != 0)
            return ld_corrupt(c, KILN_SEC_RELOCS, at + 5,
                           "relocation %u has reserved bytes %02x %02x %02x, the format "
                           "requires 0",
                           i, (unsigned)reserved[0], (unsigned)reserved[1],
                           (unsigned)reserved[2]);
        if ((uint64_t)offset + field > m->image_size)
            return ld_corrupt(c, KILN_SEC_RELOCS, at,
                           "relocation %u patches [%u, %llu), outside the image (%u bytes)", i,
                           offset, (unsigned long long)offset + field, m->image_size);
        /* Code is mapped from the file and shared; a patched instruction
         * would also defeat the W^X argument: only data is relocated. */
        if (offset < m->exec_size)
            return ld_corrupt(c, KILN_SEC_RELOCS, at,
                           "relocation %u patches [%u, %llu), inside the executable part of "
                           "the image [0, %u): relocations may patch only data",
                           i, offset, (unsigned long long)offset + field, m->exec_size);
        if (symbol != KILN_RELOC_SYM_IMAGE && symbol >= c->symbol_count)
            return ld_corrupt(c, KILN_SEC_RELOCS, at + 8,
                           "relocation %u names symbol %u, the module has %u symbols", i,
                           symbol, c->symbol_count);
    }
    return KILN_OK;
}

/* Applies every relocation to the image at base (writable). Each writes its
 * field from S, A and P alone, so applying them again is harmless. */
static kiln_status relocate(ld_ctx *c, uint8_t *base, void *const *symbol_addresses)
{
    ld_reader r = ld_section_reader(c, KILN_SEC_RELOCS);
    uint32_t count = c->sections[KILN_SEC_RELOCS].present ? rd_u32(&r) : 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t offset = rd_u32(&r);
        uint8_t kind = rd_u8(&r);
        rd_bytes(&r, 3);
        uint32_t symbol = rd_u32(&r);
        int64_t addend = (int64_t)rd_u64(&r);
        bool external = symbol != KILN_RELOC_SYM_IMAGE;
        uint64_t s = external ? (uint64_t)(uintptr_t)symbol_addresses[symbol]
                              : (uint64_t)(uintptr_t)base;
        kiln_status st = rel_apply(base, offset, kind, s, addend,
                                   external ? (const char *)c->symbol_names[symbol] : NULL,
                                   external ? c->symbol_sizes[symbol] : 0, c->err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

/* The image's pages: its size rounded up to whole pages. */
static size_t image_map_size(const kiln_module *m)
{
    size_t page = os_page_size();
    return ((size_t)m->image_size + page - 1) & ~(page - 1);
}

/* Zero-copy: when the file is mapped privately and the writer put the
 * image on a page boundary (format 2 does for large images), the image
 * pages of that mapping become the code. Relocations only write GOT slots
 * and .data.rel.ro, so only those pages are copied (copy-on-write); the
 * rest stay shared with the page cache. False (nothing changed but
 * relocated bytes) when the mapping cannot be made executable, e.g. on a
 * noexec mount: the caller then copies. */
static bool map_code_in_place(ld_ctx *c, void *const *symbol_addresses, kiln_status *st)
{
    kiln_module *m = c->m;
    size_t map_size = image_map_size(m);
    if (!c->mapped || c->code_section_image % os_page_size() != 0)
        return false;
    uint8_t *base = (uint8_t *)c->bytes + c->code_section_image;
    /* Relocations patch only [exec_size, image_size) (check_relocs): only
     * those pages are made writable, none without relocations. Each
     * protection change walks the page table of its range. */
    size_t page = os_page_size();
    size_t writable_from = c->reloc_count == 0 ? map_size : m->exec_size & ~(page - 1);
    if (writable_from < map_size &&
        !os_protect(base + writable_from, map_size - writable_from, OS_PROT_READ_WRITE))
        return false;
    *st = relocate(c, base, symbol_addresses);
    if (*st == KILN_OK && os_protect(base, map_size, OS_PROT_READ_EXEC)) {
        m->code_base = base;
        m->code_map_size = map_size;
        m->code_in_file = true;
        return true;
    }
    os_protect(base, map_size, OS_PROT_READ);
    return *st != KILN_OK; /* a relocation failed: done; not executable: copy */
}

/* XIP: an image with no relocations runs where it lies in static bytes
 * (flash) when the platform executes in place and the address suits the
 * image's alignment. Nothing is written. False: copy it as usual. */
static bool map_code_xip(ld_ctx *c)
{
    kiln_module *m = c->m;
    uint8_t *base = (uint8_t *)c->bytes + c->code_section_image;
    bool xip = (c->bytes[KILN_AOT_OFF_FLAGS] & KILN_AOT_FLAG_XIP) != 0;
    bool no_relocs = !c->sections[KILN_SEC_RELOCS].present ||
                     kiln_read_u32le(c->bytes + c->sections[KILN_SEC_RELOCS].offset) == 0;
    if (!c->is_static || !xip || !no_relocs || (uintptr_t)base % m->image_align != 0 ||
        !os_code_runs_in_place(base, m->image_size))
        return false;
    m->code_base = base;
    m->code_map_size = 0;
    m->code_in_file = true; /* nothing of ours to release */
    return true;
}

/* Copies the image into its own mapping, relocates it, then makes it
 * read+execute. */
static kiln_status map_code_copy(ld_ctx *c, void *const *symbol_addresses)
{
    kiln_module *m = c->m;
    size_t map_size = image_map_size(m);
    uint8_t *base = os_map_rw(map_size);
    if (base == NULL)
        return kiln_error_set(c->err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "cannot map %zu bytes for the module's code", map_size);
    m->code_base = base;
    m->code_map_size = map_size;
    memcpy(base, c->bytes + c->code_section_image, m->image_size);
    kiln_status st = relocate(c, base, symbol_addresses);
    if (st != KILN_OK)
        return st;
    if (!os_protect(base, map_size, OS_PROT_READ_EXEC))
        return kiln_error_set(c->err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "cannot make the module's code executable");
    return KILN_OK;
}

/* Maps the image (in place or copied), relocated and read+execute, and
 * registers it with the fault handler. */
static kiln_status map_code(ld_ctx *c, void *const *symbol_addresses)
{
    kiln_module *m = c->m;
    if (m->image_size == 0)
        return KILN_OK;
    kiln_status st = KILN_OK;
    if (map_code_xip(c)) {
        m->code_range = trap_range_register((uintptr_t)m->code_base,
                                            (uintptr_t)m->code_base + m->image_size,
                                            TRAP_RANGE_CODE);
        return m->code_range == NULL ? ld_nomem(c, "code registration") : KILN_OK;
    }
    if (!map_code_in_place(c, symbol_addresses, &st))
        st = map_code_copy(c, symbol_addresses);
    if (st != KILN_OK)
        return st;
    /* The code was written through the data side (copied, or relocated in
     * place): instruction caches that do not snoop (aarch64, riscv64) must
     * see it before it runs. */
    os_flush_icache(m->code_base, m->image_size);
    m->code_range = trap_range_register((uintptr_t)m->code_base,
                                        (uintptr_t)m->code_base + m->code_map_size,
                                        TRAP_RANGE_CODE);
    if (m->code_range == NULL)
        return ld_nomem(c, "code registration");
    return KILN_OK;
}

/* Linked statically: the record must be the container's module (counts,
 * code wherever the container has code), and the fault handler must know
 * its code, which lies wherever the system linker put the object's text:
 * one range from its lowest to its highest function or trampoline. */
static kiln_status bind_linked(ld_ctx *c)
{
    kiln_module *m = c->m;
    const struct kiln_linked_code *l = c->linked;
    if (l->magic != KILN_LINKED_MAGIC || l->reserved != 0)
        return kiln_error_set(c->err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "the linked code record is not one kilnc --format=object wrote "
                              "(magic 0x%08x, expected 0x%08x)",
                              (unsigned)l->magic, (unsigned)KILN_LINKED_MAGIC);
    if (l->func_count != m->func_count || l->type_count != m->type_count)
        return kiln_error_set(c->err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "the linked code has %u functions and %u types, the container "
                              "%u and %u: they are not the same module",
                              l->func_count, l->type_count, m->func_count, m->type_count);
    uintptr_t low = UINTPTR_MAX, high = 0;
    for (uint32_t i = m->func_import_count; i < m->func_count; i++) {
        const ld_func *f = &m->funcs[i];
        if (f->code_offset == KILN_AOT_NONE)
            continue;
        uintptr_t at = (uintptr_t)l->funcs[i] & ~(uintptr_t)1; /* Thumb bit */
        if (at == 0)
            return kiln_error_set(c->err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                  "the linked code has no function %u, which the container "
                                  "has: they are not the same module",
                                  i);
        low = at < low ? at : low;
        high = at + f->code_size > high ? at + f->code_size : high;
    }
    for (uint32_t t = 0; t < m->type_count; t++) {
        const ld_type *ty = &m->types[t];
        if ((ty->entry_trampoline != KILN_AOT_NONE && l->entry_trampolines[t] == NULL) ||
            (ty->host_trampoline != KILN_AOT_NONE && l->host_trampolines[t] == NULL))
            return kiln_error_set(c->err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                  "the linked code lacks a trampoline of type %u, which the "
                                  "container has: they are not the same module",
                                  t);
        const void *tramps[2] = {l->entry_trampolines[t], l->host_trampolines[t]};
        for (int k = 0; k < 2; k++) {
            uintptr_t at = (uintptr_t)tramps[k] & ~(uintptr_t)1;
            if (at == 0)
                continue;
            low = at < low ? at : low;
            high = at + 1 > high ? at + 1 : high; /* a trampoline's size is not recorded */
        }
    }
    m->linked = l;
    if (low >= high)
        return KILN_OK;
    m->code_range = trap_range_register(low, high, TRAP_RANGE_CODE);
    return m->code_range == NULL ? ld_nomem(c, "code registration") : KILN_OK;
}

kiln_status ld_link_and_map(ld_ctx *c)
{
    if (c->linked != NULL)
        return bind_linked(c);
    kiln_status st = check_relocs(c);
    if (st != KILN_OK)
        return st;
    void **addresses = kiln_calloc(c->symbol_count, sizeof *addresses);
    if (addresses == NULL)
        return ld_nomem(c, "symbols");
    for (uint32_t i = 0; i < c->symbol_count; i++) {
        addresses[i] = ld_symbol_resolve((const char *)c->symbol_names[i], c->symbol_sizes[i]);
        if (addresses[i] == NULL) {
            int n = (int)(c->symbol_sizes[i] > 200 ? 200 : c->symbol_sizes[i]);
#define LIBCALL_TEXT(name) #name " "
            st = kiln_error_set(c->err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                "unresolved symbol %.*s: the code references it, and it is not "
                                "one of the libcalls this runtime provides: " KILN_LIBCALLS_C(
                                    LIBCALL_TEXT) "and, on 32-bit Arm, the EABI's __aeabi_* "
                                                  "helpers",
                                n, (const char *)c->symbol_names[i]);
#undef LIBCALL_TEXT
            goto out;
        }
    }
    st = map_code(c, addresses);
out:
    kiln_free(addresses);
    return st;
}
