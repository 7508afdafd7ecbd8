/* Dynamic programming: Levenshtein distance between pseudo-random strings
 * (two-row table), plus a 0/1 knapsack. Integer only. */
#include <stdint.h>
#include <stdio.h>

#define LEN 16000
#define ITEMS 1000
#define CAP 200000

static unsigned char s1[LEN], s2[LEN];
static int32_t row0[LEN + 1], row1[LEN + 1];
static int32_t best[CAP + 1];
static int32_t weight[ITEMS], value[ITEMS];

static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

int main(void)
{
    for (int i = 0; i < LEN; i++) {
        s1[i] = (unsigned char)('a' + next() % 4);
        s2[i] = (unsigned char)('a' + next() % 4);
    }
    int32_t *prev = row0, *cur = row1;
    for (int j = 0; j <= LEN; j++)
        prev[j] = j;
    for (int i = 1; i <= LEN; i++) {
        cur[0] = i;
        for (int j = 1; j <= LEN; j++) {
            int32_t d = prev[j - 1] + (s1[i - 1] != s2[j - 1]);
            int32_t a = prev[j] + 1, b = cur[j - 1] + 1;
            if (a < d)
                d = a;
            if (b < d)
                d = b;
            cur[j] = d;
        }
        int32_t *t = prev;
        prev = cur;
        cur = t;
    }
    for (int i = 0; i < ITEMS; i++) {
        weight[i] = 1 + (int32_t)(next() % 1000);
        value[i] = 1 + (int32_t)(next() % 5000);
    }
    for (int i = 0; i < ITEMS; i++)
        for (int c = CAP; c >= weight[i]; c--) {
            int32_t v = best[c - weight[i]] + value[i];
            if (v > best[c])
                best[c] = v;
        }
    printf("editdist %d %d\n", prev[LEN], best[CAP]);
    return 0;
}
