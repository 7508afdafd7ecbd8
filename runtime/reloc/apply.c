/*
 * Applying the normalised relocations of a container (see reloc.h), the
 * same on every architecture.
 *
 * Since container format 2 the compiler resolves every architecture's own
 * relocation kinds (aarch64 CALL26/ADRP/LO12, riscv64 HI20/LO12 pairs,
 * x86-64 PC32/PLT32/GOTPCREL, ...) when it links the image
 * (compiler/emit/reloc_<arch>.c); calls to external symbols go through
 * stubs in the image and GOT slots. What is left for the loader is data:
 * the GOT slots and .data.rel.ro words (ABS64, ABS32) and 32-bit
 * PC-relative data words (REL32). No relocation patches an instruction, so
 * no architecture needs veneers or instruction encoders here, and the
 * per-architecture files describe only the host (triple, CPU features).
 */
#include <string.h>

#include "kiln_common.h"
#include "reloc.h"

static const char *kind_name(uint8_t kind)
{
    switch (kind) {
    case KILN_RELOC_ABS64: return "ABS64";
    case KILN_RELOC_ABS32: return "ABS32";
    case KILN_RELOC_REL32: return "REL32";
    default: return "unknown";
    }
}

uint32_t rel_field_size(uint8_t kind)
{
    switch (kind) {
    case KILN_RELOC_ABS64: return 8;
    case KILN_RELOC_ABS32:
    case KILN_RELOC_REL32: return 4;
    default: return 0;
    }
}

static bool fits_i32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

kiln_status rel_apply(uint8_t *image, uint32_t offset, uint8_t kind, uint64_t symbol_address,
                      int64_t addend, const char *symbol, size_t symbol_len, kiln_error *err)
{
    if (symbol == NULL) {
        symbol = "the image";
        symbol_len = strlen(symbol);
    }
    int name_len = (int)(symbol_len > 60 ? 60 : symbol_len);
    uint8_t *field = image + offset;
    uint64_t place = (uint64_t)(uintptr_t)field;
    uint64_t value = symbol_address + (uint64_t)addend;
    switch (kind) {
    case KILN_RELOC_ABS64:
        kiln_write_u64le(field, value);
        return KILN_OK;
    case KILN_RELOC_ABS32:
        if (value > UINT32_MAX)
            return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                                  "relocation ABS32 at image offset 0x%x to %.*s: value "
                                  "0x%llx does not fit in 32 bits",
                                  offset, name_len, symbol, (unsigned long long)value);
        kiln_write_u32le(field, (uint32_t)value);
        return KILN_OK;
    case KILN_RELOC_REL32: {
        int64_t distance = (int64_t)(value - place);
        if (fits_i32(distance)) {
            kiln_write_u32le(field, (uint32_t)(int32_t)distance);
            return KILN_OK;
        }
        return kiln_error_set(err, KILN_ERR_LINK, KILN_NO_OFFSET,
                              "relocation %s at image offset 0x%x to %.*s is out of range: "
                              "distance %lld does not fit in a signed 32-bit field",
                              kind_name(kind), offset, name_len, symbol, (long long)distance);
    }
    default:
        break;
    }
    return kiln_error_set(err, KILN_ERR_CORRUPT, KILN_NO_OFFSET,
                          "relocation at image offset 0x%x has unknown kind %u", offset,
                          (unsigned)kind);
}

