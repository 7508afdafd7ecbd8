/*
 * riscv64 ELF relocation types, as the back end understands them (see
 * reloc_x86_64.c for the scheme). object.c resolves every one at build
 * time; the loader only ever sees ABS64/ABS32 data records.
 *
 * What LLVM 19 emits for kiln's PIC, medany code: CALL_PLT (auipc+jalr
 * pairs for calls, CALL in older objects), PCREL_HI20 on an auipc paired
 * with PCREL_LO12_I/S on the instruction that uses it (the LO12's symbol is
 * a label on the auipc: object.c finds the pair), GOT_HI20 likewise, 32/64
 * and 32_PCREL in data. With linker relaxation on (+relax), every branch
 * keeps a relocation (BRANCH, JAL, RVC_BRANCH, RVC_JUMP), label differences
 * become ADD/SUB pairs, and RELAX/ALIGN marks appear: kiln never relaxes
 * (it shrinks no code), so RELAX is ignored, and ALIGN's NOP padding stays
 * in place, executed as NOPs: the only cost is that what follows may lose
 * its code alignment, which is a speed hint, not a correctness need. The
 * default target features turn relaxation off.
 *
 * Reach: CALL/CALL_PLT (auipc+jalr) reach +-2 GiB, so every call reaches
 * its target or its stub inside the image and no veneer is ever needed.
 * HI20/LO12 (absolute addresses in code) can only be resolved for absolute
 * symbols: the loader never patches code, so they are refused otherwise.
 */
#include <elf.h>

#include "image.h"
#include "kiln_common.h"

#ifndef R_RISCV_PLT32
#define R_RISCV_PLT32 59
#endif
#ifndef R_RISCV_SET_ULEB128
#define R_RISCV_SET_ULEB128 60
#define R_RISCV_SUB_ULEB128 61
#endif

enum {
    RV_DATA = 0, /* little-endian field of the type's width */
    RV_HI20,     /* U-type (auipc, lui): bits 31:12 = (v + 0x800) >> 12 */
    RV_LO12_I,   /* I-type imm[11:0] at 31:20 */
    RV_LO12_S,   /* S-type imm[11:5] at 31:25, imm[4:0] at 11:7 */
    RV_CALL,     /* auipc + jalr: HI20 then LO12_I, 8 bytes */
    RV_BRANCH,   /* B-type, +-4 KiB */
    RV_JAL,      /* J-type, +-1 MiB */
    RV_CBRANCH,  /* c.beqz/c.bnez, +-256 bytes */
    RV_CJUMP     /* c.j, +-2 KiB */
};

