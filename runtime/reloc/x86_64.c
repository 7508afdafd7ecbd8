/*
 * x86-64: relocation kinds and host description (see reloc.h).
 *
 * External calls need no veneers: the compiler routes them through stubs in
 * the image that jump via GOT slots (ABS64 relocations), so nothing here
 * depends on where the runtime's own code lies.
 *
 * CPU features are checked in check.c with common/kiln_cpu_x86_64.c's
 * table and the platform layer's CPUID probe (platform/posix_cpu.c).
 */
#if defined(__x86_64__)

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

const char *arch_host_triple(void)
{
    return "x86_64-unknown-linux-gnu";
}

#endif /* __x86_64__ */
