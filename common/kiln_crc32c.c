/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) for the container
 * checksum. Like any 32-bit CRC it detects every single-byte change and every
 * burst of up to 32 bits; Castagnoli rather than IEEE because x86-64
 * (SSE4.2) and ARMv8 (the CRC extension) compute it in hardware, and the
 * checksum is the largest cost of loading a big container: about 0.4 ms per
 * MB with the table below, about 0.12 ms with the instruction in one chain
 * (3-cycle latency per 8 bytes), 0.04 ms with three independent chains over
 * three thirds of a block, joined by multiplying with x^(8n) modulo the
 * polynomial (crc32c_shift), and 0.012 ms folding with AVX-512 VPCLMULQDQ
 * where the host has it (crc32c_vpclmul).
 *
 * The byte-wise table (crc_byte_table) is a constant, so on a
 * microcontroller it sits in flash; the slice-by-8 tables, 7 KiB more
 * built at run time, are RAM there, so bare metal (KILN_PLATFORM_BAREMETAL)
 * goes byte by byte instead: about 8 cycles per byte on a Cortex-M4, and
 * 1 KiB of flash rather than 8 KiB of RAM. */
#include <stdatomic.h>

#include "kiln/aot_format.h"
#include "kiln_common.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define KILN_CRC_X86 1
#elif defined(__aarch64__) && defined(__ARM_FEATURE_CRC32)
#include <arm_acle.h>
#define KILN_CRC_ARM 1
#endif

#if !defined(KILN_PLATFORM_BAREMETAL)
#define KILN_CRC_SLICE8 1
#endif

#define CRC32C_POLY 0x82F63B78u

/* crc_byte_table[b] is the CRC of byte b: generated from CRC32C_POLY
 * (test_checksum checks it against the bit-wise definition). */
