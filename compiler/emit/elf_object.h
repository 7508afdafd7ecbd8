/*
 * Relocatable ELF objects as neutral records: sections, symbols and
 * relocations of either class (ELF32 for arm and riscv32, ELF64), read with
 * <elf.h> alone. LLVM-C's object API gives no relocation addends, hence our
 * own reader. Every offset, size and index is checked against the object;
 * a bad object is KILN_ERR_CODEGEN, never a crash.
 */
#ifndef KILN_EMIT_ELF_OBJECT_H
#define KILN_EMIT_ELF_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln/aot_format.h"
#include "kiln/status.h"

#define NOT_PLACED UINT64_MAX

typedef struct elf_section {
    const char *name;
    uint32_t type;
    uint64_t flags;
    uint64_t offset; /* in the object */
    uint64_t size;
    uint64_t align;
    uint32_t link;
    uint32_t info;
    uint64_t entsize;
    uint64_t image_offset; /* NOT_PLACED unless part of the image */
} elf_section;

typedef struct elf_symbol {
    const char *name;
    uint64_t value;
    uint64_t size;
    uint32_t shndx; /* resolved through SHT_SYMTAB_SHNDX */
    uint8_t bind;
    uint8_t type;
} elf_symbol;

typedef struct elf_reloc {
    uint64_t offset;
    uint32_t symbol;
    uint32_t type;
    int64_t addend;
    bool has_addend; /* RELA; REL keeps the addend in the field */
} elf_reloc;

typedef struct elf_file {
    const uint8_t *bytes;
    size_t size;
    bool is64;
    uint16_t machine;
    elf_section *sections;
    uint32_t section_count;
    elf_symbol *symbols;
    uint32_t symbol_count;
} elf_file;

/* Parses the header, section table and symbol table of bytes[0, size)
 * (kept, not copied). KILN_ERR_UNSUPPORTED for a non-ELF or big-endian
 * object, KILN_ERR_CODEGEN for a malformed one. */
kiln_status elf_open(const uint8_t *bytes, size_t size, elf_file *elf, kiln_error *err);
void elf_close(elf_file *elf);

/* Entries in relocation section rs (SHT_RELA or SHT_REL), and entry index. */
uint64_t elf_reloc_count(const elf_file *elf, const elf_section *rs);
void elf_read_reloc(const elf_file *elf, const elf_section *rs, uint64_t index, elf_reloc *r);

/* "LLVM produced an unreadable object: what" (KILN_ERR_CODEGEN). */
kiln_status elf_bad_object(kiln_error *err, const char *what);

#endif /* KILN_EMIT_ELF_OBJECT_H */
