/*
 * Relocatable ELF objects -> kiln code image (the CODE section's bytes, its
 * RELOCS and SYMBOLS, and the offsets of every function and trampoline).
 * Usually one object; several when a module's functions were compiled in
 * partitions, which this file links into one image as a static linker
 * would.
 *
 * The objects are read by elf_object.c into neutral elf_* records (both
 * ELF classes).
 *
 * Image layout: every executable SHF_ALLOC section (object by object, each
 * object's in section order, each at its own alignment), then one call
 * stub per external function the code calls, then every read-only section
 * (.rodata*, constant pools, .data.rel.ro — which only the loader's
 * relocations write, before the image becomes read-only) in the same
 * order, then one pointer-sized GOT slot per target referenced
 * GOT-relatively or called. Writable data (.data, .bss, TLS) cannot live
 * in a read+execute image and is refused by name when non-empty. Unwind
 * tables, notes, comments and debug info are skipped.
 *
 * Linking: a symbol undefined in one object but defined with global or
 * weak binding in another is that definition (a call to it is resolved
 * now, like any call inside the image); only names no object defines are
 * external. A target is a definition (object, symbol index) or an external
 * name, and GOT slots and stubs are per target, so objects calling the
 * same libcall share one slot and one stub.
 *
 * External calls (libcalls such as memcpy or fmod) go through the stubs, as
 * through an ELF PLT: the call reaches its stub PC-relatively, the stub
 * jumps through the symbol's GOT slot, and the slot is the only thing the
 * loader patches. So the loader never needs a symbol within a call's reach
 * (±2 GiB here, ±128 MiB on aarch64), and relocations touch only the GOT
 * and .data.rel.ro: the code pages stay byte-for-byte as in the file, which
 * lets the loader map them from the file instead of copying them.
 *
 * Invariants:
 * - Every offset, size and index read from an object is checked against
 *   that object before use; a bad object is KILN_ERR_CODEGEN, never a
 *   crash.
 * - PC-relative references whose target is in the image are written into
 *   the image now (the image moves as one piece); only absolute and
 *   external references become emit_reloc records.
 * - A global name is defined at most once across the objects; local names
 *   may repeat (each object's references bind to its own).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_object.h"
#include "image.h"
#include "kiln_common.h"


/* What a relocation's symbol stands for once the objects are linked: a
 * symbol defined in one of the objects, or a name defined in none. Equal
 * targets share one GOT slot and one stub. */
typedef struct sym_target {
    const char *external; /* non-NULL: defined in no object, bound by the loader */
    uint32_t object;      /* otherwise the defining object */
    uint32_t symbol;      /* and the symbol's index there (0: STN_UNDEF) */
} sym_target;

/* One GOT slot: the target it holds the address of, and the call stub
 * that jumps through it when the code calls the target. */
typedef struct got_slot {
    sym_target target;
    uint32_t image_offset;
    bool called;          /* needs a stub */
    uint32_t stub_offset; /* image offset of the stub when called */
} got_slot;

/* A symbol defined with global or weak binding: what an undefined symbol
 * of that name in any object resolves to. */
typedef struct global_def {
    const char *name; /* in its object's string table */
    uint32_t object;
    uint32_t symbol;
    uint8_t bind;     /* STB_GLOBAL or STB_WEAK */
} global_def;

typedef struct image_builder {
    elf_file *objects;   /* object_count parsed objects, owned (the bytes are not) */
    uint32_t object_count;
    global_def *globals; /* sorted by name, one per name */
    uint32_t global_count;
    const emit_reloc_arch *arch;
    emit_image *image;
    uint32_t reloc_capacity;
    got_slot *got;
    uint32_t got_count;
    uint32_t got_capacity;
    uint32_t stub_count;
    uint32_t slot_size; /* pointer width of the objects */
    bool xip;           /* no GOT, no records: emit_image_options */
} image_builder;

static kiln_status no_memory(kiln_error *err)
{
    return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

static bool range_ok(size_t total, uint64_t offset, uint64_t size)
{
    return offset <= total && size <= total - offset;
}

/* Makes room for element count of a growing array (doubling); false when
 * out of memory, leaving the array as it was. */
static bool reserve_one(void **items, uint32_t *capacity, uint32_t count, size_t elem_size)
{
    if (count < *capacity)
        return true;
    uint32_t cap = *capacity ? *capacity * 2 : 16;
    void *grown = realloc(*items, (size_t)cap * elem_size);
    if (grown == NULL)
        return false;
    *items = grown;
    *capacity = cap;
    return true;
}

/* ---- layout ---------------------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Sections that are SHF_ALLOC but mean nothing to a kiln image: unwind
 * tables (traps unwind with siglongjmp, not the C++ unwinder; on Arm the
 * EHABI's .ARM.exidx and .ARM.extab) and notes. */
static bool section_skipped(const elf_section *s)
{
    return strcmp(s->name, ".eh_frame") == 0 || starts_with(s->name, ".ARM.exidx") ||
           starts_with(s->name, ".ARM.extab") || starts_with(s->name, ".note") ||
           strcmp(s->name, ".comment") == 0 || starts_with(s->name, ".debug") ||
           s->type == SHT_GROUP || s->type == SHT_NOTE;
}

/* The relocation table for an object's machine and class; NULL when kiln
 * has none (32-bit riscv, say). */
static const emit_reloc_arch *arch_for(uint16_t machine, bool is64)
{
    static const struct {
        const emit_reloc_arch *arch;
        bool is64;
    } archs[] = {{&emit_reloc_x86_64, true}, {&emit_reloc_aarch64, true},
                 {&emit_reloc_riscv64, true}, {&emit_reloc_arm, false}};
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++)
        if (archs[i].arch->elf_machine == machine && archs[i].is64 == is64)
            return archs[i].arch;
    return NULL;
}

