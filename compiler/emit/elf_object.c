/* The ELF object reader (elf_object.h). */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "elf_object.h"
#include "kiln_common.h"

kiln_status elf_bad_object(kiln_error *err, const char *what)
{
    return kiln_error_set(err, KILN_ERR_CODEGEN, KILN_NO_OFFSET,
                          "LLVM produced an unreadable object: %s", what);
}

static kiln_status no_memory(kiln_error *err)
{
    return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
}

static bool range_ok(size_t total, uint64_t offset, uint64_t size)
{
    return offset <= total && size <= total - offset;
}

/* A NUL-terminated string at strtab section + offset, or NULL. */
static const char *elf_string(const elf_file *elf, uint32_t strtab, uint64_t offset)
{
    if (strtab >= elf->section_count)
        return NULL;
    const elf_section *s = &elf->sections[strtab];
    if (s->type != SHT_STRTAB || offset >= s->size)
        return NULL;
    const char *p = (const char *)elf->bytes + s->offset + offset;
    if (memchr(p, '\0', s->size - offset) == NULL)
        return NULL;
    return p;
}

/* ---- ELF header and tables, both classes -> neutral records ------------- */

static kiln_status elf_read_sections(elf_file *elf, kiln_error *err)
{
    const uint8_t *b = elf->bytes;
    uint64_t shoff;
    uint32_t shentsize, shnum, shstrndx;
    if (elf->is64) {
        if (elf->size < sizeof(Elf64_Ehdr))
            return elf_bad_object(err, "truncated ELF header");
        shoff = kiln_read_u64le(b + offsetof(Elf64_Ehdr, e_shoff));
        shentsize = kiln_read_u16le(b + offsetof(Elf64_Ehdr, e_shentsize));
        shnum = kiln_read_u16le(b + offsetof(Elf64_Ehdr, e_shnum));
        shstrndx = kiln_read_u16le(b + offsetof(Elf64_Ehdr, e_shstrndx));
        elf->machine = kiln_read_u16le(b + offsetof(Elf64_Ehdr, e_machine));
        if (shentsize != sizeof(Elf64_Shdr))
            return elf_bad_object(err, "unexpected section header size");
    } else {
        if (elf->size < sizeof(Elf32_Ehdr))
            return elf_bad_object(err, "truncated ELF header");
        shoff = kiln_read_u32le(b + offsetof(Elf32_Ehdr, e_shoff));
        shentsize = kiln_read_u16le(b + offsetof(Elf32_Ehdr, e_shentsize));
        shnum = kiln_read_u16le(b + offsetof(Elf32_Ehdr, e_shnum));
        shstrndx = kiln_read_u16le(b + offsetof(Elf32_Ehdr, e_shstrndx));
        elf->machine = kiln_read_u16le(b + offsetof(Elf32_Ehdr, e_machine));
        if (shentsize != sizeof(Elf32_Shdr))
            return elf_bad_object(err, "unexpected section header size");
    }
    if (shoff == 0 || !range_ok(elf->size, shoff, shentsize))
        return elf_bad_object(err, "no section headers");

    /* Extended numbering: counts too large for the header live in
     * section 0 (sh_size for the count, sh_link for the string table). */
    const uint8_t *sh0 = b + shoff;
    uint64_t sh0_size = elf->is64 ? kiln_read_u64le(sh0 + offsetof(Elf64_Shdr, sh_size))
                                  : kiln_read_u32le(sh0 + offsetof(Elf32_Shdr, sh_size));
    uint32_t sh0_link = kiln_read_u32le(
        sh0 + (elf->is64 ? offsetof(Elf64_Shdr, sh_link) : offsetof(Elf32_Shdr, sh_link)));
    uint64_t count = shnum == 0 ? sh0_size : shnum;
    if (shstrndx == SHN_XINDEX)
        shstrndx = sh0_link;
    if (count == 0 || count > UINT32_MAX / shentsize ||
        !range_ok(elf->size, shoff, count * shentsize))
        return elf_bad_object(err, "section headers outside the file");

    elf->sections = calloc(count, sizeof *elf->sections);
    if (elf->sections == NULL)
        return no_memory(err);
    elf->section_count = (uint32_t)count;
    for (uint32_t i = 0; i < elf->section_count; i++) {
        const uint8_t *h = b + shoff + (uint64_t)i * shentsize;
        elf_section *s = &elf->sections[i];
        if (elf->is64) {
            s->type = kiln_read_u32le(h + offsetof(Elf64_Shdr, sh_type));
            s->flags = kiln_read_u64le(h + offsetof(Elf64_Shdr, sh_flags));
            s->offset = kiln_read_u64le(h + offsetof(Elf64_Shdr, sh_offset));
            s->size = kiln_read_u64le(h + offsetof(Elf64_Shdr, sh_size));
            s->link = kiln_read_u32le(h + offsetof(Elf64_Shdr, sh_link));
            s->info = kiln_read_u32le(h + offsetof(Elf64_Shdr, sh_info));
            s->align = kiln_read_u64le(h + offsetof(Elf64_Shdr, sh_addralign));
            s->entsize = kiln_read_u64le(h + offsetof(Elf64_Shdr, sh_entsize));
        } else {
            s->type = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_type));
            s->flags = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_flags));
            s->offset = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_offset));
            s->size = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_size));
            s->link = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_link));
            s->info = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_info));
            s->align = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_addralign));
            s->entsize = kiln_read_u32le(h + offsetof(Elf32_Shdr, sh_entsize));
        }
        s->image_offset = NOT_PLACED;
        if (s->type != SHT_NOBITS && s->type != SHT_NULL &&
            !range_ok(elf->size, s->offset, s->size))
            return elf_bad_object(err, "section contents outside the file");
        if (s->align == 0)
            s->align = 1;
        if ((s->align & (s->align - 1)) != 0 || s->align > 4096)
            return elf_bad_object(err, "section alignment is not a power of two up to 4096");
    }
    for (uint32_t i = 0; i < elf->section_count; i++) {
        const uint8_t *h = b + shoff + (uint64_t)i * shentsize;
        uint32_t name = kiln_read_u32le(h); /* sh_name is first in both */
        const char *n = elf_string(elf, shstrndx, name);
        elf->sections[i].name = n != NULL ? n : "";
    }
    return KILN_OK;
}

