/*
 * Operand signatures of the instructions in opcodes.def, for the validator's
 * generic path (and for anyone who wants an instruction's stack effect).
 *
 * Each tag SIG_[M<bits>_][L<lanes>_]<params>__<results> names the value
 * types popped (params, bottom to top) and pushed (results), written as type
 * letters: i = i32, I = i64, f = f32, F = f64, v = v128. Memory instructions
 * carry their natural alignment (log2 bytes; the memarg alignment must not
 * exceed it), lane instructions their lane count (the lane immediate must be
 * below it). SIG_SPECIAL marks instructions the validator types by hand
 * (control, locals, globals, tables, references, bulk memory, ...).
 *
 * Invariant: every sig used in opcodes.def appears in WASM_SIGNATURES.
 */
#ifndef KILN_WASM_OPSIG_H
#define KILN_WASM_OPSIG_H

#include <stdint.h>

/* X(tag, params, results, natural_align_log2 or -1, lane_count or 0) */
#define WASM_SIGNATURES(X) \
    X(SIG_SPECIAL, "", "", -1, 0) \
    X(SIG_F32_F32__F32, "ff", "f", -1, 0) \
    X(SIG_F32_F32__I32, "ff", "i", -1, 0) \
    X(SIG_F32__F32, "f", "f", -1, 0) \
    X(SIG_F32__F64, "f", "F", -1, 0) \
    X(SIG_F32__I32, "f", "i", -1, 0) \
    X(SIG_F32__I64, "f", "I", -1, 0) \
    X(SIG_F32__V128, "f", "v", -1, 0) \
    X(SIG_F64_F64__F64, "FF", "F", -1, 0) \
    X(SIG_F64_F64__I32, "FF", "i", -1, 0) \
    X(SIG_F64__F32, "F", "f", -1, 0) \
    X(SIG_F64__F64, "F", "F", -1, 0) \
    X(SIG_F64__I32, "F", "i", -1, 0) \
    X(SIG_F64__I64, "F", "I", -1, 0) \
    X(SIG_F64__V128, "F", "v", -1, 0) \
    X(SIG_I32_I32__I32, "ii", "i", -1, 0) \
    X(SIG_I32__F32, "i", "f", -1, 0) \
    X(SIG_I32__F64, "i", "F", -1, 0) \
    X(SIG_I32__I32, "i", "i", -1, 0) \
    X(SIG_I32__I64, "i", "I", -1, 0) \
    X(SIG_I32__V128, "i", "v", -1, 0) \
    X(SIG_I64_I64__I32, "II", "i", -1, 0) \
    X(SIG_I64_I64__I64, "II", "I", -1, 0) \
    X(SIG_I64__F32, "I", "f", -1, 0) \
    X(SIG_I64__F64, "I", "F", -1, 0) \
    X(SIG_I64__I32, "I", "i", -1, 0) \
    X(SIG_I64__I64, "I", "I", -1, 0) \
    X(SIG_I64__V128, "I", "v", -1, 0) \
    X(SIG_L16_V128_I32__V128, "vi", "v", -1, 16) \
    X(SIG_L16_V128__I32, "v", "i", -1, 16) \
    X(SIG_L2_V128_F64__V128, "vF", "v", -1, 2) \
    X(SIG_L2_V128_I64__V128, "vI", "v", -1, 2) \
    X(SIG_L2_V128__F64, "v", "F", -1, 2) \
    X(SIG_L2_V128__I64, "v", "I", -1, 2) \
    X(SIG_L4_V128_F32__V128, "vf", "v", -1, 4) \
    X(SIG_L4_V128_I32__V128, "vi", "v", -1, 4) \
    X(SIG_L4_V128__F32, "v", "f", -1, 4) \
    X(SIG_L4_V128__I32, "v", "i", -1, 4) \
    X(SIG_L8_V128_I32__V128, "vi", "v", -1, 8) \
    X(SIG_L8_V128__I32, "v", "i", -1, 8) \
    X(SIG_M128_I32_V128__NONE, "iv", "", 4, 0) \
    X(SIG_M128_I32__V128, "i", "v", 4, 0) \
    X(SIG_M16_I32_I32_I32__I32, "iii", "i", 1, 0) \
    X(SIG_M16_I32_I32__I32, "ii", "i", 1, 0) \
    X(SIG_M16_I32_I32__NONE, "ii", "", 1, 0) \
    X(SIG_M16_I32_I64_I64__I64, "iII", "I", 1, 0) \
    X(SIG_M16_I32_I64__I64, "iI", "I", 1, 0) \
    X(SIG_M16_I32_I64__NONE, "iI", "", 1, 0) \
    X(SIG_M16_I32__I32, "i", "i", 1, 0) \
    X(SIG_M16_I32__I64, "i", "I", 1, 0) \
    X(SIG_M16_I32__V128, "i", "v", 1, 0) \
    X(SIG_M16_L8_I32_V128__NONE, "iv", "", 1, 8) \
    X(SIG_M16_L8_I32_V128__V128, "iv", "v", 1, 8) \
    X(SIG_M32_I32_F32__NONE, "if", "", 2, 0) \
    X(SIG_M32_I32_I32_I32__I32, "iii", "i", 2, 0) \
    X(SIG_M32_I32_I32_I64__I32, "iiI", "i", 2, 0) \
    X(SIG_M32_I32_I32__I32, "ii", "i", 2, 0) \
    X(SIG_M32_I32_I32__NONE, "ii", "", 2, 0) \
    X(SIG_M32_I32_I64_I64__I64, "iII", "I", 2, 0) \
    X(SIG_M32_I32_I64__I64, "iI", "I", 2, 0) \
    X(SIG_M32_I32_I64__NONE, "iI", "", 2, 0) \
    X(SIG_M32_I32__F32, "i", "f", 2, 0) \
    X(SIG_M32_I32__I32, "i", "i", 2, 0) \
    X(SIG_M32_I32__I64, "i", "I", 2, 0) \
    X(SIG_M32_I32__V128, "i", "v", 2, 0) \
    X(SIG_M32_L4_I32_V128__NONE, "iv", "", 2, 4) \
    X(SIG_M32_L4_I32_V128__V128, "iv", "v", 2, 4) \
    X(SIG_M64_I32_F64__NONE, "iF", "", 3, 0) \
    X(SIG_M64_I32_I64_I64__I32, "iII", "i", 3, 0) \
    X(SIG_M64_I32_I64_I64__I64, "iII", "I", 3, 0) \
    X(SIG_M64_I32_I64__I64, "iI", "I", 3, 0) \
    X(SIG_M64_I32_I64__NONE, "iI", "", 3, 0) \
    X(SIG_M64_I32__F64, "i", "F", 3, 0) \
    X(SIG_M64_I32__I64, "i", "I", 3, 0) \
    X(SIG_M64_I32__V128, "i", "v", 3, 0) \
    X(SIG_M64_L2_I32_V128__NONE, "iv", "", 3, 2) \
    X(SIG_M64_L2_I32_V128__V128, "iv", "v", 3, 2) \
    X(SIG_M8_I32_I32_I32__I32, "iii", "i", 0, 0) \
    X(SIG_M8_I32_I32__I32, "ii", "i", 0, 0) \
    X(SIG_M8_I32_I32__NONE, "ii", "", 0, 0) \
    X(SIG_M8_I32_I64_I64__I64, "iII", "I", 0, 0) \
    X(SIG_M8_I32_I64__I64, "iI", "I", 0, 0) \
    X(SIG_M8_I32_I64__NONE, "iI", "", 0, 0) \
    X(SIG_M8_I32__I32, "i", "i", 0, 0) \
    X(SIG_M8_I32__I64, "i", "I", 0, 0) \
    X(SIG_M8_I32__V128, "i", "v", 0, 0) \
    X(SIG_M8_L16_I32_V128__NONE, "iv", "", 0, 16) \
    X(SIG_M8_L16_I32_V128__V128, "iv", "v", 0, 16) \
    X(SIG_NONE__F32, "", "f", -1, 0) \
    X(SIG_NONE__F64, "", "F", -1, 0) \
    X(SIG_NONE__I32, "", "i", -1, 0) \
    X(SIG_NONE__I64, "", "I", -1, 0) \
    X(SIG_NONE__NONE, "", "", -1, 0) \
    X(SIG_NONE__V128, "", "v", -1, 0) \
    X(SIG_V128_I32__V128, "vi", "v", -1, 0) \
    X(SIG_V128_V128_V128__V128, "vvv", "v", -1, 0) \
    X(SIG_V128_V128__V128, "vv", "v", -1, 0) \
    X(SIG_V128__I32, "v", "i", -1, 0) \
    X(SIG_V128__V128, "v", "v", -1, 0)

typedef enum wasm_sig {
#define WASM_SIG_ENUM(tag, params, results, align, lanes) WASM_##tag,
    WASM_SIGNATURES(WASM_SIG_ENUM)
#undef WASM_SIG_ENUM
    WASM_SIG_COUNT
} wasm_sig;

typedef struct wasm_sig_info {
    const char *params;  /* type letters, bottom of stack first */
    const char *results; /* type letters */
    int8_t align_log2;   /* natural alignment of a memory access, or -1 */
    uint8_t lanes;       /* lane count bounding a lane immediate, or 0 */
} wasm_sig_info;

/* The signature of an opcode (wasm_op), and the table behind it. */
wasm_sig wasm_op_sig(unsigned op);
const wasm_sig_info *wasm_sig_get(wasm_sig sig);

#endif /* KILN_WASM_OPSIG_H */