static const char *machine_name(uint16_t machine)
{
    switch (machine) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "x86 (32-bit)";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_RISCV: return "riscv";
    default: return "this architecture";
    }
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

/* Whether section i's bytes go into the image (relocations of the others
 * are ignored). Section 0 and null sections never do, whatever their
 * headers say: their contents are not checked against the file. */
static bool section_in_image(const elf_file *elf, uint32_t i)
{
    const elf_section *s = &elf->sections[i];
    return i != 0 && s->type != SHT_NULL && (s->flags & SHF_ALLOC) != 0 && !section_skipped(s) &&
           s->size > 0;
}

/* Refuses what a read+execute image cannot hold: writable data, TLS and
 * .bss (.data.rel.ro is written only by the loader, before the image
 * becomes read-only, so it is kept). */
static kiln_status check_sections(const elf_file *elf, kiln_error *err)
{
    for (uint32_t i = 1; i < elf->section_count; i++) {
        const elf_section *s = &elf->sections[i];
        if (!section_in_image(elf, i))
            continue;
        bool relro = starts_with(s->name, ".data.rel.ro");
        bool writable = (s->flags & (SHF_WRITE | SHF_TLS)) != 0 && !relro;
        if (writable || s->type == SHT_NOBITS)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "the object has writable data (section %s, %llu "
                                  "bytes), which a kiln code image cannot hold",
                                  s->name, (unsigned long long)s->size);
    }
    return KILN_OK;
}

/* Places the code sections (exec) or the read-only ones of every object
 * from image offset off, each at its alignment; returns the end and
 * raises *align to the largest alignment seen. */
static uint64_t place_sections(image_builder *b, bool exec, uint64_t off, uint64_t *align)
{
    for (uint32_t o = 0; o < b->object_count; o++) {
        elf_file *elf = &b->objects[o];
        for (uint32_t i = 1; i < elf->section_count; i++) {
            elf_section *s = &elf->sections[i];
            if (!section_in_image(elf, i) || ((s->flags & SHF_EXECINSTR) != 0) != exec)
                continue;
            off = align_up(off, s->align);
            s->image_offset = off;
            off += s->size;
            if (s->align > *align)
                *align = s->align;
        }
    }
    return off;
}

/* Places one stub per called GOT slot from off; returns the end. */
static uint64_t place_stubs(image_builder *b, uint64_t off)
{
    if (b->stub_count == 0)
        return off;
    off = align_up(off, b->arch->stub_size);
    for (uint32_t g = 0; g < b->got_count; g++) {
        if (!b->got[g].called)
            continue;
        b->got[g].stub_offset = (uint32_t)off;
        off += b->arch->stub_size;
    }
    return off;
}

/* Lays the image out (code of every object, stubs, read-only data of
 * every object, GOT) and allocates its bytes. */
static kiln_status layout_image(image_builder *b, kiln_error *err)
{
    for (uint32_t o = 0; o < b->object_count; o++) {
        kiln_status st = check_sections(&b->objects[o], err);
        if (st != KILN_OK)
            return st;
    }
    uint64_t align = b->slot_size > b->arch->min_image_align ? b->slot_size
                                                             : b->arch->min_image_align;
    uint64_t exec_end = place_stubs(b, place_sections(b, true, 0, &align));
    uint64_t ro_end = place_sections(b, false, exec_end, &align);
    uint64_t got_start = align_up(ro_end, b->slot_size);
    for (uint32_t g = 0; g < b->got_count; g++)
        b->got[g].image_offset = (uint32_t)(got_start + (uint64_t)g * b->slot_size);
    /* XIP: the slots are the runtime's libcall table, not in the image. */
    uint64_t image_size = b->got_count > 0 && !b->xip
                              ? got_start + (uint64_t)b->got_count * b->slot_size
                              : ro_end;
    if (image_size >= UINT32_MAX)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "code image of %llu bytes exceeds 4 GiB",
                              (unsigned long long)image_size);
    emit_image *img = b->image;
    img->bytes = calloc(image_size > 0 ? image_size : 1, 1);
    if (img->bytes == NULL)
        return no_memory(err);
    img->exec_size = (uint32_t)exec_end;
    img->image_size = (uint32_t)image_size;
    img->image_align = (uint32_t)align;
    return KILN_OK;
}

/* Copies the placed sections' bytes; code padding gets the trap filler. */
static void copy_sections(image_builder *b)
{
    emit_image *img = b->image;
    memset(img->bytes, b->arch->code_fill, img->exec_size);
    for (uint32_t o = 0; o < b->object_count; o++) {
        const elf_file *elf = &b->objects[o];
        for (uint32_t i = 0; i < elf->section_count; i++) {
            const elf_section *s = &elf->sections[i];
            if (s->image_offset != NOT_PLACED)
                memcpy(img->bytes + s->image_offset, elf->bytes + s->offset, s->size);
        }
    }
}

/* ---- linking the objects' symbols -------------------------------------------- */

static int global_by_name(const void *a, const void *b)
{
    return strcmp(((const global_def *)a)->name, ((const global_def *)b)->name);
}

/* By name, then the strongest definition first (STB_GLOBAL < STB_WEAK),
 * then in object order, so the first of each name is the one that wins. */