static const emit_reloc_type riscv64_types[] = {
    {R_RISCV_NONE, "R_RISCV_NONE", EMIT_RA_IGNORE, 0, RV_DATA},
    {R_RISCV_64, "R_RISCV_64", EMIT_RA_ABS, 8, RV_DATA},
    {R_RISCV_32, "R_RISCV_32", EMIT_RA_ABS, 4, RV_DATA},
    {R_RISCV_32_PCREL, "R_RISCV_32_PCREL", EMIT_RA_PCREL, 4, RV_DATA},
    {R_RISCV_PLT32, "R_RISCV_PLT32", EMIT_RA_PCREL, 4, RV_DATA},
    {R_RISCV_CALL, "R_RISCV_CALL", EMIT_RA_CALL, 8, RV_CALL},
    {R_RISCV_CALL_PLT, "R_RISCV_CALL_PLT", EMIT_RA_CALL, 8, RV_CALL},
    {R_RISCV_PCREL_HI20, "R_RISCV_PCREL_HI20", EMIT_RA_PCREL, 4, RV_HI20},
    {R_RISCV_PCREL_LO12_I, "R_RISCV_PCREL_LO12_I", EMIT_RA_PCREL_LO, 4, RV_LO12_I},
    {R_RISCV_PCREL_LO12_S, "R_RISCV_PCREL_LO12_S", EMIT_RA_PCREL_LO, 4, RV_LO12_S},
    {R_RISCV_GOT_HI20, "R_RISCV_GOT_HI20", EMIT_RA_GOT_PCREL, 4, RV_HI20},
    {R_RISCV_HI20, "R_RISCV_HI20", EMIT_RA_ABS_CODE, 4, RV_HI20},
    {R_RISCV_LO12_I, "R_RISCV_LO12_I", EMIT_RA_ABS_CODE, 4, RV_LO12_I},
    {R_RISCV_LO12_S, "R_RISCV_LO12_S", EMIT_RA_ABS_CODE, 4, RV_LO12_S},
    {R_RISCV_BRANCH, "R_RISCV_BRANCH", EMIT_RA_PCREL, 4, RV_BRANCH},
    {R_RISCV_JAL, "R_RISCV_JAL", EMIT_RA_PCREL, 4, RV_JAL},
    {R_RISCV_RVC_BRANCH, "R_RISCV_RVC_BRANCH", EMIT_RA_PCREL, 2, RV_CBRANCH},
    {R_RISCV_RVC_JUMP, "R_RISCV_RVC_JUMP", EMIT_RA_PCREL, 2, RV_CJUMP},
    {R_RISCV_ADD8, "R_RISCV_ADD8", EMIT_RA_ADD, 1, RV_DATA},
    {R_RISCV_ADD16, "R_RISCV_ADD16", EMIT_RA_ADD, 2, RV_DATA},
    {R_RISCV_ADD32, "R_RISCV_ADD32", EMIT_RA_ADD, 4, RV_DATA},
    {R_RISCV_ADD64, "R_RISCV_ADD64", EMIT_RA_ADD, 8, RV_DATA},
    {R_RISCV_SUB8, "R_RISCV_SUB8", EMIT_RA_SUB, 1, RV_DATA},
    {R_RISCV_SUB16, "R_RISCV_SUB16", EMIT_RA_SUB, 2, RV_DATA},
    {R_RISCV_SUB32, "R_RISCV_SUB32", EMIT_RA_SUB, 4, RV_DATA},
    {R_RISCV_SUB64, "R_RISCV_SUB64", EMIT_RA_SUB, 8, RV_DATA},
    {R_RISCV_RELAX, "R_RISCV_RELAX", EMIT_RA_IGNORE, 0, RV_DATA},
    {R_RISCV_ALIGN, "R_RISCV_ALIGN", EMIT_RA_IGNORE, 0, RV_DATA},
    /* Known, but meaningless for a PIC image that moves as one piece (or
     * only found in debug and unwind sections, which are not kept): TLS,
     * gp-relative, 6-bit and ULEB128 label arithmetic, SET forms, RVC_LUI,
     * dynamic-linker kinds. */
    {R_RISCV_SUB6, "R_RISCV_SUB6", EMIT_RA_REFUSE, 1, RV_DATA},
    {R_RISCV_SET6, "R_RISCV_SET6", EMIT_RA_REFUSE, 1, RV_DATA},
    {R_RISCV_SET8, "R_RISCV_SET8", EMIT_RA_REFUSE, 1, RV_DATA},
    {R_RISCV_SET16, "R_RISCV_SET16", EMIT_RA_REFUSE, 2, RV_DATA},
    {R_RISCV_SET32, "R_RISCV_SET32", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_SET_ULEB128, "R_RISCV_SET_ULEB128", EMIT_RA_REFUSE, 1, RV_DATA},
    {R_RISCV_SUB_ULEB128, "R_RISCV_SUB_ULEB128", EMIT_RA_REFUSE, 1, RV_DATA},
    {R_RISCV_RVC_LUI, "R_RISCV_RVC_LUI", EMIT_RA_REFUSE, 2, RV_DATA},
    {R_RISCV_GPREL_I, "R_RISCV_GPREL_I", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_GPREL_S, "R_RISCV_GPREL_S", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_TLS_GOT_HI20, "R_RISCV_TLS_GOT_HI20", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_TLS_GD_HI20, "R_RISCV_TLS_GD_HI20", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_TPREL_HI20, "R_RISCV_TPREL_HI20", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_TPREL_LO12_I, "R_RISCV_TPREL_LO12_I", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_TPREL_LO12_S, "R_RISCV_TPREL_LO12_S", EMIT_RA_REFUSE, 4, RV_DATA},
    {R_RISCV_TPREL_ADD, "R_RISCV_TPREL_ADD", EMIT_RA_REFUSE, 0, RV_DATA},
    {R_RISCV_TLS_DTPMOD64, "R_RISCV_TLS_DTPMOD64", EMIT_RA_REFUSE, 8, RV_DATA},
    {R_RISCV_TLS_DTPREL64, "R_RISCV_TLS_DTPREL64", EMIT_RA_REFUSE, 8, RV_DATA},
    {R_RISCV_TLS_TPREL64, "R_RISCV_TLS_TPREL64", EMIT_RA_REFUSE, 8, RV_DATA},
    {R_RISCV_RELATIVE, "R_RISCV_RELATIVE", EMIT_RA_REFUSE, 8, RV_DATA},
    {R_RISCV_COPY, "R_RISCV_COPY", EMIT_RA_REFUSE, 8, RV_DATA},
    {R_RISCV_JUMP_SLOT, "R_RISCV_JUMP_SLOT", EMIT_RA_REFUSE, 8, RV_DATA},
    {R_RISCV_IRELATIVE, "R_RISCV_IRELATIVE", EMIT_RA_REFUSE, 8, RV_DATA},
};

