/*
 * The opcode metadata (module.h, opsig.h): name, immediates, family and
 * type signature of every instruction, and the encoding -> opcode table,
 * all generated from the one opcode list, opcodes.def. The decoder, the
 * validator, codegen and the disassembly read them through the functions
 * below only.
 */
#include <stdint.h>

#include "module.h"
#include "opsig.h"

static const char *const op_names[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) text,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const uint8_t op_imms[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) WASM_IMM_##imm,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const uint8_t op_families[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) WASM_FAM_##family,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const uint8_t op_sigs[WASM_OP_COUNT] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) WASM_##sig,
#include "opcodes.def"
#undef WASM_OPCODE
};

static const wasm_sig_info sig_infos[WASM_SIG_COUNT] = {
#define WASM_SIG_INFO(tag, params, results, align, lanes) {params, results, align, lanes},
    WASM_SIGNATURES(WASM_SIG_INFO)
#undef WASM_SIG_INFO
};

/* Encoding -> wasm_op + 1 (0 = no such instruction), by prefix class:
 * 0 = single byte, 1 = 0xFC, 2 = 0xFD, 3 = 0xFE. All sub-opcodes < 256. */
#define PREFIX_CLASS(p) ((p) == 0 ? 0 : (p) == 0xFC ? 1 : (p) == 0xFD ? 2 : 3)
static const uint16_t op_by_code[4][256] = {
#define WASM_OPCODE(name, prefix, code, imm, family, sig, text) \
    [PREFIX_CLASS(prefix)][code] = WASM_OP_##name + 1,
#include "opcodes.def"
#undef WASM_OPCODE
};

const char *wasm_op_name(wasm_op op)
{
    return (unsigned)op < WASM_OP_COUNT ? op_names[op] : "<invalid opcode>";
}

wasm_imm_kind wasm_op_imm(wasm_op op)
{
    return (unsigned)op < WASM_OP_COUNT ? (wasm_imm_kind)op_imms[op] : WASM_IMM_NONE;
}

wasm_family wasm_op_family(wasm_op op)
{
    return (unsigned)op < WASM_OP_COUNT ? (wasm_family)op_families[op] : WASM_FAM_CONTROL;
}

wasm_sig wasm_op_sig(unsigned op)
{
    return op < WASM_OP_COUNT ? (wasm_sig)op_sigs[op] : WASM_SIG_SPECIAL;
}

const wasm_sig_info *wasm_sig_get(wasm_sig sig)
{
    return &sig_infos[(unsigned)sig < WASM_SIG_COUNT ? sig : WASM_SIG_SPECIAL];
}

bool wasm_op_decode(uint8_t prefix, uint32_t code, wasm_op *out)
{
    if (prefix != 0 && prefix != 0xFC && prefix != 0xFD && prefix != 0xFE)
        return false;
    uint32_t op_plus1 = code < 256 ? op_by_code[PREFIX_CLASS(prefix)][code] : 0;
    if (op_plus1 == 0)
        return false;
    *out = (wasm_op)(op_plus1 - 1);
    return true;
}
