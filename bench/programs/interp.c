/* An interpreter loop: a small register bytecode VM (switch dispatch)
 * running a program that sums a Collatz-like sequence over a range. */
#include <stdint.h>
#include <stdio.h>

enum { OP_LI, OP_ADD, OP_SUB, OP_MUL, OP_AND, OP_SHR, OP_JZ, OP_JNZ, OP_JMP, OP_LT, OP_MOV, OP_HALT };

typedef struct insn {
    uint8_t op, a, b, c;
    int32_t imm;
} insn;

static int64_t run(const insn *code, int64_t *r)
{
    const insn *pc = code;
    for (;;) {
        const insn *i = pc++;
        switch (i->op) {
        case OP_LI: r[i->a] = i->imm; break;
        case OP_ADD: r[i->a] = r[i->b] + r[i->c]; break;
        case OP_SUB: r[i->a] = r[i->b] - r[i->c]; break;
        case OP_MUL: r[i->a] = r[i->b] * r[i->c]; break;
        case OP_AND: r[i->a] = r[i->b] & r[i->c]; break;
        case OP_SHR: r[i->a] = r[i->b] >> r[i->c]; break;
        case OP_JZ: if (r[i->a] == 0) pc = code + i->imm; break;
        case OP_JNZ: if (r[i->a] != 0) pc = code + i->imm; break;
        case OP_JMP: pc = code + i->imm; break;
        case OP_LT: r[i->a] = r[i->b] < r[i->c]; break;
        case OP_MOV: r[i->a] = r[i->b]; break;
        case OP_HALT: return r[0];
        }
    }
}

int main(void)
{
    /* r0 = total, r1 = n, r2 = limit, r3 = x, r4 = tmp, r5 = 1, r6 = 3, r7 = steps */
    static const insn prog[] = {
        {OP_LI, 0, 0, 0, 0},      /* 0: total = 0 */
        {OP_LI, 1, 0, 0, 1},      /* 1: n = 1 */
        {OP_LI, 2, 0, 0, 700000}, /* 2: limit */
        {OP_LI, 5, 0, 0, 1},      /* 3 */
        {OP_LI, 6, 0, 0, 3},      /* 4 */
        {OP_MOV, 3, 1, 0, 0},     /* 5: x = n (outer loop head) */
        {OP_SUB, 4, 3, 5, 0},     /* 6: inner head: tmp = x - 1 */
        {OP_JZ, 4, 0, 0, 15},     /* 7: x == 1 -> done */
        {OP_AND, 4, 3, 5, 0},     /* 8: tmp = x & 1 */
        {OP_JZ, 4, 0, 0, 13},     /* 9: even */
        {OP_MUL, 3, 3, 6, 0},     /* 10: x = 3x */
        {OP_ADD, 3, 3, 5, 0},     /* 11: x += 1 */
        {OP_JMP, 0, 0, 0, 14},    /* 12 */
        {OP_SHR, 3, 3, 5, 0},     /* 13: x >>= 1 */
        {OP_ADD, 0, 0, 5, 0},     /* 14: total++ ; fallthrough to head */
        {OP_JZ, 7, 0, 0, 6},      /* 15/16 trick: r7 is 0 while in inner loop */
        {OP_ADD, 1, 1, 5, 0},     /* 16: n++ */
        {OP_LT, 4, 1, 2, 0},      /* 17: tmp = n < limit */
        {OP_JNZ, 4, 0, 0, 5},     /* 18 */
        {OP_HALT, 0, 0, 0, 0},    /* 19 */
    };
    /* Fix the control flow: 15 is reached both at "x == 1" (exit inner
     * loop) and after an update (continue). Patch in two entry points. */
    insn code[24];
    for (int i = 0; i < 20; i++)
        code[i] = prog[i];
    code[7].imm = 16;  /* x == 1 -> n++ */
    code[15] = (insn){OP_JMP, 0, 0, 0, 6};
    int64_t regs[8] = {0};
    int64_t total = 0;
    for (int rep = 0; rep < 3; rep++) {
        code[2].imm = 150000 + rep;
        total += run(code, regs);
    }
    printf("interp %lld\n", (long long)total);
    return 0;
}