static void patch32(uint8_t *p, uint32_t mask, uint32_t bits)
{
    uint32_t insn = kiln_read_u32le(p);
    kiln_write_u32le(p, (insn & ~mask) | (bits & mask));
}

static void patch16(uint8_t *p, uint16_t mask, uint16_t bits)
{
    uint16_t insn = kiln_read_u16le(p);
    uint16_t v = (uint16_t)((insn & ~mask) | (bits & mask));
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* The upper 20 bits, rounded so that the sign-extended low 12 bits add
 * back to v; false when v is outside auipc's +-2 GiB. */
static bool split_hi_lo(int64_t v, uint32_t *hi20, uint32_t *lo12)
{
    if (v < INT32_MIN - (int64_t)0x800 || v >= (int64_t)INT32_MAX - 0x7FF)
        return false;
    int64_t hi = (v + 0x800) >> 12;
    *hi20 = (uint32_t)hi & 0xFFFFFu;
    *lo12 = (uint32_t)(v - hi * 4096) & 0xFFFu;
    return true;
}

static void write_i_imm(uint8_t *p, uint32_t lo12)
{
    patch32(p, 0xFFFu << 20, lo12 << 20);
}

static void write_s_imm(uint8_t *p, uint32_t lo12)
{
    patch32(p, (0x7Fu << 25) | (0x1Fu << 7), ((lo12 >> 5) << 25) | ((lo12 & 0x1Fu) << 7));
}

static uint32_t bit(int64_t v, unsigned i)
{
    return (uint32_t)((uint64_t)v >> i) & 1u;
}

static uint32_t bits(int64_t v, unsigned hi, unsigned lo)
{
    return (uint32_t)((uint64_t)v >> lo) & ((1u << (hi - lo + 1)) - 1u);
}

static bool riscv64_write_pcrel(uint8_t *p, const emit_reloc_type *type, int64_t value)
{
    uint32_t hi20, lo12;
    switch (type->encoding) {
    case RV_DATA:
        if (type->width == 8) {
            kiln_write_u64le(p, (uint64_t)value);
            return true;
        }
        if (type->width != 4 || !emit_fits_signed(value, 32))
            return false;
        kiln_write_u32le(p, (uint32_t)value);
        return true;
    case RV_HI20:
        if (!split_hi_lo(value, &hi20, &lo12))
            return false;
        patch32(p, 0xFFFFF000u, hi20 << 12);
        return true;
    case RV_LO12_I:
        if (!split_hi_lo(value, &hi20, &lo12))
            return false;
        write_i_imm(p, lo12);
        return true;
    case RV_LO12_S:
        if (!split_hi_lo(value, &hi20, &lo12))
            return false;
        write_s_imm(p, lo12);
        return true;
    case RV_CALL:
        if (!split_hi_lo(value, &hi20, &lo12))
            return false;
        patch32(p, 0xFFFFF000u, hi20 << 12);
        write_i_imm(p + 4, lo12);
        return true;
    case RV_BRANCH:
        if ((value & 1) != 0 || !emit_fits_signed(value, 13))
            return false;
        patch32(p, 0xFE000F80u,
                (bit(value, 12) << 31) | (bits(value, 10, 5) << 25) | (bits(value, 4, 1) << 8) |
                    (bit(value, 11) << 7));
        return true;
    case RV_JAL:
        if ((value & 1) != 0 || !emit_fits_signed(value, 21))
            return false;
        patch32(p, 0xFFFFF000u,
                (bit(value, 20) << 31) | (bits(value, 10, 1) << 21) | (bit(value, 11) << 20) |
                    (bits(value, 19, 12) << 12));
        return true;
    case RV_CBRANCH:
        if ((value & 1) != 0 || !emit_fits_signed(value, 9))
            return false;
        patch16(p, 0x1C7Cu,
                (uint16_t)((bit(value, 8) << 12) | (bits(value, 4, 3) << 10) |
                           (bits(value, 7, 6) << 5) | (bits(value, 2, 1) << 3) |
                           (bit(value, 5) << 2)));
        return true;
    case RV_CJUMP:
        if ((value & 1) != 0 || !emit_fits_signed(value, 12))
            return false;
        patch16(p, 0x1FFCu,
                (uint16_t)((bit(value, 11) << 12) | (bit(value, 4) << 11) |
                           (bits(value, 9, 8) << 9) | (bit(value, 10) << 8) |
                           (bit(value, 6) << 7) | (bit(value, 7) << 6) |
                           (bits(value, 3, 1) << 3) | (bit(value, 5) << 2)));
        return true;
    default:
        return false;
    }
}

/*
 * The stub of an external call, 16 bytes (t3 is the register the psABI's
 * PLT entries use for the target):
 *     auipc t3, %pcrel_hi(slot)
 *     ld    t3, %pcrel_lo(slot)(t3)
 *     jr    t3
 *     ebreak
 */
static void riscv64_write_stub(uint8_t *p, uint64_t stub, uint64_t slot)
{
    kiln_write_u32le(p, 0x00000E17u);      /* auipc t3, 0 */
    kiln_write_u32le(p + 4, 0x000E3E03u);  /* ld t3, 0(t3) */
    kiln_write_u32le(p + 8, 0x000E0067u);  /* jalr x0, 0(t3) */
    kiln_write_u32le(p + 12, 0x00100073u); /* ebreak */
    uint32_t hi20 = 0, lo12 = 0;
    split_hi_lo((int64_t)(slot - stub), &hi20, &lo12); /* the image is < 4 GiB */
    patch32(p, 0xFFFFF000u, hi20 << 12);
    write_i_imm(p + 4, lo12);
}

const emit_reloc_arch emit_reloc_riscv64 = {
    .elf_machine = EM_RISCV,
    .name = "riscv64",
    .code_fill = 0x00, /* 0x0000 is the defined illegal instruction */
    .types = riscv64_types,
    .type_count = sizeof riscv64_types / sizeof riscv64_types[0],
    .write_pcrel = riscv64_write_pcrel,
    .stub_size = 16,
    .write_stub = riscv64_write_stub,
    .min_image_align = 8,
};