static const uint32_t crc_byte_table[256] = {
    0x00000000u, 0xF26B8303u, 0xE13B70F7u, 0x1350F3F4u, 0xC79A971Fu, 0x35F1141Cu,
    0x26A1E7E8u, 0xD4CA64EBu, 0x8AD958CFu, 0x78B2DBCCu, 0x6BE22838u, 0x9989AB3Bu,
    0x4D43CFD0u, 0xBF284CD3u, 0xAC78BF27u, 0x5E133C24u, 0x105EC76Fu, 0xE235446Cu,
    0xF165B798u, 0x030E349Bu, 0xD7C45070u, 0x25AFD373u, 0x36FF2087u, 0xC494A384u,
    0x9A879FA0u, 0x68EC1CA3u, 0x7BBCEF57u, 0x89D76C54u, 0x5D1D08BFu, 0xAF768BBCu,
    0xBC267848u, 0x4E4DFB4Bu, 0x20BD8EDEu, 0xD2D60DDDu, 0xC186FE29u, 0x33ED7D2Au,
    0xE72719C1u, 0x154C9AC2u, 0x061C6936u, 0xF477EA35u, 0xAA64D611u, 0x580F5512u,
    0x4B5FA6E6u, 0xB93425E5u, 0x6DFE410Eu, 0x9F95C20Du, 0x8CC531F9u, 0x7EAEB2FAu,
    0x30E349B1u, 0xC288CAB2u, 0xD1D83946u, 0x23B3BA45u, 0xF779DEAEu, 0x05125DADu,
    0x1642AE59u, 0xE4292D5Au, 0xBA3A117Eu, 0x4851927Du, 0x5B016189u, 0xA96AE28Au,
    0x7DA08661u, 0x8FCB0562u, 0x9C9BF696u, 0x6EF07595u, 0x417B1DBCu, 0xB3109EBFu,
    0xA0406D4Bu, 0x522BEE48u, 0x86E18AA3u, 0x748A09A0u, 0x67DAFA54u, 0x95B17957u,
    0xCBA24573u, 0x39C9C670u, 0x2A993584u, 0xD8F2B687u, 0x0C38D26Cu, 0xFE53516Fu,
    0xED03A29Bu, 0x1F682198u, 0x5125DAD3u, 0xA34E59D0u, 0xB01EAA24u, 0x42752927u,
    0x96BF4DCCu, 0x64D4CECFu, 0x77843D3Bu, 0x85EFBE38u, 0xDBFC821Cu, 0x2997011Fu,
    0x3AC7F2EBu, 0xC8AC71E8u, 0x1C661503u, 0xEE0D9600u, 0xFD5D65F4u, 0x0F36E6F7u,
    0x61C69362u, 0x93AD1061u, 0x80FDE395u, 0x72966096u, 0xA65C047Du, 0x5437877Eu,
    0x4767748Au, 0xB50CF789u, 0xEB1FCBADu, 0x197448AEu, 0x0A24BB5Au, 0xF84F3859u,
    0x2C855CB2u, 0xDEEEDFB1u, 0xCDBE2C45u, 0x3FD5AF46u, 0x7198540Du, 0x83F3D70Eu,
    0x90A324FAu, 0x62C8A7F9u, 0xB602C312u, 0x44694011u, 0x5739B3E5u, 0xA55230E6u,
    0xFB410CC2u, 0x092A8FC1u, 0x1A7A7C35u, 0xE811FF36u, 0x3CDB9BDDu, 0xCEB018DEu,
    0xDDE0EB2Au, 0x2F8B6829u, 0x82F63B78u, 0x709DB87Bu, 0x63CD4B8Fu, 0x91A6C88Cu,
    0x456CAC67u, 0xB7072F64u, 0xA457DC90u, 0x563C5F93u, 0x082F63B7u, 0xFA44E0B4u,
    0xE9141340u, 0x1B7F9043u, 0xCFB5F4A8u, 0x3DDE77ABu, 0x2E8E845Fu, 0xDCE5075Cu,
    0x92A8FC17u, 0x60C37F14u, 0x73938CE0u, 0x81F80FE3u, 0x55326B08u, 0xA759E80Bu,
    0xB4091BFFu, 0x466298FCu, 0x1871A4D8u, 0xEA1A27DBu, 0xF94AD42Fu, 0x0B21572Cu,
    0xDFEB33C7u, 0x2D80B0C4u, 0x3ED04330u, 0xCCBBC033u, 0xA24BB5A6u, 0x502036A5u,
    0x4370C551u, 0xB11B4652u, 0x65D122B9u, 0x97BAA1BAu, 0x84EA524Eu, 0x7681D14Du,
    0x2892ED69u, 0xDAF96E6Au, 0xC9A99D9Eu, 0x3BC21E9Du, 0xEF087A76u, 0x1D63F975u,
    0x0E330A81u, 0xFC588982u, 0xB21572C9u, 0x407EF1CAu, 0x532E023Eu, 0xA145813Du,
    0x758FE5D6u, 0x87E466D5u, 0x94B49521u, 0x66DF1622u, 0x38CC2A06u, 0xCAA7A905u,
    0xD9F75AF1u, 0x2B9CD9F2u, 0xFF56BD19u, 0x0D3D3E1Au, 0x1E6DCDEEu, 0xEC064EEDu,
    0xC38D26C4u, 0x31E6A5C7u, 0x22B65633u, 0xD0DDD530u, 0x0417B1DBu, 0xF67C32D8u,
    0xE52CC12Cu, 0x1747422Fu, 0x49547E0Bu, 0xBB3FFD08u, 0xA86F0EFCu, 0x5A048DFFu,
    0x8ECEE914u, 0x7CA56A17u, 0x6FF599E3u, 0x9D9E1AE0u, 0xD3D3E1ABu, 0x21B862A8u,
    0x32E8915Cu, 0xC083125Fu, 0x144976B4u, 0xE622F5B7u, 0xF5720643u, 0x07198540u,
    0x590AB964u, 0xAB613A67u, 0xB831C993u, 0x4A5A4A90u, 0x9E902E7Bu, 0x6CFBAD78u,
    0x7FAB5E8Cu, 0x8DC0DD8Fu, 0xE330A81Au, 0x115B2B19u, 0x020BD8EDu, 0xF0605BEEu,
    0x24AA3F05u, 0xD6C1BC06u, 0xC5914FF2u, 0x37FACCF1u, 0x69E9F0D5u, 0x9B8273D6u,
    0x88D28022u, 0x7AB90321u, 0xAE7367CAu, 0x5C18E4C9u, 0x4F48173Du, 0xBD23943Eu,
    0xF36E6F75u, 0x0105EC76u, 0x12551F82u, 0xE03E9C81u, 0x34F4F86Au, 0xC69F7B69u,
    0xD5CF889Du, 0x27A40B9Eu, 0x79B737BAu, 0x8BDCB4B9u, 0x988C474Du, 0x6AE7C44Eu,
    0xBE2DA0A5u, 0x4C4623A6u, 0x5F16D052u, 0xAD7D5351u,
};