static int global_by_precedence(const void *a, const void *b)
{
    const global_def *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    if (x->bind != y->bind)
        return x->bind < y->bind ? -1 : 1;
    if (x->object != y->object)
        return x->object < y->object ? -1 : 1;
    return x->symbol < y->symbol ? -1 : x->symbol > y->symbol;
}

static bool is_global_def(const elf_symbol *s)
{
    return (s->bind == STB_GLOBAL || s->bind == STB_WEAK) && s->shndx != SHN_UNDEF &&
           s->name[0] != '\0';
}

/* Keeps the winning definition of each name; two strong ones are an error. */
static kiln_status dedupe_globals(image_builder *b, kiln_error *err)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < b->global_count; i++) {
        const global_def *g = &b->globals[i];
        const global_def *prev = kept > 0 ? &b->globals[kept - 1] : NULL;
        if (prev == NULL || strcmp(prev->name, g->name) != 0) {
            b->globals[kept++] = *g;
            continue;
        }
        if (prev->bind == STB_GLOBAL && g->bind == STB_GLOBAL)
            return kiln_error_set(err, KILN_ERR_CODEGEN, KILN_NO_OFFSET,
                                  "global symbol '%s' is defined in object %u and again in "
                                  "object %u",
                                  g->name, prev->object, g->object);
    }
    b->global_count = kept;
    return KILN_OK;
}

/* The table that links the objects: every global or weak definition. */
static kiln_status collect_globals(image_builder *b, kiln_error *err)
{
    uint32_t capacity = 0;
    for (uint32_t o = 0; o < b->object_count; o++) {
        for (uint32_t i = 1; i < b->objects[o].symbol_count; i++) {
            const elf_symbol *s = &b->objects[o].symbols[i];
            if (!is_global_def(s))
                continue;
            if (!reserve_one((void **)&b->globals, &capacity, b->global_count,
                             sizeof *b->globals))
                return no_memory(err);
            b->globals[b->global_count++] = (global_def){s->name, o, i, s->bind};
        }
    }
    if (b->global_count > 1)
        qsort(b->globals, b->global_count, sizeof *b->globals, global_by_precedence);
    return dedupe_globals(b, err);
}

static const global_def *find_global(const image_builder *b, const char *name)
{
    if (b->global_count == 0)
        return NULL;
    global_def key = {.name = name};
    return bsearch(&key, b->globals, b->global_count, sizeof key, global_by_name);
}

/* What symbol `index` of `object` refers to: itself when defined there,
 * else the definition of its name in another object, else the name. */
static kiln_status resolve_symbol(const image_builder *b, uint32_t object, uint32_t index,
                                  sym_target *out, kiln_error *err)
{
    const elf_file *elf = &b->objects[object];
    *out = (sym_target){.object = object, .symbol = index};
    if (index == 0)
        return KILN_OK;
    if (index >= elf->symbol_count)
        return elf_bad_object(err, "relocation names a symbol past the symbol table");
    const elf_symbol *s = &elf->symbols[index];
    if (s->shndx != SHN_UNDEF)
        return KILN_OK;
    if (s->name[0] == '\0')
        return elf_bad_object(err, "relocation against an unnamed undefined symbol");
    const global_def *def = find_global(b, s->name);
    if (def == NULL) {
        out->external = s->name;
        return KILN_OK;
    }
    out->object = def->object;
    out->symbol = def->symbol;
    return KILN_OK;
}

static bool same_target(const sym_target *x, const sym_target *y)
{
    if (x->external != NULL || y->external != NULL)
        return x->external != NULL && y->external != NULL &&
               strcmp(x->external, y->external) == 0;
    return x->object == y->object && x->symbol == y->symbol;
}

/* Where a target lives: external (name set), absolute, or in the image
 * (image offset). */
typedef struct sym_place {
    const char *external; /* non-NULL: undefined, resolved by the loader */
    bool absolute;
    uint64_t value;       /* absolute value or image offset */
} sym_place;

/* Places a target from resolve_symbol (so its index is in range and, when
 * not external, it is defined). */
static kiln_status place_target(const image_builder *b, const sym_target *t, const char *where,
                                sym_place *out, kiln_error *err)
{
    memset(out, 0, sizeof *out);
    if (t->external != NULL) {
        out->external = t->external;
        return KILN_OK;
    }
    if (t->symbol == 0) {
        out->absolute = true; /* STN_UNDEF: S = 0 */
        return KILN_OK;
    }
    const elf_file *elf = &b->objects[t->object];
    const elf_symbol *s = &elf->symbols[t->symbol];
    if (s->shndx == SHN_ABS) {
        out->absolute = true;
        out->value = s->value;
        return KILN_OK;
    }
    if (s->shndx >= elf->section_count || s->shndx == SHN_COMMON)
        return elf_bad_object(err, "symbol in an unknown section");
    const elf_section *sec = &elf->sections[s->shndx];
    if (sec->image_offset == NOT_PLACED)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "%s refers to symbol '%s' in section %s, which is not part "
                              "of the code image",
                              where, s->name[0] ? s->name : "(section)", sec->name);
    out->value = sec->image_offset + s->value;
    return KILN_OK;
}

/* ---- GOT, stubs, records ------------------------------------------------------ */

static const emit_reloc_type *find_type(const emit_reloc_arch *arch, uint32_t type)
{
    for (size_t i = 0; i < arch->type_count; i++)
        if (arch->types[i].type == type)
            return &arch->types[i];
    return NULL;
}

