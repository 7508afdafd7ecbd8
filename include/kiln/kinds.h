/*
 * The kinds of wasm values and of imports/exports, with their WebAssembly
 * binary encodings as values: the public API (kiln.h) uses them, and the
 * container (kiln/aot_format.h) stores them as bytes.
 */
#ifndef KILN_KINDS_H
#define KILN_KINDS_H

typedef enum kiln_valkind {
    KILN_I32 = 0x7F,
    KILN_I64 = 0x7E,
    KILN_F32 = 0x7D,
    KILN_F64 = 0x7C,
    KILN_V128 = 0x7B,
    KILN_FUNCREF = 0x70,
    KILN_EXTERNREF = 0x6F
} kiln_valkind;

typedef enum kiln_extern_kind {
    KILN_EXTERN_FUNC = 0,
    KILN_EXTERN_TABLE = 1,
    KILN_EXTERN_MEMORY = 2,
    KILN_EXTERN_GLOBAL = 3
} kiln_extern_kind;

#endif /* KILN_KINDS_H */