uint32_t kiln_crc32c_bytewise(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < size; i++)
        crc = crc_byte_table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

#if KILN_CRC_SLICE8
/* Slice-by-8: crc_table[k][b] is the CRC of byte b followed by k zero bytes,
 * so eight input bytes fold in with eight independent lookups. */
static uint32_t crc_table[8][256];
static atomic_int crc_table_ready;

static void crc_table_build(void)
{
    for (uint32_t i = 0; i < 256; i++)
        crc_table[0][i] = crc_byte_table[i];
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            crc_table[k][i] = crc_table[0][crc_table[k - 1][i] & 0xFFu] ^ (crc_table[k - 1][i] >> 8);
    /* Release: a thread that sees the flag sees the tables. Building twice
     * from two threads writes identical values. */
    atomic_store_explicit(&crc_table_ready, 1, memory_order_release);
}

uint32_t kiln_crc32c_portable(uint32_t crc, const void *data, size_t size)
{
    if (!atomic_load_explicit(&crc_table_ready, memory_order_acquire))
        crc_table_build();
    const uint8_t *p = data;
    crc = ~crc;
    while (size >= 8) {
        /* Byte-wise loads: any alignment, either host byte order. */
        uint32_t lo = crc ^ kiln_read_u32le(p);
        crc = crc_table[7][lo & 0xFFu] ^ crc_table[6][(lo >> 8) & 0xFFu] ^
              crc_table[5][(lo >> 16) & 0xFFu] ^ crc_table[4][lo >> 24] ^ crc_table[3][p[4]] ^
              crc_table[2][p[5]] ^ crc_table[1][p[6]] ^ crc_table[0][p[7]];
        p += 8;
        size -= 8;
    }
    for (size_t i = 0; i < size; i++)
        crc = crc_table[0][(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}
#else
uint32_t kiln_crc32c_portable(uint32_t crc, const void *data, size_t size)
{
    return kiln_crc32c_bytewise(crc, data, size);
}
#endif

#if KILN_CRC_X86
/* a * b modulo the polynomial, in the reflected bit order of the CRC
 * register (bit 31 is x^0): zlib's multmodp. */
static uint32_t crc32c_multiply(uint32_t a, uint32_t b)
{
    uint32_t product = 0;
    for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
        if (a & m)
            product ^= b;
        b = (b & 1u) ? (b >> 1) ^ CRC32C_POLY : b >> 1;
    }
    return product;
}

/* x^(8 * bytes) modulo the polynomial: appending `bytes` zero bytes to a
 * message multiplies its raw CRC register by this. */
static uint32_t crc32c_shift(size_t bytes)
{
    uint32_t result = 1u << 31, square = 1u << 30; /* x^0, x^1 */
    for (size_t n = bytes * 8; n != 0; n >>= 1) {
        if (n & 1u)
            result = crc32c_multiply(result, square);
        square = crc32c_multiply(square, square);
    }
    return result;
}

/* Bytes per chain in a block of three: a block is 3 * CRC_LANE bytes. */
#define CRC_LANE 4096u
static atomic_uint_least64_t crc_lane_shifts; /* x^(8*2*LANE) << 32 | x^(8*LANE); 0 unset */

static uint64_t lane_shifts(void)
{
    uint64_t s = atomic_load_explicit(&crc_lane_shifts, memory_order_relaxed);
    if (s == 0) { /* racing first calls compute the same value */
        s = (uint64_t)crc32c_shift(2u * CRC_LANE) << 32 | crc32c_shift(CRC_LANE);
        atomic_store_explicit(&crc_lane_shifts, s, memory_order_relaxed);
    }
    return s;
}
#endif

#if KILN_CRC_X86
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data,
                                                                size_t size)
{
    const uint8_t *p = data;
    uint64_t c = ~crc;
    if (size >= 3u * CRC_LANE) {
        uint64_t shifts = lane_shifts();
        for (; size >= 3u * CRC_LANE; p += 3u * CRC_LANE, size -= 3u * CRC_LANE) {
            uint64_t c1 = 0, c2 = 0;
            for (size_t i = 0; i < CRC_LANE; i += 8) {
                uint64_t w0, w1, w2;
                __builtin_memcpy(&w0, p + i, 8);
                __builtin_memcpy(&w1, p + CRC_LANE + i, 8);
                __builtin_memcpy(&w2, p + 2u * CRC_LANE + i, 8);
                c = _mm_crc32_u64(c, w0);
                c1 = _mm_crc32_u64(c1, w1);
                c2 = _mm_crc32_u64(c2, w2);
            }
            c = crc32c_multiply((uint32_t)(shifts >> 32), (uint32_t)c) ^
                crc32c_multiply((uint32_t)shifts, (uint32_t)c1) ^ (uint32_t)c2;
        }
    }
    for (; size >= 8; p += 8, size -= 8) {
        uint64_t word;
        __builtin_memcpy(&word, p, 8); /* any alignment; x86 is little-endian */
        c = _mm_crc32_u64(c, word);
    }
    uint32_t c32 = (uint32_t)c;
    for (; size > 0; p++, size--)
        c32 = _mm_crc32_u8(c32, *p);
    return ~c32;
}

