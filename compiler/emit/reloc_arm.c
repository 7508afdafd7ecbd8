/*
 * 32-bit Arm ELF relocation types (Thumb-2 code: armv7-a Linux and the
 * Cortex-M targets), as the back end understands them: what each means
 * (emit_reloc_action), how wide its field is, how its implicit addend is
 * encoded and how a resolved value is written back. object.c does the rest
 * generically.
 *
 * Arm objects use REL relocations: the addend lives in the field itself,
 * for instructions spread over the immediate bits of the encoding. Thumb-2
 * instructions are two little-endian halfwords, the first one first.
 *
 * Values include the Thumb bit: a Thumb function's symbol value is odd, so
 * S + A - P is ((S + A) | T) - P as the Arm ELF ABI defines it. A branch
 * ignores bit 0 of its offset; BL to a target without it would have to
 * become BLX (a switch to the Arm instruction set), which kiln's code never
 * needs, so that is refused.
 *
 * Reach: THM_CALL / THM_JUMP24 (BL, B.W) reach +-16 MiB, THM_JUMP19
 * (conditional B.W) +-1 MiB. Calls leave the image only through its stubs,
 * which lie right after the code, so a call's reach covers any image whose
 * code is below 16 MiB; a farther call is refused at build time, naming the
 * relocation, its symbol and the distance (no veneers are made).
 *
 * Unwind tables (.ARM.exidx, .ARM.extab) are not part of the image (traps
 * unwind with siglongjmp); PREL31, their relocation, is still understood.
 * Absolute addresses inside instructions (MOVW/MOVT_ABS) are refused: the
 * loader never patches code. Arm-state (A32) branches are refused too: the
 * compiler emits Thumb-2 only.
 */
#include <elf.h>

#include "image.h"
#include "kiln_common.h"

/* glibc's <elf.h> still uses pre-AAELF names for some Thumb types. */
enum {
    ARM_THM_CALL = 10,    /* R_ARM_THM_PC22 */
    ARM_THM_PC8 = 11,
    ARM_BASE_PREL = 25,   /* R_ARM_GOTPC */
    ARM_GOT_BREL = 26,    /* R_ARM_GOT32 */
    ARM_THM_JUMP11 = 102, /* R_ARM_THM_PC11 */
    ARM_THM_JUMP8 = 103   /* R_ARM_THM_PC9 */
};