static kiln_status elf_read_symbols(elf_file *elf, kiln_error *err)
{
    uint32_t symtab = UINT32_MAX, shndx_table = UINT32_MAX;
    for (uint32_t i = 0; i < elf->section_count; i++) {
        if (elf->sections[i].type == SHT_SYMTAB)
            symtab = i;
        else if (elf->sections[i].type == SHT_SYMTAB_SHNDX)
            shndx_table = i;
    }
    if (symtab == UINT32_MAX)
        return KILN_OK; /* an object with no symbols has nothing to relocate */
    const elf_section *st = &elf->sections[symtab];
    size_t entsize = elf->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    uint64_t count = st->size / entsize;
    if (count > UINT32_MAX)
        return elf_bad_object(err, "symbol table too large");
    const elf_section *xs = shndx_table != UINT32_MAX ? &elf->sections[shndx_table] : NULL;
    elf->symbols = calloc(count > 0 ? count : 1, sizeof *elf->symbols);
    if (elf->symbols == NULL)
        return no_memory(err);
    elf->symbol_count = (uint32_t)count;
    for (uint32_t i = 0; i < elf->symbol_count; i++) {
        const uint8_t *p = elf->bytes + st->offset + (uint64_t)i * entsize;
        elf_symbol *s = &elf->symbols[i];
        uint32_t name = kiln_read_u32le(p);
        uint8_t info;
        if (elf->is64) {
            info = p[offsetof(Elf64_Sym, st_info)];
            s->shndx = kiln_read_u16le(p + offsetof(Elf64_Sym, st_shndx));
            s->value = kiln_read_u64le(p + offsetof(Elf64_Sym, st_value));
            s->size = kiln_read_u64le(p + offsetof(Elf64_Sym, st_size));
        } else {
            info = p[offsetof(Elf32_Sym, st_info)];
            s->shndx = kiln_read_u16le(p + offsetof(Elf32_Sym, st_shndx));
            s->value = kiln_read_u32le(p + offsetof(Elf32_Sym, st_value));
            s->size = kiln_read_u32le(p + offsetof(Elf32_Sym, st_size));
        }
        s->bind = (uint8_t)(info >> 4);
        s->type = (uint8_t)(info & 0xF);
        if (s->shndx == SHN_XINDEX) {
            if (xs == NULL || !range_ok(xs->size, (uint64_t)i * 4, 4))
                return elf_bad_object(err, "extended section index missing");
            s->shndx = kiln_read_u32le(elf->bytes + xs->offset + (uint64_t)i * 4);
        }
        const char *n = elf_string(elf, st->link, name);
        s->name = n != NULL ? n : "";
    }
    return KILN_OK;
}

