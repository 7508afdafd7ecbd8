/*
 * aarch64 ELF relocation types, as the back end understands them (see
 * reloc_x86_64.c for the scheme): what each means and how its value goes
 * into the instruction or data field. object.c resolves every one of them
 * at build time; the loader only ever sees ABS64/ABS32 data records.
 *
 * What LLVM 19 emits for kiln's PIC, small-code-model code at -O0..-O3 and
 * -Os: CALL26/JUMP26 (calls and tail calls), ADR_PREL_PG_HI21 with
 * ADD_ABS_LO12_NC or LDSTn_ABS_LO12_NC (constant pools, jump tables), the
 * GOT pair ADR_GOT_PAGE/LD64_GOT_LO12_NC, and PREL32/PREL64/ABS64 in data.
 * Branches inside a section are resolved by the assembler; the branch kinds
 * are listed in case a section boundary separates them.
 *
 * Reach: CALL26/JUMP26 reach +-128 MiB. Every call target is inside the
 * image (functions, or the stub of an external symbol, which sits right
 * after the code), so no veneer is needed while the image's code is under
 * 128 MiB; a larger one is refused at build time ("out of range"), never
 * on the device. ADRP reaches +-4 GiB (the whole image).
 *
 * Page-relative kinds rely on the image starting on a 4 KiB boundary at
 * run time (min_image_align; the loader maps it on a page boundary).
 */
#include <elf.h>

#include "image.h"
#include "kiln_common.h"

enum {
    A64_DATA = 0, /* little-endian field of the type's width */
    A64_IMM26,    /* B/BL: imm26 << 2 */
    A64_IMM19,    /* B.cond, CBZ, LDR literal: imm19 << 2 at bit 5 */
    A64_IMM14,    /* TBZ/TBNZ: imm14 << 2 at bit 5 */
    A64_ADR,      /* ADR: 21-bit byte offset (immlo 30:29, immhi 23:5) */
    A64_ADRP,     /* ADRP: page delta >> 12, 21 bits, same fields as ADR */
    A64_LO12_0,   /* ADD/LDRB/STRB imm12 at bit 10, unscaled */
    A64_LO12_1,   /* LDRH imm12, scaled by 2 */
    A64_LO12_2,   /* LDR w/s imm12, scaled by 4 */
    A64_LO12_3,   /* LDR x/d imm12, scaled by 8 */
    A64_LO12_4    /* LDR q imm12, scaled by 16 */
};