static kiln_status extern_index(image_builder *b, const char *name, uint32_t *out,
                                kiln_error *err)
{
    emit_image *img = b->image;
    for (uint32_t i = 0; i < img->extern_count; i++) {
        if (strcmp(img->externs[i], name) == 0) {
            *out = i;
            return KILN_OK;
        }
    }
    char **grown = realloc(img->externs, (img->extern_count + 1) * sizeof *grown);
    if (grown == NULL)
        return no_memory(err);
    img->externs = grown;
    size_t n = strlen(name) + 1;
    char *copy = malloc(n);
    if (copy == NULL)
        return no_memory(err);
    memcpy(copy, name, n);
    img->externs[img->extern_count] = copy;
    *out = img->extern_count++;
    return KILN_OK;
}

static kiln_status add_record(image_builder *b, uint64_t offset, kiln_reloc_kind kind,
                              uint32_t symbol, int64_t addend, kiln_error *err)
{
    emit_image *img = b->image;
    if (!reserve_one((void **)&img->relocs, &b->reloc_capacity, img->reloc_count,
                     sizeof *img->relocs))
        return no_memory(err);
    emit_reloc *r = &img->relocs[img->reloc_count++];
    r->offset = (uint32_t)offset;
    r->kind = (uint8_t)kind;
    r->symbol = symbol;
    r->addend = addend;
    return KILN_OK;
}

static got_slot *find_got(const image_builder *b, const sym_target *t)
{
    for (uint32_t g = 0; g < b->got_count; g++)
        if (same_target(&b->got[g].target, t))
            return &b->got[g];
    return NULL;
}

/* One relocation of `object`: entry `index` of relocation section `rels`,
 * whose field lies in section `target`. */
typedef struct reloc_site {
    uint32_t object;
    const elf_section *target;
    const elf_section *rels;
    uint64_t index;
} reloc_site;

/* What every relocation pass does with one relocation. */
typedef kiln_status (*reloc_visit)(image_builder *b, const reloc_site *site, const elf_reloc *r,
                                   kiln_error *err);

/* Visits every relocation of every image section, object by object, in
 * section order; relocations of skipped sections (.eh_frame) are ignored. */
static kiln_status for_each_reloc(image_builder *b, reloc_visit visit, kiln_error *err)
{
    for (uint32_t o = 0; o < b->object_count; o++) {
        const elf_file *elf = &b->objects[o];
        for (uint32_t i = 0; i < elf->section_count; i++) {
            const elf_section *rs = &elf->sections[i];
            if (rs->type != SHT_RELA && rs->type != SHT_REL)
                continue;
            if (rs->info >= elf->section_count)
                return elf_bad_object(err, "relocation section for an unknown section");
            if (!section_in_image(elf, rs->info))
                continue;
            uint64_t n = elf_reloc_count(elf, rs);
            for (uint64_t k = 0; k < n; k++) {
                elf_reloc r;
                elf_read_reloc(elf, rs, k, &r);
                reloc_site site = {o, &elf->sections[rs->info], rs, k};
                kiln_status st = visit(b, &site, &r, err);
                if (st != KILN_OK)
                    return st;
            }
        }
    }
    return KILN_OK;
}

static const char *target_name(const image_builder *b, const sym_target *t);

static bool is_got_action(emit_reloc_action a)
{
    return a == EMIT_RA_GOT_PCREL || a == EMIT_RA_GOT_PAGE_PCREL || a == EMIT_RA_GOT_LO12;
}

/* First pass, before the layout: one GOT slot per target referenced
 * GOT-relatively or called while external, and a stub for the latter. */
static kiln_status collect_got(image_builder *b, const reloc_site *site, const elf_reloc *r,
                               kiln_error *err)
{
    const emit_reloc_type *t = find_type(b->arch, r->type);
    if (t == NULL || (!is_got_action(t->action) && t->action != EMIT_RA_CALL))
        return KILN_OK;
    sym_target to;
    kiln_status st = resolve_symbol(b, site->object, r->symbol, &to, err);
    if (st != KILN_OK)
        return st;
    bool call = t->action == EMIT_RA_CALL && to.external != NULL;
    if (!is_got_action(t->action) && !call)
        return KILN_OK;
    if (b->xip && !call)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "--xip: relocation at %s+0x%llx: %s needs a GOT slot for '%s', "
                              "which the loader would have to write",
                              site->target->name, (unsigned long long)r->offset, t->name,
                              target_name(b, &to));
    got_slot *slot = find_got(b, &to);
    if (slot == NULL) {
        if (!reserve_one((void **)&b->got, &b->got_capacity, b->got_count, sizeof *b->got))
            return no_memory(err);
        slot = &b->got[b->got_count++];
        memset(slot, 0, sizeof *slot);
        slot->target = to;
    }
    if (call && !slot->called) {
        slot->called = true;
        b->stub_count++;
    }
    return KILN_OK;
}