/*
 * Folding with carry-less multiplication (AVX-512 VPCLMULQDQ: four 128-bit
 * multiplies per instruction, on another port than crc32). Four 512-bit
 * accumulators hold the message's first 256 bytes; each step multiplies
 * them forward by x^2048 and adds the next 256 bytes, which keeps the
 * message's CRC. In the reflected order a 128-bit lane holds degrees
 * 127..0 from bit 0 up, so its low 64 bits H are the high half: the lane
 * A = H x^64 + L moved forward by D bits is H x^(64+D) + L x^D (mod P),
 * each a 64 x 32-bit carry-less product that fits the lane; with the
 * 32-bit constant in the low bits the product comes out multiplied by
 * x^33, so the constants are x^(64+D-33) and x^(D-33). What is left, one
 * 128-bit lane, is a 16-byte message with the same CRC from register 0,
 * which crc32 finishes. About 4x the three crc32 chains on 1 MB.
 */
#define FOLD_BLOCK 256u

/* x^bits modulo the polynomial (reflected, bit 31 is x^0). */
static uint32_t crc32c_xpow(uint64_t bits)
{
    uint32_t result = 1u << 31, square = 1u << 30;
    for (; bits != 0; bits >>= 1) {
        if (bits & 1u)
            result = crc32c_multiply(result, square);
        square = crc32c_multiply(square, square);
    }
    return result;
}

/* Folding constants {x^(64+D-33), x^(D-33)} for D = 2048 (one block),
 * 512 (one accumulator to the next) and 128 (one lane to the next). */
typedef struct fold_constants {
    uint64_t block[2], zmm[2], lane[2];
} fold_constants;
static fold_constants fold_k;
static atomic_int fold_k_ready;

static const fold_constants *fold_constants_get(void)
{
    if (!atomic_load_explicit(&fold_k_ready, memory_order_acquire)) {
        static const uint64_t distance[3] = {8u * FOLD_BLOCK, 512, 128};
        uint64_t *slot[3] = {fold_k.block, fold_k.zmm, fold_k.lane};
        for (int i = 0; i < 3; i++) {
            slot[i][0] = crc32c_xpow(64 + distance[i] - 33);
            slot[i][1] = crc32c_xpow(distance[i] - 33);
        }
        /* Racing first calls write the same values. */
        atomic_store_explicit(&fold_k_ready, 1, memory_order_release);
    }
    return &fold_k;
}

__attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2"))) static __m512i
fold512(__m512i a, __m512i k, __m512i next)
{
    /* 0x96: a ^ b ^ c */
    return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(a, k, 0x00),
                                     _mm512_clmulepi64_epi128(a, k, 0x11), next, 0x96);
}