static const emit_reloc_type aarch64_types[] = {
    {R_AARCH64_NONE, "R_AARCH64_NONE", EMIT_RA_IGNORE, 0, A64_DATA},
    {R_AARCH64_ABS64, "R_AARCH64_ABS64", EMIT_RA_ABS, 8, A64_DATA},
    {R_AARCH64_ABS32, "R_AARCH64_ABS32", EMIT_RA_ABS, 4, A64_DATA},
    {R_AARCH64_PREL64, "R_AARCH64_PREL64", EMIT_RA_PCREL, 8, A64_DATA},
    {R_AARCH64_PREL32, "R_AARCH64_PREL32", EMIT_RA_PCREL, 4, A64_DATA},
    {R_AARCH64_PREL16, "R_AARCH64_PREL16", EMIT_RA_PCREL, 2, A64_DATA},
    {R_AARCH64_CALL26, "R_AARCH64_CALL26", EMIT_RA_CALL, 4, A64_IMM26},
    {R_AARCH64_JUMP26, "R_AARCH64_JUMP26", EMIT_RA_CALL, 4, A64_IMM26},
    {R_AARCH64_CONDBR19, "R_AARCH64_CONDBR19", EMIT_RA_PCREL, 4, A64_IMM19},
    {R_AARCH64_LD_PREL_LO19, "R_AARCH64_LD_PREL_LO19", EMIT_RA_PCREL, 4, A64_IMM19},
    {R_AARCH64_TSTBR14, "R_AARCH64_TSTBR14", EMIT_RA_PCREL, 4, A64_IMM14},
    {R_AARCH64_ADR_PREL_LO21, "R_AARCH64_ADR_PREL_LO21", EMIT_RA_PCREL, 4, A64_ADR},
    {R_AARCH64_ADR_PREL_PG_HI21, "R_AARCH64_ADR_PREL_PG_HI21", EMIT_RA_PAGE_PCREL, 4,
     A64_ADRP},
    {R_AARCH64_ADR_PREL_PG_HI21_NC, "R_AARCH64_ADR_PREL_PG_HI21_NC", EMIT_RA_PAGE_PCREL, 4,
     A64_ADRP},
    {R_AARCH64_ADD_ABS_LO12_NC, "R_AARCH64_ADD_ABS_LO12_NC", EMIT_RA_LO12, 4, A64_LO12_0},
    {R_AARCH64_LDST8_ABS_LO12_NC, "R_AARCH64_LDST8_ABS_LO12_NC", EMIT_RA_LO12, 4, A64_LO12_0},
    {R_AARCH64_LDST16_ABS_LO12_NC, "R_AARCH64_LDST16_ABS_LO12_NC", EMIT_RA_LO12, 4,
     A64_LO12_1},
    {R_AARCH64_LDST32_ABS_LO12_NC, "R_AARCH64_LDST32_ABS_LO12_NC", EMIT_RA_LO12, 4,
     A64_LO12_2},
    {R_AARCH64_LDST64_ABS_LO12_NC, "R_AARCH64_LDST64_ABS_LO12_NC", EMIT_RA_LO12, 4,
     A64_LO12_3},
    {R_AARCH64_LDST128_ABS_LO12_NC, "R_AARCH64_LDST128_ABS_LO12_NC", EMIT_RA_LO12, 4,
     A64_LO12_4},
    {R_AARCH64_ADR_GOT_PAGE, "R_AARCH64_ADR_GOT_PAGE", EMIT_RA_GOT_PAGE_PCREL, 4, A64_ADRP},
    {R_AARCH64_LD64_GOT_LO12_NC, "R_AARCH64_LD64_GOT_LO12_NC", EMIT_RA_GOT_LO12, 4,
     A64_LO12_3},
    /* Known, but meaningless for a PIC small-code-model image that moves
     * as one piece: absolute MOVW sequences (large code model), 16-bit
     * absolutes, GOT-relative and TLS forms, dynamic-linker kinds. */
    {R_AARCH64_ABS16, "R_AARCH64_ABS16", EMIT_RA_REFUSE, 2, A64_DATA},
    {R_AARCH64_MOVW_UABS_G0, "R_AARCH64_MOVW_UABS_G0", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_UABS_G0_NC, "R_AARCH64_MOVW_UABS_G0_NC", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_UABS_G1, "R_AARCH64_MOVW_UABS_G1", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_UABS_G1_NC, "R_AARCH64_MOVW_UABS_G1_NC", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_UABS_G2, "R_AARCH64_MOVW_UABS_G2", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_UABS_G2_NC, "R_AARCH64_MOVW_UABS_G2_NC", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_UABS_G3, "R_AARCH64_MOVW_UABS_G3", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_PREL_G0, "R_AARCH64_MOVW_PREL_G0", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_PREL_G1, "R_AARCH64_MOVW_PREL_G1", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_PREL_G2, "R_AARCH64_MOVW_PREL_G2", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_MOVW_PREL_G3, "R_AARCH64_MOVW_PREL_G3", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_GOTREL64, "R_AARCH64_GOTREL64", EMIT_RA_REFUSE, 8, A64_DATA},
    {R_AARCH64_GOTREL32, "R_AARCH64_GOTREL32", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_GOT_LD_PREL19, "R_AARCH64_GOT_LD_PREL19", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_LD64_GOTPAGE_LO15, "R_AARCH64_LD64_GOTPAGE_LO15", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_TLSGD_ADR_PAGE21, "R_AARCH64_TLSGD_ADR_PAGE21", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21, "R_AARCH64_TLSIE_ADR_GOTTPREL_PAGE21",
     EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_TLSLE_ADD_TPREL_HI12, "R_AARCH64_TLSLE_ADD_TPREL_HI12", EMIT_RA_REFUSE, 4,
     A64_DATA},
    {R_AARCH64_TLSLE_ADD_TPREL_LO12_NC, "R_AARCH64_TLSLE_ADD_TPREL_LO12_NC", EMIT_RA_REFUSE,
     4, A64_DATA},
    {R_AARCH64_TLSDESC_ADR_PAGE21, "R_AARCH64_TLSDESC_ADR_PAGE21", EMIT_RA_REFUSE, 4,
     A64_DATA},
    {R_AARCH64_TLSDESC_CALL, "R_AARCH64_TLSDESC_CALL", EMIT_RA_REFUSE, 4, A64_DATA},
    {R_AARCH64_COPY, "R_AARCH64_COPY", EMIT_RA_REFUSE, 8, A64_DATA},
    {R_AARCH64_GLOB_DAT, "R_AARCH64_GLOB_DAT", EMIT_RA_REFUSE, 8, A64_DATA},
    {R_AARCH64_JUMP_SLOT, "R_AARCH64_JUMP_SLOT", EMIT_RA_REFUSE, 8, A64_DATA},
    {R_AARCH64_RELATIVE, "R_AARCH64_RELATIVE", EMIT_RA_REFUSE, 8, A64_DATA},
    {R_AARCH64_IRELATIVE, "R_AARCH64_IRELATIVE", EMIT_RA_REFUSE, 8, A64_DATA},
};