/* The index of an external in KILN_LIBCALLS, or -1. */
static int libcall_index(const char *name)
{
#define LIBCALL_NAME(n) #n,
    static const char *const names[] = {KILN_LIBCALLS(LIBCALL_NAME)};
#undef LIBCALL_NAME
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Writes every stub: a jump through its target's GOT slot or, XIP, through
 * its slot of the runtime's libcall table. */
static kiln_status write_stubs(image_builder *b, kiln_error *err)
{
    for (uint32_t g = 0; g < b->got_count; g++) {
        const got_slot *slot = &b->got[g];
        uint8_t *p = b->image->bytes + slot->stub_offset;
        if (!slot->called)
            continue;
        if (!b->xip) {
            b->arch->write_stub(p, slot->stub_offset, slot->image_offset);
            continue;
        }
        int index = libcall_index(slot->target.external);
        if (index < 0)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "--xip: the code calls '%s', which is not in kiln's libcall "
                                  "table (KILN_LIBCALLS)",
                                  slot->target.external);
        b->arch->write_table_stub(p, (uint32_t)index);
        /* Listed in SYMBOLS all the same: the loader checks that the host
         * has every libcall the code calls. */
        uint32_t listed;
        kiln_status st = extern_index(b, slot->target.external, &listed, err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

/* Reads a REL entry's implicit addend from the field: the architecture
 * decodes instruction fields; data fields are little-endian integers. */
static int64_t implicit_addend(const emit_reloc_arch *arch, const uint8_t *p,
                               const emit_reloc_type *type)
{
    if (arch->read_addend != NULL)
        return arch->read_addend(p, type);
    switch (type->width) {
    case 8: return (int64_t)kiln_read_u64le(p);
    case 4: return (int32_t)kiln_read_u32le(p);
    case 2: return (int16_t)kiln_read_u16le(p);
    case 1: return (int8_t)p[0];
    default: return 0;
    }
}

/* S + A - P, wrapping instead of overflowing on a bad addend (write_pcrel's
 * range check then refuses it). */
static int64_t pcrel_value(uint64_t target, int64_t addend, uint64_t place)
{
    return (int64_t)(target + (uint64_t)addend - place);
}

/* Writes an absolute value (S + A) of `width` bytes into the field. */
static void write_absolute(uint8_t *field, unsigned width, uint64_t value)
{
    if (width == 8)
        kiln_write_u64le(field, value);
    else
        kiln_write_u32le(field, (uint32_t)value);
}

/* A record for an absolute field holding the address of s plus addend. */
static kiln_status add_address_record(image_builder *b, uint64_t offset, kiln_reloc_kind kind,
                                      const sym_place *s, int64_t addend, kiln_error *err)
{
    if (s->external == NULL)
        return add_record(b, offset, kind, KILN_RELOC_SYM_IMAGE,
                          (int64_t)(s->value + (uint64_t)addend), err);
    uint32_t index = 0;
    kiln_status st = extern_index(b, s->external, &index, err);
    if (st != KILN_OK)
        return st;
    return add_record(b, offset, kind, index, addend, err);
}

/* A target's name for messages. */
static const char *target_name(const image_builder *b, const sym_target *t)
{
    if (t->external != NULL)
        return t->external;
    if (t->symbol == 0)
        return "(none)";
    const elf_symbol *s = &b->objects[t->object].symbols[t->symbol];
    if (s->name[0] != '\0')
        return s->name;
    if (s->shndx < b->objects[t->object].section_count)
        return b->objects[t->object].sections[s->shndx].name;
    return "(section)";
}

/* A PC-relative value the field cannot hold: names the relocation, the
 * symbol and the distance (a branch beyond its reach, as in an image too
 * large for the architecture's direct calls). */
static kiln_status out_of_range(const image_builder *b, const emit_reloc_type *t,
                                const char *where, const char *symbol, const char *what,
                                int64_t value, kiln_error *err)
{
    int64_t distance = value & ~(int64_t)b->arch->code_entry_bit;
    return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                          "%s: %s to '%s': %s is %lld bytes away, beyond what the %s field "
                          "can reach or not aligned for it (code image too large for direct "
                          "%s branches)",
                          where, t->name, symbol, what, (long long)distance, t->name,
                          b->arch->name);
}

/* The image offset a GOT reference resolves to (collect_got gave every
 * GOT reference a slot). */
static uint64_t got_offset(const image_builder *b, const sym_target *to)
{
    const got_slot *g = find_got(b, to);
    return g != NULL ? g->image_offset : 0;
}

/* Where an in-image reference points (S + A as an image offset); refuses
 * external and absolute symbols, which only ABS fields and calls take. */
static kiln_status image_target(const emit_reloc_type *t, const sym_place *s, int64_t addend,
                                const char *where, uint64_t *out, kiln_error *err)
{
    if (s->external != NULL)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "%s: %s to external symbol '%s' cannot be relocated by the "
                              "loader",
                              where, t->name, s->external);
    if (s->absolute)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "%s: %s to an absolute symbol", where, t->name);
    *out = s->value + (uint64_t)addend;
    return KILN_OK;
}

/*
 * riscv PCREL_LO12_*: the symbol is a label on the instruction that carries
 * the matching PCREL_HI20 (or GOT_HI20); the low part is that relocation's
 * S + A - P. Looks it up among the relocations of the label's section.
 */
static kiln_status paired_hi_value(image_builder *b, uint32_t object, uint32_t symbol,
                                   const char *where, int64_t *out, kiln_error *err)
{
    const elf_file *elf = &b->objects[object];
    if (symbol == 0 || symbol >= elf->symbol_count)
        return elf_bad_object(err, "PCREL_LO12 relocation without its HI20 label");
    const elf_symbol *label = &elf->symbols[symbol];
    if (label->shndx == SHN_UNDEF || label->shndx >= elf->section_count)
        return elf_bad_object(err, "PCREL_LO12 label outside the object's sections");
    const elf_section *sec = &elf->sections[label->shndx];
    for (uint32_t i = 0; i < elf->section_count; i++) {
        const elf_section *rs = &elf->sections[i];
        if ((rs->type != SHT_RELA && rs->type != SHT_REL) || rs->info != label->shndx)
            continue;
        uint64_t n = elf_reloc_count(elf, rs);
        for (uint64_t k = 0; k < n; k++) {
            elf_reloc hi;
            elf_read_reloc(elf, rs, k, &hi);
            const emit_reloc_type *t = find_type(b->arch, hi.type);
            if (hi.offset != label->value || t == NULL ||
                (t->action != EMIT_RA_PCREL && t->action != EMIT_RA_GOT_PCREL))
                continue;
            sym_target to;
            sym_place s;
            kiln_status st = resolve_symbol(b, object, hi.symbol, &to, err);
            if (st == KILN_OK)
                st = place_target(b, &to, where, &s, err);
            if (st != KILN_OK)
                return st;
            uint64_t target = 0;
            if (t->action == EMIT_RA_GOT_PCREL)
                target = got_offset(b, &to) + (uint64_t)hi.addend;
            else if ((st = image_target(t, &s, hi.addend, where, &target, err)) != KILN_OK)
                return st;
            *out = pcrel_value(target, 0, sec->image_offset + hi.offset);
            return KILN_OK;
        }
    }
    return kiln_error_set(err, KILN_ERR_CODEGEN, KILN_NO_OFFSET,
                          "%s: PCREL_LO12 label '%s' has no PCREL_HI20/GOT_HI20 relocation",
                          where, label->name);
}

