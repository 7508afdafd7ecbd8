/* The container checksum: CRC-32C known answers, the hardware path against
 * the table-driven one at every length and alignment, and the field it
 * skips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kiln_common.h"

static void test_known_answers(void **state)
{
    (void)state;
    /* The check value of CRC-32C (RFC 3720 B.4 and the CRC catalogue). */
    assert_int_equal(kiln_crc32c(0, "123456789", 9), 0xE3069283u);
    assert_int_equal(kiln_crc32c_portable(0, "123456789", 9), 0xE3069283u);
    uint8_t zeros[32] = {0};
    assert_int_equal(kiln_crc32c(0, zeros, sizeof zeros), 0x8A9136AAu);
    assert_int_equal(kiln_crc32c(0, NULL, 0), 0u);
}

/* CRC-32C one bit at a time, from the polynomial: the definition the
 * constant byte table must agree with. */
static uint32_t crc32c_bitwise(uint32_t crc, const uint8_t *p, size_t size)
{
    crc = ~crc;
    for (size_t i = 0; i < size; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1u) ? 0x82F63B78u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

static void test_byte_table_matches_definition(void **state)
{
    (void)state;
    /* Every byte value in every position of the register's low byte. */
    uint8_t buf[512];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7u + (i >> 8));
    for (size_t len = 0; len <= sizeof buf; len += 37) {
        uint32_t expected = crc32c_bitwise(0x9abcdef0u, buf, len);
        assert_int_equal(kiln_crc32c_bytewise(0x9abcdef0u, buf, len), expected);
        assert_int_equal(kiln_crc32c_portable(0x9abcdef0u, buf, len), expected);
    }
    for (uint32_t b = 0; b < 256; b++) {
        uint8_t byte = (uint8_t)b;
        assert_int_equal(kiln_crc32c_bytewise(0, &byte, 1), crc32c_bitwise(0, &byte, 1));
    }
}

static void test_fast_path_matches_table(void **state)
{
    (void)state;
    static uint8_t buf[4096 + 16];
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    /* Up to 1100 bytes: the folding path (from 512 bytes on hosts with
     * AVX-512 VPCLMULQDQ) with every 16-byte and byte tail. */
    for (size_t align = 0; align < 16; align++)
        for (size_t len = 0; len < 1100; len++)
            assert_int_equal(kiln_crc32c(0, buf + align, len),
                             kiln_crc32c_portable(0, buf + align, len));
    assert_int_equal(kiln_crc32c(0, buf + 3, 4096), kiln_crc32c_portable(0, buf + 3, 4096));
    /* Chaining over pieces equals one pass. */
    uint32_t whole = kiln_crc32c(0, buf, 1000);
    assert_int_equal(kiln_crc32c(kiln_crc32c(0, buf, 333), buf + 333, 667), whole);
}

/* Buffers of several 3 x 4096-byte blocks (three chains joined by
 * multiplication) and their tails, with a non-zero starting CRC. */
static void test_fast_path_blocks_match_table(void **state)
{
    (void)state;
    static uint8_t buf[5 * 12288 + 64];
    uint32_t x = 0x9e3779b9u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (uint8_t)(x >> 24);
    }
    static const size_t lengths[] = {12287, 12288, 12289, 12288 + 8, 24576, 24576 + 7,
                                     5 * 12288, 5 * 12288 + 63};
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++)
        for (size_t align = 0; align < 2; align++)
            assert_int_equal(kiln_crc32c(0xdeadbeefu, buf + align, lengths[i]),
                             kiln_crc32c_portable(0xdeadbeefu, buf + align, lengths[i]));
}

static void test_container_checksum_skips_its_field(void **state)
{
    (void)state;
    uint8_t file[64];
    for (size_t i = 0; i < sizeof file; i++)
        file[i] = (uint8_t)(i * 7u + 1u);
    uint32_t sum = kiln_container_checksum(file, sizeof file);
    for (size_t i = 12; i < 16; i++) {
        file[i] ^= 0xFFu;
        assert_int_equal(kiln_container_checksum(file, sizeof file), sum);
    }
    for (size_t i = 0; i < sizeof file; i++) {
        if (i >= 12 && i < 16)
            continue;
        file[i] ^= 0x01u;
        assert_int_not_equal(kiln_container_checksum(file, sizeof file), sum);
        file[i] ^= 0x01u;
    }
    uint32_t expected = kiln_crc32c_portable(0, file, 12);
    expected = kiln_crc32c_portable(expected, file + 16, sizeof file - 16);
    assert_int_equal(sum, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_byte_table_matches_definition),
        cmocka_unit_test(test_fast_path_matches_table),
        cmocka_unit_test(test_fast_path_blocks_match_table),
        cmocka_unit_test(test_container_checksum_skips_its_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
