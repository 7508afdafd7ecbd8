/*
 * x86-64 ELF relocation types, as the back end understands them: what each
 * means (emit_reloc_action) and how wide its field is. object.c does the
 * rest generically; another architecture adds a file like this one.
 *
 * Only the types LLVM emits for PIC, small-code-model code are listed. Any
 * other type is refused by object.c with its name, so a new LLVM habit shows
 * up as a clear error instead of wrong code.
 */
#include <elf.h>

#include "image.h"
#include "kiln_common.h"

static const emit_reloc_type x86_64_types[] = {
    {R_X86_64_NONE, "R_X86_64_NONE", EMIT_RA_IGNORE, 0, 0},
    {R_X86_64_64, "R_X86_64_64", EMIT_RA_ABS, 8, 0},
    {R_X86_64_32, "R_X86_64_32", EMIT_RA_ABS, 4, 0},
    /* A PC32 to an external symbol only ever names a libcall (the only
     * external symbols there are), so it may go through a stub too. */
    {R_X86_64_PC32, "R_X86_64_PC32", EMIT_RA_CALL, 4, 0},
    {R_X86_64_PLT32, "R_X86_64_PLT32", EMIT_RA_CALL, 4, 0},
    {R_X86_64_PC64, "R_X86_64_PC64", EMIT_RA_PCREL, 8, 0},
    {R_X86_64_GOTPCREL, "R_X86_64_GOTPCREL", EMIT_RA_GOT_PCREL, 4, 0},
    {R_X86_64_GOTPCRELX, "R_X86_64_GOTPCRELX", EMIT_RA_GOT_PCREL, 4, 0},
    {R_X86_64_REX_GOTPCRELX, "R_X86_64_REX_GOTPCRELX", EMIT_RA_GOT_PCREL, 4, 0},
    /* Known, but meaningless for a PIC image that moves as one piece:
     * sign-extended 32-bit absolutes (non-PIC code), the large code
     * model's GOT forms, thread-local storage, 8/16-bit fields. */
    {R_X86_64_32S, "R_X86_64_32S", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_16, "R_X86_64_16", EMIT_RA_REFUSE, 2, 0},
    {R_X86_64_PC16, "R_X86_64_PC16", EMIT_RA_REFUSE, 2, 0},
    {R_X86_64_8, "R_X86_64_8", EMIT_RA_REFUSE, 1, 0},
    {R_X86_64_PC8, "R_X86_64_PC8", EMIT_RA_REFUSE, 1, 0},
    {R_X86_64_GOT32, "R_X86_64_GOT32", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_GOT64, "R_X86_64_GOT64", EMIT_RA_REFUSE, 8, 0},
    {R_X86_64_GOTOFF64, "R_X86_64_GOTOFF64", EMIT_RA_REFUSE, 8, 0},
    {R_X86_64_GOTPC32, "R_X86_64_GOTPC32", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_GOTPC64, "R_X86_64_GOTPC64", EMIT_RA_REFUSE, 8, 0},
    {R_X86_64_GOTPCREL64, "R_X86_64_GOTPCREL64", EMIT_RA_REFUSE, 8, 0},
    {R_X86_64_PLTOFF64, "R_X86_64_PLTOFF64", EMIT_RA_REFUSE, 8, 0},
    {R_X86_64_TPOFF32, "R_X86_64_TPOFF32", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_TPOFF64, "R_X86_64_TPOFF64", EMIT_RA_REFUSE, 8, 0},
    {R_X86_64_GOTTPOFF, "R_X86_64_GOTTPOFF", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_TLSGD, "R_X86_64_TLSGD", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_TLSLD, "R_X86_64_TLSLD", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_DTPOFF32, "R_X86_64_DTPOFF32", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_DTPOFF64, "R_X86_64_DTPOFF64", EMIT_RA_REFUSE, 8, 0},
    {R_X86_64_SIZE32, "R_X86_64_SIZE32", EMIT_RA_REFUSE, 4, 0},
    {R_X86_64_SIZE64, "R_X86_64_SIZE64", EMIT_RA_REFUSE, 8, 0},
};

static bool x86_64_write_pcrel(uint8_t *p, const emit_reloc_type *type, int64_t value)
{
    if (type->width == 8) {
        kiln_write_u64le(p, (uint64_t)value);
        return true;
    }
    if (value < INT32_MIN || value > INT32_MAX)
        return false;
    kiln_write_u32le(p, (uint32_t)(int32_t)value);
    return true;
}

/* jmp *[rip + disp32] to the GOT slot, padded with int3. The image is
 * far below 2 GiB, so the displacement always fits. */
static void x86_64_write_stub(uint8_t *p, uint64_t stub, uint64_t slot)
{
    p[0] = 0xFF;
    p[1] = 0x25;
    kiln_write_u32le(p + 2, (uint32_t)(int32_t)((int64_t)slot - (int64_t)(stub + 6)));
    p[6] = 0xCC;
    p[7] = 0xCC;
}

const emit_reloc_arch emit_reloc_x86_64 = {
    .elf_machine = EM_X86_64,
    .name = "x86-64",
    .code_fill = 0xCC, /* int3: a stray jump into padding traps */
    .types = x86_64_types,
    .type_count = sizeof x86_64_types / sizeof x86_64_types[0],
    .write_pcrel = x86_64_write_pcrel,
    .stub_size = 8,
    .write_stub = x86_64_write_stub,
    .min_image_align = 8,
};