/* An ADD must be followed, a SUB preceded, by its partner at the same
 * offset: only the pair's difference is independent of the load address. */
static bool paired_add_sub(const image_builder *b, const reloc_site *site, const elf_reloc *r,
                           emit_reloc_action action)
{
    const elf_file *elf = &b->objects[site->object];
    uint64_t n = elf_reloc_count(elf, site->rels);
    uint64_t other;
    if (action == EMIT_RA_ADD) {
        if (site->index + 1 >= n)
            return false;
        other = site->index + 1;
    } else {
        if (site->index == 0)
            return false;
        other = site->index - 1;
    }
    elf_reloc partner;
    elf_read_reloc(elf, site->rels, other, &partner);
    const emit_reloc_type *t = find_type(b->arch, partner.type);
    return partner.offset == r->offset && t != NULL &&
           t->action == (action == EMIT_RA_ADD ? EMIT_RA_SUB : EMIT_RA_ADD);
}

/* field +=/-= value, little-endian, in the type's width. */
static void add_to_field(uint8_t *field, unsigned width, uint64_t value)
{
    switch (width) {
    case 8: kiln_write_u64le(field, kiln_read_u64le(field) + value); break;
    case 4: kiln_write_u32le(field, (uint32_t)(kiln_read_u32le(field) + value)); break;
    case 2: {
        uint16_t v = (uint16_t)(kiln_read_u16le(field) + value);
        field[0] = (uint8_t)v;
        field[1] = (uint8_t)(v >> 8);
        break;
    }
    default: field[0] = (uint8_t)(field[0] + value); break;
    }
}

/* Second pass, after the layout: writes what is known now, records the rest. */
static kiln_status apply_one(image_builder *b, const reloc_site *site, const elf_reloc *r,
                             kiln_error *err)
{
    emit_image *img = b->image;
    const elf_section *target = site->target;
    char where[160];
    snprintf(where, sizeof where, "relocation at %s+0x%llx", target->name,
             (unsigned long long)r->offset);
    const emit_reloc_type *t = find_type(b->arch, r->type);
    if (t == NULL)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "%s: unsupported %s relocation type %u", where, b->arch->name,
                              r->type);
    if (t->action == EMIT_RA_REFUSE)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "%s: unsupported %s relocation %s", where, b->arch->name,
                              t->name);
    if (t->action == EMIT_RA_IGNORE)
        return KILN_OK;
    if (!range_ok(target->size, r->offset, t->width))
        return elf_bad_object(err, "relocation outside its section");
    uint64_t p_img = target->image_offset + r->offset;
    uint8_t *field = img->bytes + p_img;
    int64_t addend = r->has_addend ? r->addend : implicit_addend(b->arch, field, t);

    sym_target to;
    sym_place s;
    kiln_status st = resolve_symbol(b, site->object, r->symbol, &to, err);
    if (st == KILN_OK && t->action != EMIT_RA_PCREL_LO)
        st = place_target(b, &to, where, &s, err);
    if (st != KILN_OK)
        return st;

    int64_t value = 0;
    uint64_t at = 0;
    switch (t->action) {
    case EMIT_RA_PCREL:
    case EMIT_RA_CALL:
        if (s.external != NULL && t->action == EMIT_RA_CALL) {
            /* collect_got gave every called external target a stub. */
            const got_slot *slot = find_got(b, &to);
            if (slot == NULL || !slot->called)
                return elf_bad_object(err, "external call without its stub");
            uint64_t stub = slot->stub_offset + (uint64_t)b->arch->code_entry_bit;
            if (!b->arch->write_pcrel(field, t, pcrel_value(stub, addend, p_img)))
                return out_of_range(b, t, where, s.external, "its call stub",
                                    pcrel_value(stub, addend, p_img), err);
            return KILN_OK;
        }
        if ((st = image_target(t, &s, addend, where, &at, err)) != KILN_OK)
            return st;
        value = pcrel_value(at, 0, p_img);
        break;
    case EMIT_RA_GOT_PCREL:
        value = pcrel_value(got_offset(b, &to), addend, p_img);
        break;
    case EMIT_RA_PAGE_PCREL:
        if ((st = image_target(t, &s, addend, where, &at, err)) != KILN_OK)
            return st;
        value = (int64_t)((at & ~(uint64_t)0xFFF) - (p_img & ~(uint64_t)0xFFF));
        break;
    case EMIT_RA_GOT_PAGE_PCREL:
        at = got_offset(b, &to) + (uint64_t)addend;
        value = (int64_t)((at & ~(uint64_t)0xFFF) - (p_img & ~(uint64_t)0xFFF));
        break;
    case EMIT_RA_LO12:
        if ((st = image_target(t, &s, addend, where, &at, err)) != KILN_OK)
            return st;
        value = (int64_t)(at & 0xFFF);
        break;
    case EMIT_RA_GOT_LO12:
        value = (int64_t)((got_offset(b, &to) + (uint64_t)addend) & 0xFFF);
        break;
    case EMIT_RA_PCREL_LO:
        if ((st = paired_hi_value(b, site->object, r->symbol, where, &value, err)) != KILN_OK)
            return st;
        break;
    case EMIT_RA_ABS_CODE:
        if (!s.absolute)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "%s: %s needs the load address in an instruction, and the "
                                  "loader never patches code (position-independent code "
                                  "does not use it)",
                                  where, t->name);
        value = (int64_t)(s.value + (uint64_t)addend);
        break;
    case EMIT_RA_ADD:
    case EMIT_RA_SUB:
        if (!paired_add_sub(b, site, r, t->action))
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "%s: %s without its %s partner at the same offset", where,
                                  t->name, t->action == EMIT_RA_ADD ? "SUB" : "ADD");
        if ((st = image_target(t, &s, addend, where, &at, err)) != KILN_OK)
            return st;
        add_to_field(field, t->width, t->action == EMIT_RA_ADD ? at : (uint64_t)0 - at);
        return KILN_OK;
    case EMIT_RA_ABS: {
        kiln_reloc_kind kind = t->width == 8 ? KILN_RELOC_ABS64 : KILN_RELOC_ABS32;
        if (t->width != 8 && t->width != 4)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "%s: %u-byte absolute field", where, t->width);
        if (s.absolute) {
            write_absolute(field, t->width, s.value + (uint64_t)addend);
            return KILN_OK;
        }
        if ((target->flags & SHF_EXECINSTR) != 0)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "%s: %s puts the absolute address of '%s' into code, which "
                                  "the loader never patches",
                                  where, t->name, target_name(b, &to));
        if (b->xip)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "--xip: %s: %s puts the absolute address of '%s' into "
                                  "read-only data (%s), which the loader would have to write",
                                  where, t->name, target_name(b, &to), target->name);
        memset(field, 0, t->width);
        return add_address_record(b, p_img, kind, &s, addend, err);
    }
    case EMIT_RA_IGNORE:
    case EMIT_RA_REFUSE:
        return KILN_OK;
    }
    if (!b->arch->write_pcrel(field, t, value))
        return out_of_range(b, t, where, t->action == EMIT_RA_PCREL_LO ? "(its HI20)"
                                                                        : target_name(b, &to),
                            "its target", value, err);
    return KILN_OK;
}