/* Replaces the bits of `mask` in the instruction at p with `bits`. */
static void patch(uint8_t *p, uint32_t mask, uint32_t bits)
{
    uint32_t insn = kiln_read_u32le(p);
    kiln_write_u32le(p, (insn & ~mask) | (bits & mask));
}

static void write_adr_imm(uint8_t *p, int64_t imm21)
{
    uint32_t v = (uint32_t)imm21 & 0x1FFFFFu;
    patch(p, (3u << 29) | (0x7FFFFu << 5), ((v & 3u) << 29) | ((v >> 2) << 5));
}

/* imm12 of an ADD or unsigned-offset load/store, scaled by 1 << shift. */
static bool write_lo12(uint8_t *p, int64_t value, unsigned shift)
{
    uint32_t lo = (uint32_t)value & 0xFFFu;
    if ((lo & ((1u << shift) - 1u)) != 0)
        return false;
    patch(p, 0xFFFu << 10, (lo >> shift) << 10);
    return true;
}

static bool aarch64_write_pcrel(uint8_t *p, const emit_reloc_type *type, int64_t value)
{
    switch (type->encoding) {
    case A64_DATA:
        if (type->width == 8) {
            kiln_write_u64le(p, (uint64_t)value);
        } else if (type->width == 4) {
            if (!emit_fits_signed(value, 32))
                return false;
            kiln_write_u32le(p, (uint32_t)value);
        } else {
            if (!emit_fits_signed(value, 16))
                return false;
            p[0] = (uint8_t)value;
            p[1] = (uint8_t)((uint64_t)value >> 8);
        }
        return true;
    case A64_IMM26:
        if ((value & 3) != 0 || !emit_fits_signed(value, 28))
            return false;
        patch(p, 0x3FFFFFFu, (uint32_t)(value >> 2));
        return true;
    case A64_IMM19:
        if ((value & 3) != 0 || !emit_fits_signed(value, 21))
            return false;
        patch(p, 0x7FFFFu << 5, (uint32_t)(value >> 2) << 5);
        return true;
    case A64_IMM14:
        if ((value & 3) != 0 || !emit_fits_signed(value, 16))
            return false;
        patch(p, 0x3FFFu << 5, (uint32_t)(value >> 2) << 5);
        return true;
    case A64_ADR:
        if (!emit_fits_signed(value, 21))
            return false;
        write_adr_imm(p, value);
        return true;
    case A64_ADRP:
        if ((value & 0xFFF) != 0 || !emit_fits_signed(value, 33))
            return false;
        write_adr_imm(p, value >> 12);
        return true;
    case A64_LO12_0: return write_lo12(p, value, 0);
    case A64_LO12_1: return write_lo12(p, value, 1);
    case A64_LO12_2: return write_lo12(p, value, 2);
    case A64_LO12_3: return write_lo12(p, value, 3);
    case A64_LO12_4: return write_lo12(p, value, 4);
    default: return false;
    }
}

/*
 * The stub of an external call, 16 bytes (x16 is IP0, which AAPCS64 leaves
 * to veneers and PLT entries):
 *     adrp x16, slot@page
 *     ldr  x16, [x16, slot@pageoff]
 *     br   x16
 *     brk  #0x3e8
 */
static void aarch64_write_stub(uint8_t *p, uint64_t stub, uint64_t slot)
{
    kiln_write_u32le(p, 0x90000010u);      /* adrp x16, 0 */
    kiln_write_u32le(p + 4, 0xF9400210u);  /* ldr x16, [x16] */
    kiln_write_u32le(p + 8, 0xD61F0200u);  /* br x16 */
    kiln_write_u32le(p + 12, 0xD4207D00u); /* brk #0x3e8 */
    int64_t pages = (int64_t)((slot & ~(uint64_t)0xFFF) - (stub & ~(uint64_t)0xFFF));
    write_adr_imm(p, pages >> 12);
    write_lo12(p + 4, (int64_t)slot, 3);
}

const emit_reloc_arch emit_reloc_aarch64 = {
    .elf_machine = EM_AARCH64,
    .name = "aarch64",
    .code_fill = 0x00, /* 0x00000000 is permanently undefined (UDF #0) */
    .types = aarch64_types,
    .type_count = sizeof aarch64_types / sizeof aarch64_types[0],
    .write_pcrel = aarch64_write_pcrel,
    .stub_size = 16,
    .write_stub = aarch64_write_stub,
    .min_image_align = 4096,
};
