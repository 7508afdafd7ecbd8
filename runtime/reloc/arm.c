/*
 * 32-bit Arm (armv7-a Linux, hard float): relocation kinds and host
 * description (see reloc.h).
 *
 * The compiler resolves every PC-relative reference inside the image and
 * routes calls to external symbols through stubs that load PC from GOT
 * slots, so the loader applies only data relocations: ABS32 (GOT slots,
 * address words in read-only data) and REL32. ABS64 cannot occur in a
 * container for 4-byte pointers; it is written all the same (a 64-bit
 * field holding a 32-bit address) so that no kind means something else
 * here than on a 64-bit host.
 *
 * Code addresses of Thumb functions (libcalls included) have bit 0 set;
 * the image's stubs load them into PC, which switches to Thumb state, so
 * nothing here needs to know.
 */
#if defined(__arm__)

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
        /* Addresses are 32-bit: the distance wraps like the hardware's. */
        int64_t distance = (int64_t)(value - place);
        if (distance >= INT32_MIN && distance <= INT32_MAX) {
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

/* Thumb-2 code for armv7 (the compiler's thumbv7 triple) runs on any armv7
 * core: check.c takes armv7 and thumbv7 as one architecture. */
const char *arch_host_triple(void)
{
#if defined(__ARM_PCS_VFP)
    return "armv7-unknown-linux-gnueabihf";
#else
    return "armv7-unknown-linux-gnueabi";
#endif
}

#endif /* __arm__ */