/* Fills the GOT slots' records: each slot holds its target's address. */
static kiln_status fill_got(image_builder *b, kiln_error *err)
{
    if (b->xip)
        return KILN_OK; /* no GOT: the libcall table is the runtime's */
    kiln_reloc_kind kind = b->slot_size == 8 ? KILN_RELOC_ABS64 : KILN_RELOC_ABS32;
    for (uint32_t g = 0; g < b->got_count; g++) {
        sym_place s;
        kiln_status st = place_target(b, &b->got[g].target, "GOT slot", &s, err);
        if (st == KILN_OK && s.absolute)
            write_absolute(b->image->bytes + b->got[g].image_offset, b->slot_size, s.value);
        else if (st == KILN_OK)
            st = add_address_record(b, b->got[g].image_offset, kind, &s, 0, err);
        if (st != KILN_OK)
            return st;
    }
    return KILN_OK;
}

/* ---- the image's symbol list ---------------------------------------------------- */

static int symbol_by_name(const void *a, const void *b)
{
    return strcmp(((const emit_symbol *)a)->name, ((const emit_symbol *)b)->name);
}

/* Equal names (locals of different objects) in image order, so the list
 * does not depend on the sort's stability. */
static int symbol_by_name_offset(const void *a, const void *b)
{
    int c = symbol_by_name(a, b);
    if (c != 0)
        return c;
    uint32_t x = ((const emit_symbol *)a)->offset, y = ((const emit_symbol *)b)->offset;
    return x < y ? -1 : x > y;
}

static int reloc_by_offset(const void *a, const void *b)
{
    uint32_t x = ((const emit_reloc *)a)->offset, y = ((const emit_reloc *)b)->offset;
    return x < y ? -1 : x > y;
}

/* Whether symbol `index` of `object` is listed in img->symbols: a named
 * function in the image, unless its name has a global definition that is
 * another symbol (a local or losing weak one yields, so that a lookup by
 * name finds what a reference by name binds to). */
static bool listed_symbol(const image_builder *b, uint32_t object, uint32_t index)
{
    const elf_file *elf = &b->objects[object];
    const elf_symbol *s = &elf->symbols[index];
    if (s->type != STT_FUNC || s->name[0] == '\0' || s->shndx >= elf->section_count ||
        elf->sections[s->shndx].image_offset == NOT_PLACED)
        return false;
    const global_def *g = find_global(b, s->name);
    return g == NULL || (g->object == object && g->symbol == index);
}

