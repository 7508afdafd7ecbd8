/* Hashing: SHA-256 and FNV-1a over a generated buffer, and a 64-bit
 * mixing hash table (open addressing) of inserts and lookups. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BUF (1 << 20)
#define PASSES 24
#define TABLE (1 << 20)
#define KEYS 700000

static uint8_t buf[BUF];
static uint64_t keys[TABLE];
static uint32_t vals[TABLE];

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

int main(void)
{
    for (uint32_t i = 0; i < BUF; i++)
        buf[i] = (uint8_t)(mix(i) >> 7);
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint64_t fnv = 1469598103934665603ull;
    for (int p = 0; p < PASSES; p++) {
        for (uint32_t i = 0; i < BUF; i += 64)
            sha256_block(h, buf + i);
        for (uint32_t i = 0; i < BUF; i++)
            fnv = (fnv ^ buf[i]) * 1099511628211ull;
        buf[p] ^= (uint8_t)h[p & 7];
    }
    uint64_t found = 0;
    for (int round = 0; round < 4; round++) {
        memset(keys, 0, sizeof keys);
        for (uint64_t k = 1; k <= KEYS; k++) {
            uint64_t key = mix(k * 2654435761u + (uint64_t)round) | 1;
            uint32_t slot = (uint32_t)key & (TABLE - 1);
            while (keys[slot] != 0 && keys[slot] != key)
                slot = (slot + 1) & (TABLE - 1);
            keys[slot] = key;
            vals[slot] = (uint32_t)k;
        }
        for (uint64_t k = 1; k <= 2 * KEYS; k++) {
            uint64_t key = mix(k * 2654435761u + (uint64_t)round) | 1;
            uint32_t slot = (uint32_t)key & (TABLE - 1);
            while (keys[slot] != 0 && keys[slot] != key)
                slot = (slot + 1) & (TABLE - 1);
            if (keys[slot] == key)
                found += vals[slot];
        }
    }
    printf("hash %08x%08x %016llx %llu\n", h[0], h[7], (unsigned long long)fnv,
           (unsigned long long)found);
    return 0;
}
