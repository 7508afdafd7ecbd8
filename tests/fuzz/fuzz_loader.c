/*
 * libFuzzer harness for the container loader: any bytes must give KILN_OK or
 * an error, never a crash, a hang or a sanitizer report. Build with
 * -DKILN_FUZZ=ON (clang) and run tests/fuzz/run_fuzz.sh.
 *
 * Each input is loaded as is and, when it is long enough to have a header,
 * once more with its checksum recomputed: otherwise almost every mutation
 * stops at the checksum and the section parsers behind it are never reached.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "kiln_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load_once(const uint8_t *data, size_t size)
{
    kiln_module *module = NULL;
    kiln_error err;
    if (kiln_module_load(data, size, &module, &err) == KILN_OK)
        kiln_module_free(module);
    kiln_module_check(data, size, NULL, NULL, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_once(data, size);
    if (size < KILN_AOT_HEADER_FIXED_SIZE)
        return 0;
    uint64_t file_size = kiln_read_u64le(data + KILN_AOT_OFF_FILE_SIZE);
    if (file_size < KILN_AOT_HEADER_FIXED_SIZE || file_size > size)
        return 0;
    /* An exactly sized copy, so ASan sees reads past the end. */
    uint8_t *copy = malloc(size);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    kiln_write_u32le(copy + KILN_AOT_OFF_CHECKSUM,
                     kiln_container_checksum(copy, (size_t)file_size));
    load_once(copy, size);
    free(copy);
    return 0;
}