static kiln_status add_symbol(image_builder *b, const elf_file *elf, const elf_symbol *s,
                              uint32_t *capacity, kiln_error *err)
{
    emit_image *img = b->image;
    const elf_section *sec = &elf->sections[s->shndx];
    /* A Thumb function's value is its entry point, its address plus 1. */
    uint64_t start = s->value & ~(uint64_t)b->arch->code_entry_bit;
    if (start > sec->size || s->size > sec->size - start)
        return elf_bad_object(err, "function symbol outside its section");
    if (!reserve_one((void **)&img->symbols, capacity, img->symbol_count, sizeof *img->symbols))
        return no_memory(err);
    size_t len = strlen(s->name) + 1;
    emit_symbol *out = &img->symbols[img->symbol_count];
    out->name = malloc(len);
    if (out->name == NULL)
        return no_memory(err);
    memcpy(out->name, s->name, len);
    out->offset = (uint32_t)(sec->image_offset + s->value);
    out->size = (uint32_t)s->size;
    img->symbol_count++;
    return KILN_OK;
}

static kiln_status collect_symbols(image_builder *b, kiln_error *err)
{
    uint32_t capacity = 0;
    for (uint32_t o = 0; o < b->object_count; o++) {
        for (uint32_t i = 1; i < b->objects[o].symbol_count; i++) {
            if (!listed_symbol(b, o, i))
                continue;
            kiln_status st =
                add_symbol(b, &b->objects[o], &b->objects[o].symbols[i], &capacity, err);
            if (st != KILN_OK)
                return st;
        }
    }
    emit_image *img = b->image;
    if (img->symbol_count > 1)
        qsort(img->symbols, img->symbol_count, sizeof *img->symbols, symbol_by_name_offset);
    return KILN_OK;
}

/* ---- entry points ---------------------------------------------------------------- */

/* Parses every object; they must all be for one architecture and class. */
static kiln_status open_objects(image_builder *b, const uint8_t *const *objects,
                                const size_t *sizes, uint32_t count, kiln_error *err)
{
    if (count == 0)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "a code image needs at least one object");
    b->objects = calloc(count, sizeof *b->objects);
    if (b->objects == NULL)
        return no_memory(err);
    b->object_count = count;
    for (uint32_t o = 0; o < count; o++) {
        kiln_status st = elf_open(objects[o], sizes[o], &b->objects[o], err);
        if (st != KILN_OK)
            return st;
        if (o == 0)
            continue;
        if (b->objects[o].machine != b->objects[0].machine ||
            b->objects[o].is64 != b->objects[0].is64)
            return kiln_error_set(err, KILN_ERR_CODEGEN, KILN_NO_OFFSET,
                                  "object %u is for another architecture than object 0", o);
    }
    b->arch = arch_for(b->objects[0].machine, b->objects[0].is64);
    if (b->arch == NULL)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "kiln containers for %s are not supported yet (no relocation "
                              "table for ELF machine %u); --format=object works",
                              machine_name(b->objects[0].machine), b->objects[0].machine);
    b->slot_size = b->objects[0].is64 ? 8 : 4;
    return KILN_OK;
}

static void close_objects(image_builder *b)
{
    for (uint32_t o = 0; o < b->object_count; o++)
        elf_close(&b->objects[o]);
    free(b->objects);
}

kiln_status emit_image_from_objects(const uint8_t *const *objects, const size_t *sizes,
                                    uint32_t count, emit_image **out, kiln_error *err)
{
    return emit_image_link(objects, sizes, count, NULL, out, err);
}

kiln_status emit_image_link(const uint8_t *const *objects, const size_t *sizes, uint32_t count,
                            const emit_image_options *options, emit_image **out,
                            kiln_error *err)
{
    image_builder b;
    memset(&b, 0, sizeof b);
    b.xip = options != NULL && options->xip;
    kiln_status st = open_objects(&b, objects, sizes, count, err);
    if (st == KILN_OK && b.xip && b.arch->write_table_stub == NULL)
        st = kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                            "--xip is not supported for %s code", b.arch->name);
    if (st == KILN_OK) {
        b.image = calloc(1, sizeof *b.image);
        if (b.image == NULL)
            st = no_memory(err);
    }
    if (st == KILN_OK)
        st = collect_globals(&b, err);
    if (st == KILN_OK)
        st = for_each_reloc(&b, collect_got, err);
    if (st == KILN_OK)
        st = layout_image(&b, err);
    if (st == KILN_OK) {
        copy_sections(&b);
        st = write_stubs(&b, err);
    }
    if (st == KILN_OK) {
        st = for_each_reloc(&b, apply_one, err);
    }
    if (st == KILN_OK)
        st = fill_got(&b, err);
    if (st == KILN_OK)
        st = collect_symbols(&b, err);
    if (st == KILN_OK && b.image->reloc_count > 1)
        qsort(b.image->relocs, b.image->reloc_count, sizeof *b.image->relocs,
              reloc_by_offset);

    free(b.got);
    free(b.globals);
    close_objects(&b);
    if (st != KILN_OK) {
        emit_image_free(b.image);
        return st;
    }
    *out = b.image;
    return KILN_OK;
}

kiln_status emit_image_from_object(const uint8_t *object, size_t object_size,
                                   emit_image **out, kiln_error *err)
{
    return emit_image_from_objects(&object, &object_size, 1, out, err);
}

void emit_image_free(emit_image *image)
{
    if (image == NULL)
        return;
    for (uint32_t i = 0; i < image->extern_count; i++)
        free(image->externs[i]);
    for (uint32_t i = 0; i < image->symbol_count; i++)
        free(image->symbols[i].name);
    free(image->externs);
    free(image->symbols);
    free(image->relocs);
    free(image->bytes);
    free(image);
}

const emit_symbol *emit_image_find(const emit_image *image, const char *name)
{
    if (image->symbol_count == 0)
        return NULL;
    emit_symbol key = {.name = (char *)name};
    return bsearch(&key, image->symbols, image->symbol_count, sizeof key, symbol_by_name);
}
