/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), byte-table driven.
 * It detects every single-byte change and every burst of up to 32 bits, which
 * is what the container checksum promises. */
#include "kiln_common.h"

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_table_build(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    crc_table_ready = 1;
}

uint32_t kiln_crc32(uint32_t crc, const void *data, size_t size)
{
    /* Building twice from two threads writes identical values: harmless. */
    if (!crc_table_ready)
        crc_table_build();
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < size; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}
