/* Allocation-heavy work: binary trees built and freed with malloc/free
 * (benchmarks-game binary-trees), plus a pool of variable-size buffers
 * realloc'ed and freed in a pseudo-random order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct node {
    struct node *left, *right;
} node;

static node *make(int depth)
{
    node *n = malloc(sizeof *n);
    if (depth > 0) {
        n->left = make(depth - 1);
        n->right = make(depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static long check(const node *n)
{
    return 1 + (n->left ? check(n->left) + check(n->right) : 0);
}

static void destroy(node *n)
{
    if (n->left) {
        destroy(n->left);
        destroy(n->right);
    }
    free(n);
}

#define SLOTS 4096

int main(void)
{
    const int max_depth = 16;
    long total = 0;
    node *keep = make(max_depth);
    for (int d = 4; d <= max_depth; d += 2) {
        int iters = 1 << (max_depth - d + 4);
        for (int i = 0; i < iters; i++) {
            node *t = make(d);
            total += check(t);
            destroy(t);
        }
    }
    total += check(keep);
    destroy(keep);

    static unsigned char *slot[SLOTS];
    static size_t size[SLOTS];
    uint32_t rng = 7;
    for (int i = 0; i < 1500000; i++) {
        rng = rng * 1664525u + 1013904223u;
        uint32_t k = (rng >> 10) % SLOTS;
        size_t n = 16 + (rng >> 22) % 2000;
        if (slot[k] && (rng & 1)) {
            total += slot[k][size[k] - 1];
            free(slot[k]);
            slot[k] = NULL;
            size[k] = 0;
        } else {
            slot[k] = realloc(slot[k], n);
            if (n > size[k])
                memset(slot[k], (int)(k & 0xff), n);
            size[k] = n;
        }
    }
    for (int k = 0; k < SLOTS; k++)
        free(slot[k]);
    printf("alloc %ld\n", total);
    return 0;
}