__attribute__((target("avx512f,vpclmulqdq,pclmul,sse4.2"))) static uint32_t
crc32c_vpclmul(uint32_t crc, const void *data, size_t size)
{
    const uint8_t *p = data;
    if (size < 2u * FOLD_BLOCK)
        return crc32c_sse42(crc, data, size);
    const fold_constants *k = fold_constants_get();
    __m512i x0 = _mm512_loadu_si512(p), x1 = _mm512_loadu_si512(p + 64);
    __m512i x2 = _mm512_loadu_si512(p + 128), x3 = _mm512_loadu_si512(p + 192);
    /* The register's bits are the message's first 32 bits, added. */
    x0 = _mm512_xor_si512(x0, _mm512_castsi128_si512(_mm_cvtsi32_si128((int)~crc)));
    p += FOLD_BLOCK;
    size -= FOLD_BLOCK;
    __m512i kb = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)k->block));
    for (; size >= FOLD_BLOCK; p += FOLD_BLOCK, size -= FOLD_BLOCK) {
        x0 = fold512(x0, kb, _mm512_loadu_si512(p));
        x1 = fold512(x1, kb, _mm512_loadu_si512(p + 64));
        x2 = fold512(x2, kb, _mm512_loadu_si512(p + 128));
        x3 = fold512(x3, kb, _mm512_loadu_si512(p + 192));
    }
    __m512i kz = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)k->zmm));
    x1 = fold512(x0, kz, x1);
    x2 = fold512(x1, kz, x2);
    x3 = fold512(x2, kz, x3);
    /* The four lanes of x3, oldest first. */
    __m128i kl = _mm_loadu_si128((const __m128i *)k->lane);
    __m128i a = _mm512_extracti32x4_epi32(x3, 0);
    __m128i lanes[3] = {_mm512_extracti32x4_epi32(x3, 1), _mm512_extracti32x4_epi32(x3, 2),
                        _mm512_extracti32x4_epi32(x3, 3)};
    for (int i = 0; i < 3; i++)
        a = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(a, kl, 0x00),
                                        _mm_clmulepi64_si128(a, kl, 0x11)),
                          lanes[i]);
    for (; size >= 16; p += 16, size -= 16)
        a = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(a, kl, 0x00),
                                        _mm_clmulepi64_si128(a, kl, 0x11)),
                          _mm_loadu_si128((const __m128i *)p));
    uint64_t c = _mm_crc32_u64(0, (uint64_t)_mm_cvtsi128_si64(a));
    c = _mm_crc32_u64(c, (uint64_t)_mm_extract_epi64(a, 1));
    /* crc32c_sse42 takes and returns the complemented register. */
    return crc32c_sse42(~(uint32_t)c, p, size);
}

/* 0 unknown, 1 SSE4.2 present, 2 absent, 3 AVX-512 VPCLMULQDQ as well;
 * racing first calls agree. */
static atomic_int have_sse42;

uint32_t kiln_crc32c(uint32_t crc, const void *data, size_t size)
{
    int have = atomic_load_explicit(&have_sse42, memory_order_relaxed);
    if (have == 0) {
        __builtin_cpu_init();
        have = !__builtin_cpu_supports("sse4.2")                             ? 2
               : __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq") &&
                       __builtin_cpu_supports("pclmul")
                   ? 3
                   : 1;
        atomic_store_explicit(&have_sse42, have, memory_order_relaxed);
    }
    if (have == 3)
        return crc32c_vpclmul(crc, data, size);
    return have == 1 ? crc32c_sse42(crc, data, size) : kiln_crc32c_portable(crc, data, size);
}
#elif KILN_CRC_ARM
uint32_t kiln_crc32c(uint32_t crc, const void *data, size_t size)
{
    /* Built with the CRC extension (e.g. -march=armv8-a+crc), so the
     * instructions are there on every CPU this binary may run on. */
    const uint8_t *p = data;
    uint32_t c = ~crc;
    for (; size >= 8; p += 8, size -= 8) {
        uint64_t word;
        __builtin_memcpy(&word, p, 8);
        c = __crc32cd(c, word);
    }
    for (; size > 0; p++, size--)
        c = __crc32cb(c, *p);
    return ~c;
}
#else
uint32_t kiln_crc32c(uint32_t crc, const void *data, size_t size)
{
    return kiln_crc32c_portable(crc, data, size);
}
#endif

uint32_t kiln_container_checksum(const uint8_t *bytes, size_t size)
{
    uint32_t crc = kiln_crc32c(0, bytes, KILN_AOT_OFF_CHECKSUM);
    return kiln_crc32c(crc, bytes + KILN_AOT_OFF_CHECKSUM + 4,
                       size - KILN_AOT_OFF_CHECKSUM - 4);
}