static const emit_reloc_type arm_types[] = {
    {R_ARM_NONE, "R_ARM_NONE", EMIT_RA_IGNORE, 0, 0},
    {R_ARM_V4BX, "R_ARM_V4BX", EMIT_RA_IGNORE, 0, 0}, /* marks a BX for Armv4: nothing to do */
    {R_ARM_ABS32, "R_ARM_ABS32", EMIT_RA_ABS, 4, 0},
    /* TARGET1 is ABS32 on Linux and bare metal (.init_array entries). */
    {R_ARM_TARGET1, "R_ARM_TARGET1", EMIT_RA_ABS, 4, 0},
    {R_ARM_REL32, "R_ARM_REL32", EMIT_RA_PCREL, 4, 0},
    {R_ARM_PREL31, "R_ARM_PREL31", EMIT_RA_PCREL, 4, 0},
    {R_ARM_GOT_PREL, "R_ARM_GOT_PREL", EMIT_RA_GOT_PCREL, 4, 0},
    /* TARGET2 is GOT_PREL on Linux (exception tables' type info). */
    {R_ARM_TARGET2, "R_ARM_TARGET2", EMIT_RA_GOT_PCREL, 4, 0},
    {ARM_THM_CALL, "R_ARM_THM_CALL", EMIT_RA_CALL, 4, 0},
    {R_ARM_THM_JUMP24, "R_ARM_THM_JUMP24", EMIT_RA_CALL, 4, 0},
    {R_ARM_THM_JUMP19, "R_ARM_THM_JUMP19", EMIT_RA_PCREL, 4, 0},
    {ARM_THM_JUMP11, "R_ARM_THM_JUMP11", EMIT_RA_PCREL, 2, 0},
    {ARM_THM_JUMP8, "R_ARM_THM_JUMP8", EMIT_RA_PCREL, 2, 0},
    {R_ARM_THM_MOVW_PREL_NC, "R_ARM_THM_MOVW_PREL_NC", EMIT_RA_PCREL, 4, 0},
    {R_ARM_THM_MOVT_PREL, "R_ARM_THM_MOVT_PREL", EMIT_RA_PCREL, 4, 0},
    /* Known, but not for a Thumb-2 image that moves as one piece: absolute
     * addresses in instructions (the loader never patches code), Arm-state
     * instructions, GOT/static-base relative forms, TLS, narrow fields. */
    {R_ARM_THM_MOVW_ABS_NC, "R_ARM_THM_MOVW_ABS_NC", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_THM_MOVT_ABS, "R_ARM_THM_MOVT_ABS", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_MOVW_ABS_NC, "R_ARM_MOVW_ABS_NC", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_MOVT_ABS, "R_ARM_MOVT_ABS", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_MOVW_PREL_NC, "R_ARM_MOVW_PREL_NC", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_MOVT_PREL, "R_ARM_MOVT_PREL", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_CALL, "R_ARM_CALL", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_JUMP24, "R_ARM_JUMP24", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_PC24, "R_ARM_PC24", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_PLT32, "R_ARM_PLT32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_THM_JUMP6, "R_ARM_THM_JUMP6", EMIT_RA_REFUSE, 2, 0},
    {ARM_THM_PC8, "R_ARM_THM_PC8", EMIT_RA_REFUSE, 2, 0},
    {R_ARM_THM_PC12, "R_ARM_THM_PC12", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_THM_ALU_PREL_11_0, "R_ARM_THM_ALU_PREL_11_0", EMIT_RA_REFUSE, 4, 0},
    {ARM_BASE_PREL, "R_ARM_BASE_PREL", EMIT_RA_REFUSE, 4, 0},
    {ARM_GOT_BREL, "R_ARM_GOT_BREL", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_GOTOFF, "R_ARM_GOTOFF32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_SBREL32, "R_ARM_SBREL32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_ABS16, "R_ARM_ABS16", EMIT_RA_REFUSE, 2, 0},
    {R_ARM_ABS8, "R_ARM_ABS8", EMIT_RA_REFUSE, 1, 0},
    {R_ARM_TLS_GD32, "R_ARM_TLS_GD32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_TLS_LDM32, "R_ARM_TLS_LDM32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_TLS_LDO32, "R_ARM_TLS_LDO32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_TLS_IE32, "R_ARM_TLS_IE32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_TLS_LE32, "R_ARM_TLS_LE32", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_TLS_GOTDESC, "R_ARM_TLS_GOTDESC", EMIT_RA_REFUSE, 4, 0},
    {R_ARM_THM_TLS_CALL, "R_ARM_THM_TLS_CALL", EMIT_RA_REFUSE, 4, 0},
};

/* ---- Thumb-2 encodings (Arm ARM, A7.7) ------------------------------------ */

static uint16_t rd16(const uint8_t *p)
{
    return kiln_read_u16le(p);
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static int64_t sign_extend(uint64_t v, unsigned bits)
{
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= ((uint64_t)1 << bits) - 1;
    return (int64_t)(v ^ m) - (int64_t)m;
}

/* BL / B.W (T4): S:I1:I2:imm10:imm11:'0', I = NOT(J XOR S). */
int64_t emit_thumb_branch24_get(const uint8_t *p)
{
    uint32_t hi = rd16(p), lo = rd16(p + 2);
    uint32_t s = (hi >> 10) & 1u, j1 = (lo >> 13) & 1u, j2 = (lo >> 11) & 1u;
    uint32_t i1 = ~(j1 ^ s) & 1u, i2 = ~(j2 ^ s) & 1u;
    uint32_t imm = (s << 24) | (i1 << 23) | (i2 << 22) | ((hi & 0x3FFu) << 12) |
                   ((lo & 0x7FFu) << 1);
    return sign_extend(imm, 25);
}

bool emit_thumb_branch24_set(uint8_t *p, int64_t offset)
{
    if (offset < -(1 << 24) || offset >= (1 << 24) || (offset & 1) != 0)
        return false;
    uint32_t v = (uint32_t)offset;
    uint32_t s = (v >> 24) & 1u, i1 = (v >> 23) & 1u, i2 = (v >> 22) & 1u;
    uint32_t j1 = ~(i1 ^ s) & 1u, j2 = ~(i2 ^ s) & 1u;
    uint16_t hi = (uint16_t)((rd16(p) & 0xF800u) | (s << 10) | ((v >> 12) & 0x3FFu));
    uint16_t lo = (uint16_t)((rd16(p + 2) & 0xD000u) | (j1 << 13) | (j2 << 11) |
                             ((v >> 1) & 0x7FFu));
    wr16(p, hi);
    wr16(p + 2, lo);
    return true;
}

/* B<c>.W (T3): S:J2:J1:imm6:imm11:'0'. */
int64_t emit_thumb_branch19_get(const uint8_t *p)
{
    uint32_t hi = rd16(p), lo = rd16(p + 2);
    uint32_t s = (hi >> 10) & 1u, j1 = (lo >> 13) & 1u, j2 = (lo >> 11) & 1u;
    uint32_t imm = (s << 20) | (j2 << 19) | (j1 << 18) | ((hi & 0x3Fu) << 12) |
                   ((lo & 0x7FFu) << 1);
    return sign_extend(imm, 21);
}

bool emit_thumb_branch19_set(uint8_t *p, int64_t offset)
{
    if (offset < -(1 << 20) || offset >= (1 << 20) || (offset & 1) != 0)
        return false;
    uint32_t v = (uint32_t)offset;
    uint16_t hi = (uint16_t)((rd16(p) & 0xFBC0u) | (((v >> 20) & 1u) << 10) |
                             ((v >> 12) & 0x3Fu));
    uint16_t lo = (uint16_t)((rd16(p + 2) & 0xD000u) | (((v >> 18) & 1u) << 13) |
                             (((v >> 19) & 1u) << 11) | ((v >> 1) & 0x7FFu));
    wr16(p, hi);
    wr16(p + 2, lo);
    return true;
}

/* MOVW / MOVT (T3/T1): imm16 = imm4:i:imm3:imm8. */
uint32_t emit_thumb_mov16_get(const uint8_t *p)
{
    uint32_t hi = rd16(p), lo = rd16(p + 2);
    return ((hi & 0xFu) << 12) | (((hi >> 10) & 1u) << 11) | (((lo >> 12) & 7u) << 8) |
           (lo & 0xFFu);
}

void emit_thumb_mov16_set(uint8_t *p, uint32_t imm16)
{
    uint16_t hi = (uint16_t)((rd16(p) & 0xFBF0u) | (((imm16 >> 11) & 1u) << 10) |
                             ((imm16 >> 12) & 0xFu));
    uint16_t lo = (uint16_t)((rd16(p + 2) & 0x8F00u) | (((imm16 >> 8) & 7u) << 12) |
                             (imm16 & 0xFFu));
    wr16(p, hi);
    wr16(p + 2, lo);
}

/* ---- the arch hooks ----------------------------------------------------------- */

static int64_t arm_read_addend(const uint8_t *p, const emit_reloc_type *type)
{
    switch (type->type) {
    case ARM_THM_CALL:
    case R_ARM_THM_JUMP24:
        return emit_thumb_branch24_get(p);
    case R_ARM_THM_JUMP19:
        return emit_thumb_branch19_get(p);
    case ARM_THM_JUMP11:
        return sign_extend((uint64_t)(rd16(p) & 0x7FFu) << 1, 12);
    case ARM_THM_JUMP8:
        return sign_extend((uint64_t)(rd16(p) & 0xFFu) << 1, 9);
    case R_ARM_THM_MOVW_PREL_NC:
    case R_ARM_THM_MOVT_PREL:
        /* AAELF: both read the 16-bit literal as a signed addend. */
        return sign_extend(emit_thumb_mov16_get(p), 16);
    case R_ARM_PREL31:
        return sign_extend(kiln_read_u32le(p), 31);
    default:
        return (int32_t)kiln_read_u32le(p);
    }
}

static bool arm_write_pcrel(uint8_t *p, const emit_reloc_type *type, int64_t value)
{
    switch (type->type) {
    case ARM_THM_CALL:
    case R_ARM_THM_JUMP24:
    case R_ARM_THM_JUMP19:
    case ARM_THM_JUMP11:
    case ARM_THM_JUMP8:
        /* Bit 0 is the target's Thumb bit: without it the target is Arm
         * code, which only BLX could reach. */
        if ((value & 1) == 0)
            return false;
        value &= ~(int64_t)1;
        break;
    default:
        break;
    }
    switch (type->type) {
    case ARM_THM_CALL:
    case R_ARM_THM_JUMP24:
        return emit_thumb_branch24_set(p, value);
    case R_ARM_THM_JUMP19:
        return emit_thumb_branch19_set(p, value);
    case ARM_THM_JUMP11:
        if (!emit_fits_signed(value, 12))
            return false;
        wr16(p, (uint16_t)((rd16(p) & 0xF800u) | (((uint64_t)value >> 1) & 0x7FFu)));
        return true;
    case ARM_THM_JUMP8:
        if (!emit_fits_signed(value, 9))
            return false;
        wr16(p, (uint16_t)((rd16(p) & 0xFF00u) | (((uint64_t)value >> 1) & 0xFFu)));
        return true;
    case R_ARM_THM_MOVW_PREL_NC: /* _NC: no overflow check */
        emit_thumb_mov16_set(p, (uint32_t)value & 0xFFFFu);
        return true;
    case R_ARM_THM_MOVT_PREL:
        if (!emit_fits_signed(value, 32))
            return false;
        emit_thumb_mov16_set(p, ((uint32_t)value >> 16) & 0xFFFFu);
        return true;
    case R_ARM_PREL31:
        if (!emit_fits_signed(value, 31))
            return false;
        kiln_write_u32le(p, (kiln_read_u32le(p) & 0x80000000u) | ((uint32_t)value & 0x7FFFFFFFu));
        return true;
    default:
        if (!emit_fits_signed(value, 32))
            return false;
        kiln_write_u32le(p, (uint32_t)(int32_t)value);
        return true;
    }
}

/*
 * Stub (16 bytes, Thumb): the GOT slot's address is formed PC-relatively,
 * so the GOT may lie anywhere in the image, and loaded into PC, which
 * interworks (a Thumb target has bit 0 set):
 *   +0  movw ip, #:lower16:(slot - (stub + 12))
 *   +4  movt ip, #:upper16:(slot - (stub + 12))
 *   +8  add  ip, pc            ; pc reads as stub + 12
 *   +10 ldr.w pc, [ip]
 *   +14 udf #0xde
 */
static void arm_write_stub(uint8_t *p, uint64_t stub, uint64_t slot)
{
    uint32_t delta = (uint32_t)(slot - (stub + 12));
    wr16(p + 0, 0xF240);  /* movw ip, #0 */
    wr16(p + 2, 0x0C00);
    wr16(p + 4, 0xF2C0);  /* movt ip, #0 */
    wr16(p + 6, 0x0C00);
    emit_thumb_mov16_set(p, delta & 0xFFFFu);
    emit_thumb_mov16_set(p + 4, delta >> 16);
    wr16(p + 8, 0x44FC);  /* add ip, pc */
    wr16(p + 10, 0xF8DC); /* ldr.w pc, [ip, #0] */
    wr16(p + 12, 0xF000);
    wr16(p + 14, 0xDEDE); /* udf */
}

/* XIP stub: ldr.w pc, [r9, #4*index]. r9 holds the runtime's libcall table
 * (vmctx word KILN_VMCTX_LIBCALLS, loaded by the entry trampolines; XIP
 * code is compiled with r9 reserved). The rest of the stub stays udf. */
static void arm_write_table_stub(uint8_t *p, uint32_t index)
{
    wr16(p, 0xF8D9);
    wr16(p + 2, (uint16_t)(0xF000u | ((index * 4u) & 0xFFFu)));
}

const emit_reloc_arch emit_reloc_arm = {
    .elf_machine = EM_ARM,
    .name = "arm",
    .code_fill = 0xDE, /* 0xDEDE is udf #222: a stray jump into padding traps */
    .code_entry_bit = 1, /* Thumb: code is entered at address | 1 */
    .types = arm_types,
    .type_count = sizeof arm_types / sizeof arm_types[0],
    .read_addend = arm_read_addend,
    .write_pcrel = arm_write_pcrel,
    .stub_size = 16,
    .write_stub = arm_write_stub,
    .write_table_stub = arm_write_table_stub,
};