/* Relocation entry `index` of section rs (SHT_RELA or SHT_REL). */
void elf_read_reloc(const elf_file *elf, const elf_section *rs, uint64_t index,
                           elf_reloc *r)
{
    bool rela = rs->type == SHT_RELA;
    size_t entsize = elf->is64 ? (rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel))
                               : (rela ? sizeof(Elf32_Rela) : sizeof(Elf32_Rel));
    const uint8_t *p = elf->bytes + rs->offset + index * entsize;
    r->has_addend = rela;
    r->addend = 0;
    if (elf->is64) {
        uint64_t info = kiln_read_u64le(p + 8);
        r->offset = kiln_read_u64le(p);
        r->symbol = (uint32_t)ELF64_R_SYM(info);
        r->type = (uint32_t)ELF64_R_TYPE(info);
        if (rela)
            r->addend = (int64_t)kiln_read_u64le(p + 16);
    } else {
        uint32_t info = kiln_read_u32le(p + 4);
        r->offset = kiln_read_u32le(p);
        r->symbol = ELF32_R_SYM(info);
        r->type = ELF32_R_TYPE(info);
        if (rela)
            r->addend = (int32_t)kiln_read_u32le(p + 8);
    }
}

uint64_t elf_reloc_count(const elf_file *elf, const elf_section *rs)
{
    bool rela = rs->type == SHT_RELA;
    size_t entsize = elf->is64 ? (rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel))
                               : (rela ? sizeof(Elf32_Rela) : sizeof(Elf32_Rel));
    return rs->size / entsize;
}

kiln_status elf_open(const uint8_t *bytes, size_t size, elf_file *elf, kiln_error *err)
{
    memset(elf, 0, sizeof *elf);
    elf->bytes = bytes;
    elf->size = size;
    if (size < EI_NIDENT || memcmp(bytes, ELFMAG, SELFMAG) != 0)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "the target's object format is not ELF; kiln containers "
                              "are built from ELF objects only");
    if (bytes[EI_CLASS] != ELFCLASS64 && bytes[EI_CLASS] != ELFCLASS32)
        return elf_bad_object(err, "unknown ELF class");
    if (bytes[EI_DATA] != ELFDATA2LSB)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "big-endian targets are not supported");
    elf->is64 = bytes[EI_CLASS] == ELFCLASS64;
    if (kiln_read_u16le(bytes + 16) != ET_REL) /* e_type, same place in both */
        return elf_bad_object(err, "not a relocatable object");
    kiln_status st = elf_read_sections(elf, err);
    if (st != KILN_OK)
        return st;
    return elf_read_symbols(elf, err);
}

void elf_close(elf_file *elf)
{
    free(elf->sections);
    free(elf->symbols);
}

