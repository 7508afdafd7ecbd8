/*
 * Unit tests for codegen (compiler/codegen): small modules go through the
 * real pipeline (dec_module, val_module, then per function
 * dec_function_body + val_function + cg_function, then cg_module_finish),
 * and the resulting LLVM IR must verify, name the expected functions and
 * trampolines with the ABI's linkage, and use the expected helpers. The
 * modules are embedded as bytes so the test needs no external tools.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "codegen/codegen.h"
#include "module.h"

/* Generated from this module with wat2wasm 1.0.32:
 * (module
 *   (import "env" "imp" (func $imp (param i32) (result i32)))
 *   (memory 1)
 *   (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
 *   (func $helper (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 3)))
 *   (func (export "callers") (param i32) (result i32)
 *     (call $imp (call $helper (local.get 0))))
 *   (func (export "mem") (param i32) (result i32)
 *     (i32.store offset=8 (local.get 0) (i32.const 1))
 *     (i32.add (i32.load (local.get 0)) (memory.grow (i32.const 1))))
 *   (func (export "pair") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
 * )
 */
static const uint8_t basic_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x13, 0x03, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02,
    0x7f, 0x7e, 0x02, 0x7e, 0x7f, 0x02, 0x0b, 0x01, 0x03, 0x65, 0x6e, 0x76,
    0x03, 0x69, 0x6d, 0x70, 0x00, 0x00, 0x03, 0x06, 0x05, 0x01, 0x00, 0x00,
    0x00, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x07, 0x1e, 0x04, 0x03, 0x61,
    0x64, 0x64, 0x00, 0x01, 0x07, 0x63, 0x61, 0x6c, 0x6c, 0x65, 0x72, 0x73,
    0x00, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x00, 0x04, 0x04, 0x70, 0x61, 0x69,
    0x72, 0x00, 0x05, 0x0a, 0x35, 0x05, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x6a, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x03, 0x6d, 0x0b, 0x08, 0x00,
    0x20, 0x00, 0x10, 0x02, 0x10, 0x00, 0x0b, 0x13, 0x00, 0x20, 0x00, 0x41,
    0x01, 0x36, 0x02, 0x08, 0x20, 0x00, 0x28, 0x02, 0x00, 0x41, 0x01, 0x40,
    0x00, 0x6a, 0x0b, 0x06, 0x00, 0x20, 0x01, 0x20, 0x00, 0x0b,
};

/* Every numeric and conversion instruction of wasm 2.0 (i32/i64/f32/f64
 * arithmetic, comparisons, bit ops, trapping and saturating truncation,
 * convert, demote/promote, reinterpret, sign extension). */
static const uint8_t numeric_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x26, 0x06, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7e, 0x7e, 0x01, 0x7e, 0x60,
    0x02, 0x7d, 0x7d, 0x01, 0x7d, 0x60, 0x02, 0x7c, 0x7c, 0x01, 0x7c, 0x60,
    0x02, 0x7c, 0x7d, 0x01, 0x7f, 0x60, 0x03, 0x7e, 0x7d, 0x7c, 0x01, 0x7e,
    0x03, 0x07, 0x06, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x07, 0x33, 0x06,
    0x06, 0x69, 0x33, 0x32, 0x6f, 0x70, 0x73, 0x00, 0x00, 0x06, 0x69, 0x36,
    0x34, 0x6f, 0x70, 0x73, 0x00, 0x01, 0x06, 0x66, 0x33, 0x32, 0x6f, 0x70,
    0x73, 0x00, 0x02, 0x06, 0x66, 0x36, 0x34, 0x6f, 0x70, 0x73, 0x00, 0x03,
    0x04, 0x66, 0x63, 0x6d, 0x70, 0x00, 0x04, 0x04, 0x63, 0x6f, 0x6e, 0x76,
    0x00, 0x05, 0x0a, 0x9b, 0x04, 0x06, 0x83, 0x01, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x6d, 0x20, 0x00, 0x20, 0x01, 0x6e, 0x6a, 0x20, 0x00, 0x20, 0x01,
    0x6f, 0x20, 0x00, 0x20, 0x01, 0x70, 0x6a, 0x6a, 0x20, 0x00, 0x20, 0x01,
    0x74, 0x73, 0x20, 0x00, 0x20, 0x01, 0x75, 0x72, 0x20, 0x00, 0x20, 0x01,
    0x76, 0x71, 0x20, 0x00, 0x20, 0x01, 0x77, 0x6b, 0x20, 0x00, 0x20, 0x01,
    0x78, 0x6c, 0x20, 0x00, 0x67, 0x6a, 0x20, 0x00, 0x68, 0x6a, 0x20, 0x00,
    0x69, 0x6a, 0x20, 0x00, 0x45, 0x6a, 0x20, 0x00, 0x20, 0x01, 0x46, 0x6a,
    0x20, 0x00, 0x20, 0x01, 0x47, 0x6a, 0x20, 0x00, 0x20, 0x01, 0x48, 0x6a,
    0x20, 0x00, 0x20, 0x01, 0x49, 0x6a, 0x20, 0x00, 0x20, 0x01, 0x4a, 0x6a,
    0x20, 0x00, 0x20, 0x01, 0x4b, 0x6a, 0x20, 0x00, 0x20, 0x01, 0x4c, 0x6a,
    0x20, 0x00, 0x20, 0x01, 0x4d, 0x6a, 0x20, 0x00, 0x20, 0x01, 0x4e, 0x6a,
    0x20, 0x00, 0x20, 0x01, 0x4f, 0x6a, 0x0b, 0x56, 0x00, 0x20, 0x00, 0x20,
    0x01, 0x7f, 0x20, 0x00, 0x20, 0x01, 0x80, 0x7c, 0x20, 0x00, 0x20, 0x01,
    0x81, 0x20, 0x00, 0x20, 0x01, 0x82, 0x7c, 0x7c, 0x20, 0x00, 0x20, 0x01,
    0x86, 0x85, 0x20, 0x00, 0x20, 0x01, 0x87, 0x84, 0x20, 0x00, 0x20, 0x01,
    0x88, 0x83, 0x20, 0x00, 0x20, 0x01, 0x89, 0x7d, 0x20, 0x00, 0x20, 0x01,
    0x8a, 0x7e, 0x20, 0x00, 0x79, 0x7c, 0x20, 0x00, 0x7a, 0x7c, 0x20, 0x00,
    0x7b, 0x7c, 0x20, 0x00, 0x50, 0xad, 0x7c, 0x20, 0x00, 0x20, 0x01, 0x53,
    0xac, 0x7c, 0x20, 0x00, 0x20, 0x01, 0x5a, 0xad, 0x7c, 0x0b, 0x2c, 0x00,
    0x20, 0x00, 0x20, 0x01, 0x92, 0x20, 0x00, 0x20, 0x01, 0x93, 0x94, 0x20,
    0x00, 0x20, 0x01, 0x95, 0x96, 0x20, 0x00, 0x20, 0x01, 0x97, 0x98, 0x8b,
    0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91, 0x43, 0x01, 0x00, 0xa0, 0x7f, 0x92,
    0x43, 0x01, 0x00, 0x00, 0x80, 0x94, 0x0b, 0x2a, 0x00, 0x20, 0x00, 0x20,
    0x01, 0xa0, 0x20, 0x00, 0x20, 0x01, 0xa1, 0xa2, 0x20, 0x00, 0x20, 0x01,
    0xa3, 0xa4, 0x20, 0x00, 0x20, 0x01, 0xa5, 0xa6, 0x99, 0x9a, 0x9b, 0x9c,
    0x9d, 0x9e, 0x9f, 0x44, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf4, 0xff,
    0xa0, 0x0b, 0x3d, 0x00, 0x20, 0x00, 0x20, 0x00, 0x61, 0x20, 0x00, 0x20,
    0x00, 0x62, 0x6a, 0x20, 0x00, 0x20, 0x00, 0x63, 0x6a, 0x20, 0x00, 0x20,
    0x00, 0x64, 0x6a, 0x20, 0x00, 0x20, 0x00, 0x65, 0x6a, 0x20, 0x00, 0x20,
    0x00, 0x66, 0x6a, 0x20, 0x01, 0x20, 0x01, 0x5b, 0x6a, 0x20, 0x01, 0x20,
    0x01, 0x5c, 0x6a, 0x20, 0x01, 0x20, 0x01, 0x5d, 0x6a, 0x20, 0x01, 0x20,
    0x01, 0x60, 0x6a, 0x0b, 0xa6, 0x01, 0x00, 0x20, 0x00, 0xa7, 0xad, 0x20,
    0x01, 0xa8, 0xac, 0x7c, 0x20, 0x01, 0xa9, 0xad, 0x7c, 0x20, 0x02, 0xaa,
    0xac, 0x7c, 0x20, 0x02, 0xab, 0xad, 0x7c, 0x20, 0x01, 0xae, 0x7c, 0x20,
    0x01, 0xaf, 0x7c, 0x20, 0x02, 0xb0, 0x7c, 0x20, 0x02, 0xb1, 0x7c, 0x20,
    0x01, 0xfc, 0x00, 0xac, 0x7c, 0x20, 0x01, 0xfc, 0x01, 0xad, 0x7c, 0x20,
    0x02, 0xfc, 0x02, 0xac, 0x7c, 0x20, 0x02, 0xfc, 0x03, 0xad, 0x7c, 0x20,
    0x01, 0xfc, 0x04, 0x7c, 0x20, 0x01, 0xfc, 0x05, 0x7c, 0x20, 0x02, 0xfc,
    0x06, 0x7c, 0x20, 0x02, 0xfc, 0x07, 0x7c, 0x20, 0x00, 0xb9, 0x20, 0x00,
    0xba, 0xa0, 0xbd, 0x7c, 0x20, 0x00, 0xa7, 0xb7, 0x20, 0x00, 0xa7, 0xb8,
    0xa0, 0xbd, 0x7c, 0x20, 0x00, 0xb4, 0x20, 0x00, 0xb5, 0x92, 0xbc, 0xad,
    0x7c, 0x20, 0x00, 0xa7, 0xb2, 0x20, 0x00, 0xa7, 0xb3, 0x92, 0xbc, 0xad,
    0x7c, 0x20, 0x00, 0xbf, 0xb6, 0xbb, 0xbd, 0x7c, 0x20, 0x00, 0xa7, 0xbe,
    0xbc, 0xad, 0x7c, 0x20, 0x00, 0xa7, 0xc0, 0xad, 0x7c, 0x20, 0x00, 0xa7,
    0xc1, 0xad, 0x7c, 0x20, 0x00, 0xc2, 0x7c, 0x20, 0x00, 0xc3, 0x7c, 0x20,
    0x00, 0xc4, 0x7c, 0x0b,
};

/* Control and the rest: multi-value blocks and calls, an imported function
 * and global, loop and if with params, br_table with values, dead code after
 * br/unreachable, call_indirect, select, table and reference instructions,
 * bulk memory, start function and a non-escaping function. */
static const uint8_t control_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x36, 0x0a, 0x60,
    0x02, 0x7f, 0x7f, 0x02, 0x7f, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60,
    0x01, 0x7f, 0x03, 0x7f, 0x7f, 0x7e, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
    0x60, 0x03, 0x7f, 0x7c, 0x7c, 0x01, 0x7c, 0x60, 0x02, 0x7f, 0x6f, 0x01,
    0x7f, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x01, 0x70, 0x60, 0x00, 0x01,
    0x7f, 0x60, 0x00, 0x00, 0x02, 0x12, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x01,
    0x67, 0x03, 0x7e, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x68, 0x00, 0x00,
    0x03, 0x10, 0x0f, 0x00, 0x01, 0x02, 0x01, 0x03, 0x01, 0x01, 0x03, 0x04,
    0x05, 0x06, 0x07, 0x08, 0x09, 0x01, 0x04, 0x07, 0x02, 0x70, 0x00, 0x04,
    0x6f, 0x00, 0x02, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x0d, 0x01, 0x7c,
    0x01, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x0b, 0x07,
    0x65, 0x0b, 0x02, 0x6d, 0x76, 0x00, 0x03, 0x09, 0x6c, 0x6f, 0x6f, 0x70,
    0x70, 0x61, 0x72, 0x61, 0x6d, 0x00, 0x04, 0x07, 0x69, 0x66, 0x70, 0x61,
    0x72, 0x61, 0x6d, 0x00, 0x05, 0x0c, 0x62, 0x72, 0x74, 0x61, 0x62, 0x6c,
    0x65, 0x5f, 0x76, 0x61, 0x6c, 0x73, 0x00, 0x06, 0x0b, 0x6e, 0x65, 0x73,
    0x74, 0x65, 0x64, 0x5f, 0x64, 0x65, 0x61, 0x64, 0x00, 0x07, 0x02, 0x63,
    0x69, 0x00, 0x08, 0x03, 0x73, 0x65, 0x6c, 0x00, 0x09, 0x06, 0x74, 0x61,
    0x62, 0x6c, 0x65, 0x73, 0x00, 0x0a, 0x04, 0x62, 0x75, 0x6c, 0x6b, 0x00,
    0x0b, 0x04, 0x72, 0x65, 0x66, 0x73, 0x00, 0x0c, 0x07, 0x6d, 0x76, 0x62,
    0x6c, 0x6f, 0x63, 0x6b, 0x00, 0x0d, 0x08, 0x01, 0x0e, 0x09, 0x0c, 0x02,
    0x00, 0x41, 0x00, 0x0b, 0x02, 0x01, 0x02, 0x03, 0x00, 0x01, 0x03, 0x0c,
    0x01, 0x02, 0x0a, 0xb7, 0x02, 0x0f, 0x06, 0x00, 0x20, 0x01, 0x20, 0x00,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x0f, 0x00, 0x20,
    0x00, 0x41, 0x02, 0x02, 0x00, 0x10, 0x01, 0x0b, 0x10, 0x00, 0x23, 0x00,
    0x0b, 0x10, 0x00, 0x20, 0x00, 0x03, 0x01, 0x41, 0x01, 0x6b, 0x22, 0x00,
    0x20, 0x00, 0x0d, 0x00, 0x0b, 0x0b, 0x18, 0x00, 0x20, 0x00, 0x20, 0x01,
    0x04, 0x01, 0x41, 0x0a, 0x6a, 0x0b, 0x20, 0x01, 0x04, 0x01, 0x41, 0x03,
    0x6c, 0x05, 0x41, 0x04, 0x6b, 0x0b, 0x0b, 0x15, 0x00, 0x02, 0x7f, 0x02,
    0x7f, 0x41, 0x07, 0x20, 0x00, 0x0e, 0x02, 0x00, 0x01, 0x00, 0x0b, 0x41,
    0xe4, 0x00, 0x6a, 0x0b, 0x0b, 0x2e, 0x00, 0x02, 0x7f, 0x20, 0x00, 0x04,
    0x40, 0x41, 0x05, 0x0c, 0x01, 0x05, 0x00, 0x6a, 0x1a, 0x02, 0x7d, 0x03,
    0x40, 0x41, 0x00, 0x04, 0x40, 0x0b, 0x0b, 0x43, 0x00, 0x00, 0x00, 0x00,
    0x0b, 0x1a, 0x41, 0x01, 0x0e, 0x02, 0x00, 0x00, 0x00, 0x0b, 0x41, 0x09,
    0x0f, 0x6a, 0x0b, 0x0b, 0x09, 0x00, 0x20, 0x01, 0x20, 0x00, 0x11, 0x01,
    0x00, 0x0b, 0x13, 0x00, 0x20, 0x01, 0x20, 0x02, 0x20, 0x00, 0x1b, 0x20,
    0x02, 0x20, 0x01, 0x20, 0x00, 0x1c, 0x01, 0x7c, 0xa0, 0x0b, 0x39, 0x00,
    0x20, 0x00, 0x20, 0x01, 0x26, 0x01, 0x20, 0x00, 0x25, 0x01, 0xd1, 0xfc,
    0x10, 0x00, 0x6a, 0xd2, 0x03, 0x41, 0x02, 0xfc, 0x0f, 0x00, 0x6a, 0x41,
    0x00, 0xd0, 0x70, 0x41, 0x01, 0xfc, 0x11, 0x00, 0x41, 0x00, 0x41, 0x01,
    0x41, 0x01, 0xfc, 0x0e, 0x00, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00,
    0xfc, 0x0c, 0x01, 0x00, 0xfc, 0x0d, 0x01, 0x0b, 0x37, 0x00, 0x20, 0x00,
    0x41, 0x00, 0x41, 0x10, 0xfc, 0x0b, 0x00, 0x20, 0x00, 0x41, 0x08, 0x41,
    0x04, 0xfc, 0x0a, 0x00, 0x00, 0x20, 0x00, 0x41, 0x00, 0x41, 0x03, 0xfc,
    0x08, 0x01, 0x00, 0xfc, 0x09, 0x01, 0x23, 0x01, 0x44, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0xf0, 0x3f, 0xa0, 0x24, 0x01, 0x23, 0x00, 0x42, 0x01,
    0x7c, 0x24, 0x00, 0x0b, 0x04, 0x00, 0xd2, 0x03, 0x0b, 0x0a, 0x00, 0x41,
    0x01, 0x41, 0x02, 0x02, 0x03, 0x6a, 0x0b, 0x0b, 0x02, 0x00, 0x0b, 0x04,
    0x00, 0x20, 0x00, 0x0b, 0x0b, 0x11, 0x02, 0x01, 0x05, 0x68, 0x65, 0x6c,
    0x6c, 0x6f, 0x01, 0x07, 0x70, 0x61, 0x73, 0x73, 0x69, 0x76, 0x65,
};

/* A loop of call_indirect, from this module with wat2wasm 1.0.32:
 * (module
 *   (type $t (func (param i32) (result i32)))
 *   (table (export "t") 2 funcref)   ;; exported: not sealed
 *   (elem (i32.const 0) $a $a)
 *   (func $a (type $t) (i32.add (local.get 0) (i32.const 1)))
 *   (func (export "loop") (param i32) (result i32) (local i32)
 *     (loop $l
 *       (local.set 1 (call_indirect (type $t) (local.get 1)
 *                                   (i32.and (local.get 0) (i32.const 1))))
 *       (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
 *     (local.get 1)))
 */
static const uint8_t indirect_loop_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x00, 0x04, 0x04, 0x01,
    0x70, 0x00, 0x02, 0x07, 0x0c, 0x02, 0x01, 0x74, 0x01, 0x00, 0x04, 0x6c,
    0x6f, 0x6f, 0x70, 0x00, 0x01, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b,
    0x02, 0x00, 0x00, 0x0a, 0x28, 0x02, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01,
    0x6a, 0x0b, 0x1e, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00,
    0x41, 0x01, 0x71, 0x11, 0x00, 0x00, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01,
    0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b,
};

/* The same module with its table not exported: sealed (cg_table.c). */
static const uint8_t sealed_loop_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x00, 0x04, 0x04, 0x01,
    0x70, 0x00, 0x02, 0x07, 0x08, 0x01, 0x04, 0x6c, 0x6f, 0x6f, 0x70, 0x00,
    0x01, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x0a,
    0x28, 0x02, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x0b, 0x1e, 0x01,
    0x01, 0x7f, 0x03, 0x40, 0x20, 0x01, 0x20, 0x00, 0x41, 0x01, 0x71, 0x11,
    0x00, 0x00, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d,
    0x00, 0x0b, 0x20, 0x01, 0x0b,
};

/* The same with the call under an if, so LICM must speculate the table
 * definition's load to hoist it:
 *   (func (export "loop") (param i32) (result i32) (local i32)
 *     (loop $l
 *       (if (i32.and (local.get 0) (i32.const 2))
 *         (then (local.set 1 (call_indirect (type $t) (local.get 1)
 *                                           (i32.and (local.get 0) (i32.const 1))))))
 *       (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
 *     (local.get 1))
 */
static const uint8_t indirect_cond_loop_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x03, 0x03, 0x02, 0x00, 0x00, 0x04, 0x04, 0x01,
    0x70, 0x00, 0x02, 0x07, 0x0c, 0x02, 0x01, 0x74, 0x01, 0x00, 0x04, 0x6c,
    0x6f, 0x6f, 0x70, 0x00, 0x01, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b,
    0x02, 0x00, 0x00, 0x0a, 0x30, 0x02, 0x07, 0x00, 0x20, 0x00, 0x41, 0x01,
    0x6a, 0x0b, 0x26, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x00, 0x41, 0x02,
    0x71, 0x04, 0x40, 0x20, 0x01, 0x20, 0x00, 0x41, 0x01, 0x71, 0x11, 0x00,
    0x00, 0x21, 0x01, 0x0b, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d,
    0x00, 0x0b, 0x20, 0x01, 0x0b,
};

/* ---- pipeline ----------------------------------------------------------- */

typedef struct compiled {
    LLVMContextRef ctx;
    wasm_module *module;
    cg_module *cgm;
    char *ir; /* LLVMPrintModuleToString, after finish */
} compiled;

static cg_config config_for(unsigned pointer_width, kiln_bounds_mode bounds)
{
    cg_config c;
    memset(&c, 0, sizeof c); /* every field not set below is off or zero */
    c.triple = pointer_width == 8 ? "x86_64-unknown-linux-gnu" : "i686-unknown-linux-gnu";
    c.layout = NULL;
    c.pointer_width = pointer_width;
    c.bounds = bounds;
    c.opt_level = 2;
    return c;
}

/* Runs the whole pipeline; returns the status of the first failing step. */
static kiln_status compile(const uint8_t *bytes, size_t size, const cg_config *config,
                           compiled *out, kiln_error *err)
{
    memset(out, 0, sizeof *out);
    out->ctx = LLVMContextCreate();
    kiln_status st = dec_module(bytes, size, &out->module, err);
    assert_int_equal(st, KILN_OK);
    assert_int_equal(val_module(out->module, err), KILN_OK);
    st = cg_module_new(out->ctx, out->module, config, &out->cgm, err);
    if (st != KILN_OK)
        return st;
    const wasm_module *m = out->module;
    for (uint32_t i = m->func_import_count; i < m->func_count; i++) {
        wasm_body body;
        assert_int_equal(dec_function_body(m, i, &body, err), KILN_OK);
        assert_int_equal(val_function(m, &body, err), KILN_OK);
        st = cg_function(out->cgm, &body, err);
        dec_body_free(&body);
        if (st != KILN_OK)
            return st;
    }
    st = cg_module_finish(out->cgm, err);
    if (st == KILN_OK)
        out->ir = LLVMPrintModuleToString(cg_module_llvm(out->cgm));
    return st;
}

static void release(compiled *c)
{
    if (c->ir)
        LLVMDisposeMessage(c->ir);
    cg_module_free(c->cgm);
    dec_module_free(c->module);
    LLVMContextDispose(c->ctx);
}

static void compile_ok(const uint8_t *bytes, size_t size, const cg_config *config,
                       compiled *out)
{
    kiln_error err = {0};
    kiln_status st = compile(bytes, size, config, out, &err);
    if (st != KILN_OK)
        fail_msg("compile failed: %s", err.message);
}

static void assert_ir_has(const compiled *c, const char *needle)
{
    if (!strstr(c->ir, needle))
        fail_msg("IR lacks \"%s\"", needle);
}

static void assert_ir_lacks(const compiled *c, const char *needle)
{
    if (strstr(c->ir, needle))
        fail_msg("IR unexpectedly has \"%s\"", needle);
}

/* The text of one function's definition, up to its closing brace. */
static char *function_text(const compiled *c, const char *symbol)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "@%s(", symbol);
    const char *start = strstr(c->ir, pattern);
    if (!start)
        fail_msg("no function %s", symbol);
    const char *end = strstr(start, "\n}\n");
    assert_non_null(end);
    size_t n = (size_t)(end - start);
    char *text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, start, n);
    text[n] = 0;
    return text;
}

static void assert_optimised_module_verifies(compiled *c)
{
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMErrorRef e = LLVMRunPasses(cg_module_llvm(c->cgm), "default<O2>", NULL, opts);
    LLVMDisposePassBuilderOptions(opts);
    if (e) {
        char *msg = LLVMGetErrorMessage(e);
        fail_msg("passes failed: %s", msg);
    }
    char *msg = NULL;
    int broken = LLVMVerifyModule(cg_module_llvm(c->cgm), LLVMReturnStatusAction, &msg);
    if (broken)
        fail_msg("optimised module broken: %s", msg);
    LLVMDisposeMessage(msg);
}

/* ---- tests --------------------------------------------------------------- */

static void test_codegen_basic_functions_and_linkage(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    /* Exported: external hidden; the unexported helper is internal. */
    assert_ir_has(&c, "define hidden i32 @kiln_f1(ptr nonnull align 16 dereferenceable(");
    assert_ir_has(&c, "%vmctx, i32 %0, i32 %1)");
    assert_ir_has(&c, "define internal i32 @kiln_f2(ptr nonnull align 16 dereferenceable(");
    assert_ir_has(&c, "define hidden i32 @kiln_f3(");
    /* Several results go through the caller's result area, the last
     * parameter (format 3; the struct return of format 2 was quadratic). */
    assert_ir_has(&c, "define hidden void @kiln_f5(ptr nonnull align 16 dereferenceable(");
    assert_ir_has(&c, "%vmctx, i32 %0, i64 %1, ptr %2)");
    /* The import has no kiln_f symbol: calls go through the vmctx slot. */
    assert_ir_lacks(&c, "@kiln_f0(");
    assert_ir_has(&c, "\"frame-pointer\"=\"non-leaf\"");
    assert_ir_lacks(&c, "uwtable");
    assert_ir_has(&c, "target triple = \"x86_64-unknown-linux-gnu\"");
    release(&c);
}

static void test_codegen_trampolines(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    /* An entry trampoline for each exported function's type (here every
     * type), a host trampoline for the import's type only. */
    for (uint32_t t = 0; t < c.module->type_count; t++) {
        char name[48];
        snprintf(name, sizeof name, "define hidden void @kiln_entry_t%u(ptr", t);
        assert_ir_has(&c, name);
    }
    uint32_t import_type = c.module->funcs[0].type_index;
    char host[64];
    snprintf(host, sizeof host, "define hidden i32 @kiln_host_t%u(ptr %%0, i32 %%1)", import_type);
    assert_ir_has(&c, host);
    for (uint32_t t = 0; t < c.module->type_count; t++) {
        if (t == import_type)
            continue;
        char name[32];
        snprintf(name, sizeof name, "@kiln_host_t%u(", t);
        assert_ir_lacks(&c, name);
    }
    char host_name[32];
    snprintf(host_name, sizeof host_name, "kiln_host_t%u", import_type);
    char *text = function_text(&c, host_name);
    assert_non_null(strstr(text, "%dispatch = load ptr, ptr %0"));
    assert_non_null(strstr(text, "call void %dispatch(ptr %0, ptr %slots)"));
    free(text);
    release(&c);
}

/* (module (type (func (param i32) (result i32))) (type (func))
 *         (type (func (param f64) (result f64))) (func (export "f") (type 1)))
 * Only type 1 belongs to a function the host calls: types 0 and 2 get no
 * entry trampoline (one per type made a module of 1,000,000 types and no
 * functions compile for more than 600 s). */
static const uint8_t unused_types_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x03, 0x60, 0x01, 0x7f,
    0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7c, 0x01, 0x7c, 0x03, 0x02, 0x01, 0x01,
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};

static void test_codegen_entry_trampolines_only_for_called_types(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(unused_types_wasm, sizeof unused_types_wasm, &config, &c);
    assert_ir_has(&c, "define hidden void @kiln_entry_t1(ptr");
    assert_ir_lacks(&c, "@kiln_entry_t0(");
    assert_ir_lacks(&c, "@kiln_entry_t2(");
    release(&c);
}

/* Appends v as unsigned LEB128. */
static size_t put_leb(uint8_t *p, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t byte = (uint8_t)(v & 0x7F);
        v >>= 7;
        p[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    return n;
}

/* (func (export "run") (param i32) (result i32)): blocks nested `blocks`
 * deep, a br_table sending index k to block k, and block k returning k:
 * the function's return label is reached from `blocks` distinct blocks. */
static uint8_t *fan_in_module(uint32_t blocks, size_t *size)
{
    size_t cap = 64 + (size_t)blocks * 10;
    uint8_t *body = malloc(cap), *m = malloc(cap + 64);
    assert_non_null(body);
    assert_non_null(m);
    size_t n = 0;
    body[n++] = 0; /* no locals */
    for (uint32_t k = 0; k <= blocks; k++)
        body[n++] = 0x02, body[n++] = 0x40;
    body[n++] = 0x20, body[n++] = 0, body[n++] = 0x0E;
    n += put_leb(body + n, blocks);
    for (uint32_t k = 0; k < blocks; k++)
        n += put_leb(body + n, k);
    n += put_leb(body + n, blocks);
    body[n++] = 0x0B;
    for (uint32_t k = 0; k < blocks; k++) {
        body[n++] = 0x41; /* i32.const k (k < 2^13: two-byte signed LEB) */
        body[n++] = (uint8_t)(0x80 | (k & 0x7F));
        body[n++] = (uint8_t)((k >> 7) & 0x3F);
        body[n++] = 0x0F, body[n++] = 0x0B;
    }
    body[n++] = 0x41, body[n++] = 0x7F, body[n++] = 0x0B;
    static const uint8_t head[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                   0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
                                   0x03, 0x02, 0x01, 0x00,
                                   0x07, 0x07, 0x01, 0x03, 'r', 'u', 'n', 0x00, 0x00};
    size_t at = sizeof head;
    memcpy(m, head, at);
    uint8_t size_buf[5];
    size_t size_len = put_leb(size_buf, (uint32_t)n);
    m[at++] = 0x0A;
    at += put_leb(m + at, (uint32_t)(1 + size_len + n));
    m[at++] = 1;
    memcpy(m + at, size_buf, size_len);
    at += size_len;
    memcpy(m + at, body, n);
    at += n;
    free(body);
    *size = at;
    return m;
}

/* A label with more than 2,048 distinct predecessors keeps its function
 * away from the optimiser (SimplifyCFG and the register coalescer are
 * quadratic in that fan-in: a 65,520-way br_table took minutes) and its
 * values in stack slots; 2,048 stay optimised, with phis. */
static void test_codegen_huge_fan_in_not_optimised(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    size_t size;
    uint8_t *wasm = fan_in_module(2100, &size);
    compiled c;
    compile_ok(wasm, size, &config, &c);
    char *text = function_text(&c, "kiln_f0");
    assert_non_null(strstr(text, "label.slot"));
    assert_null(strstr(text, "phi i32"));
    free(text);
    assert_ir_has(&c, "optnone");
    assert_ir_has(&c, "noinline");
    release(&c);
    free(wasm);

    wasm = fan_in_module(2000, &size);
    compile_ok(wasm, size, &config, &c);
    assert_ir_lacks(&c, "optnone");
    assert_ir_lacks(&c, "label.slot");
    release(&c);
    free(wasm);
}

static void test_codegen_calls_and_stack_check(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    /* kiln_f3 calls the helper and the import: stack check, import slot load. */
    char *callers = function_text(&c, "kiln_f3");
    /* The frame's bottom (sp after the prologue) against the limit, with
     * the trap helper's stack probed first (x86: frames probed). */
    assert_non_null(strstr(callers, "asm \"movq %rsp, $0\""));
    assert_non_null(strstr(callers, "%stack_limit"));
    assert_non_null(strstr(callers, "trap.stack_exhausted"));
    assert_non_null(strstr(callers, "load volatile i8"));
    assert_non_null(strstr(callers, "call i32 @kiln_f2(ptr %vmctx"));
    assert_non_null(strstr(callers, "%import.code = load ptr"));
    assert_non_null(strstr(callers, "call i32 %import.code(ptr %import.vmctx"));
    free(callers);
    /* kiln_f1 calls nothing: no stack check. */
    char *add = function_text(&c, "kiln_f1");
    assert_null(strstr(add, "stack_limit"));
    free(add);
    /* The helper divides: the zero-divisor trap block calls the trap
     * helper, so it checks the stack too. */
    char *div = function_text(&c, "kiln_f2");
    assert_non_null(strstr(div, "trap.div_by_zero"));
    assert_non_null(strstr(div, "%stack_limit"));
    free(div);
    assert_ir_has(&c, "\"probe-stack\"=\"inline-asm\"");
    release(&c);
}

/* True when bb lies on a cycle of f's control-flow graph (it can reach
 * itself); functions here have a few blocks, so a plain search will do. */
static bool block_in_loop(LLVMValueRef f, LLVMBasicBlockRef bb)
{
    unsigned n = LLVMCountBasicBlocks(f);
    LLVMBasicBlockRef *blocks = calloc(n, sizeof *blocks);
    bool *seen = calloc(n, sizeof *seen);
    LLVMBasicBlockRef *work = calloc(n + 1, sizeof *work);
    assert_true(blocks && seen && work);
    LLVMGetBasicBlocks(f, blocks);
    unsigned top = 0;
    bool found = false;
    work[top++] = bb;
    while (top > 0 && !found) {
        LLVMValueRef term = LLVMGetBasicBlockTerminator(work[--top]);
        for (unsigned s = 0; term && s < LLVMGetNumSuccessors(term); s++) {
            LLVMBasicBlockRef succ = LLVMGetSuccessor(term, s);
            if (succ == bb) {
                found = true;
                break;
            }
            for (unsigned i = 0; i < n; i++)
                if (blocks[i] == succ && !seen[i]) {
                    seen[i] = true;
                    work[top++] = succ;
                }
        }
    }
    free(work);
    free(seen);
    free(blocks);
    return found;
}

/* The facts of DESIGN.md "Facts given to the optimiser": vmctx is
 * dereferenceable, the table definition and type-id array pointers too, so
 * after optimisation no invariant vmctx-side load of the call_indirect
 * loop (table definition, type ids, the expected id) stays in the loop
 * (the type ids and expected id sat behind the checks' trap branches, where
 * only a dereferenceable pointer may be speculated). */
static void test_codegen_call_indirect_invariants_leave_loop(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(indirect_loop_wasm, sizeof indirect_loop_wasm, &config, &c);
    assert_ir_has(&c, "define hidden i32 @kiln_f1(ptr nonnull align 16 dereferenceable(");
    assert_ir_has(&c, "!dereferenceable");
    assert_optimised_module_verifies(&c);
    LLVMValueRef f = LLVMGetNamedFunction(cg_module_llvm(c.cgm), "kiln_f1");
    assert_non_null(f);
    unsigned invariant = LLVMGetMDKindID("invariant.load", 14);
    unsigned outside = 0, inside = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f); bb; bb = LLVMGetNextBasicBlock(bb)) {
        bool loop = block_in_loop(f, bb);
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in)) {
            if (!LLVMIsALoadInst(in) || !LLVMGetMetadata(in, invariant))
                continue;
            if (loop)
                inside++;
            else
                outside++;
        }
    }
    /* stack limit, table definition, type-id array, expected id */
    assert_true(outside >= 3);
    assert_int_equal(inside, 0);
    release(&c);
}

/* A vmctx load LICM speculated out of a loop loses its TBAA tag; the
 * loads-whole pass still knows it for a vmctx field (vmctx plus a
 * constant), not a guarded memory load, and leaves it ordinary. */
static void test_codegen_speculated_vmctx_load_not_volatile(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(indirect_cond_loop_wasm, sizeof indirect_cond_loop_wasm, &config, &c);
    assert_optimised_module_verifies(&c);
    cg_module_keep_loads_whole(c.cgm);
    LLVMDisposeMessage(c.ir);
    c.ir = LLVMPrintModuleToString(cg_module_llvm(c.cgm));
    char *loop = function_text(&c, "kiln_f1");
    /* the table definition, hoisted without its tag */
    assert_non_null(strstr(loop, "%table = load ptr, ptr"));
    assert_null(strstr(loop, "load volatile ptr"));
    free(loop);
    release(&c);
}

/* A table nothing but instantiation writes (not exported, no table.set/
 * grow/fill/copy/init) is sealed: call_indirect becomes a switch on the
 * index with direct calls, loading no funcref record and comparing no type
 * id at run time. Exported, the same table keeps the generic path. */
static void test_codegen_sealed_table_calls_directly(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(sealed_loop_wasm, sizeof sealed_loop_wasm, &config, &c);
    char *loop = function_text(&c, "kiln_f1");
    assert_non_null(strstr(loop, "switch i32"));
    assert_non_null(strstr(loop, "call i32 @kiln_f0(ptr %vmctx"));
    assert_null(strstr(loop, "funcref"));
    assert_null(strstr(loop, "type_ids"));
    free(loop);
    release(&c);

    compile_ok(indirect_loop_wasm, sizeof indirect_loop_wasm, &config, &c);
    loop = function_text(&c, "kiln_f1");
    assert_non_null(strstr(loop, "%funcref = load ptr"));
    assert_non_null(strstr(loop, "type_ids"));
    free(loop);
    release(&c);
}

/* Every helper's LLVM type comes from its C signature in KILN_HELPERS: the
 * parameter count of the list, vmctx first, the right result. */
static void test_codegen_helper_types_from_abi_list(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    LLVMContextRef ctx = LLVMGetModuleContext(cg_module_llvm(c.cgm));
#define PARAM_COUNT(ID, id, fn, name, result, params) [id] = #params,
    static const char *const params_text[KILN_HELPER_COUNT] = {KILN_HELPERS(PARAM_COUNT)};
#undef PARAM_COUNT
    for (unsigned id = 0; id < KILN_HELPER_COUNT; id++) {
        LLVMTypeRef fty = cg_helper_type(c.cgm, (kiln_helper_id)id);
        assert_non_null(fty);
        unsigned commas = 0;
        for (const char *p = params_text[id]; *p; p++)
            commas += *p == ',';
        assert_int_equal(LLVMCountParamTypes(fty), commas + 1);
        LLVMTypeRef params[8];
        LLVMGetParamTypes(fty, params);
        assert_true(params[0] == LLVMPointerTypeInContext(ctx, 0));
    }
    LLVMTypeRef grow = cg_helper_type(c.cgm, KILN_HELPER_MEMORY_GROW);
    assert_true(LLVMGetReturnType(grow) == LLVMInt32TypeInContext(ctx));
    LLVMTypeRef ref = cg_helper_type(c.cgm, KILN_HELPER_FUNC_REF);
    assert_true(LLVMGetReturnType(ref) == LLVMPointerTypeInContext(ctx, 0));
    LLVMTypeRef wait64 = cg_helper_type(c.cgm, KILN_HELPER_ATOMIC_WAIT64);
    LLVMTypeRef wait_params[5];
    LLVMGetParamTypes(wait64, wait_params);
    assert_true(wait_params[3] == LLVMInt64TypeInContext(ctx));
    assert_true(wait_params[4] == LLVMInt64TypeInContext(ctx));
    assert_true(LLVMGetReturnType(cg_helper_type(c.cgm, KILN_HELPER_TRAP)) ==
                LLVMVoidTypeInContext(ctx));
    assert_null(cg_helper_type(c.cgm, KILN_HELPER_COUNT));
    release(&c);
}

static void test_codegen_helpers_used(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    assert_int_equal(cg_module_helpers_used(c.cgm),
                     (UINT64_C(1) << KILN_HELPER_TRAP) | (UINT64_C(1) << KILN_HELPER_MEMORY_GROW));
    release(&c);

    compile_ok(control_wasm, sizeof control_wasm, &config, &c);
    uint64_t used = cg_module_helpers_used(c.cgm);
    assert_true(used & (UINT64_C(1) << KILN_HELPER_MEMORY_FILL));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_MEMORY_COPY));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_MEMORY_INIT));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_DATA_DROP));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_TABLE_GROW));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_TABLE_FILL));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_TABLE_COPY));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_TABLE_INIT));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_ELEM_DROP));
    assert_true(used & (UINT64_C(1) << KILN_HELPER_FUNC_REF));
    assert_false(used & (UINT64_C(1) << KILN_HELPER_ATOMIC_WAIT32));
    release(&c);
}

static void test_codegen_guard_mode_has_no_bounds_checks(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    char *mem = function_text(&c, "kiln_f4");
    assert_null(strstr(mem, "trap.oob_memory"));
    /* Base loaded once, invariant; accesses are align 1. */
    assert_non_null(strstr(mem, "%mem0_base = load ptr, ptr %vmctx, align 8, !tbaa"));
    assert_non_null(strstr(mem, "!invariant.load"));
    assert_non_null(strstr(mem, "store i32 1, ptr %ea, align 1"));
    free(mem);
    release(&c);
}

static void test_codegen_guard_mode_keeps_loads_whole(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    /* Before the late pass the memory load is an ordinary load. */
    char *mem = function_text(&c, "kiln_f4");
    assert_null(strstr(mem, "load volatile i32"));
    free(mem);
    cg_module_keep_loads_whole(c.cgm);
    LLVMDisposeMessage(c.ir);
    c.ir = LLVMPrintModuleToString(cg_module_llvm(c.cgm));
    mem = function_text(&c, "kiln_f4");
    /* Linear memory: volatile, so the back end cannot narrow it. vmctx
     * words and locals stay ordinary loads. */
    assert_non_null(strstr(mem, "load volatile i32, ptr"));
    assert_null(strstr(mem, "load volatile ptr, ptr %vmctx"));
    free(mem);
    release(&c);

    /* Explicit mode checks the whole access first: nothing is marked. */
    config = config_for(8, KILN_BOUNDS_EXPLICIT);
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    cg_module_keep_loads_whole(c.cgm);
    LLVMDisposeMessage(c.ir);
    c.ir = LLVMPrintModuleToString(cg_module_llvm(c.cgm));
    assert_ir_lacks(&c, "load volatile i32");
    release(&c);
}

static void test_codegen_explicit_mode_checks_bounds(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_EXPLICIT);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    char *mem = function_text(&c, "kiln_f4");
    assert_non_null(strstr(mem, "trap.oob_memory"));
    /* store at offset 8, 4 bytes: end = addr + 12 */
    assert_non_null(strstr(mem, "add i64 %"));
    assert_non_null(strstr(mem, ", 12"));
    assert_non_null(strstr(mem, "icmp ugt i64"));
    free(mem);
    assert_optimised_module_verifies(&c);
    release(&c);
}

static void test_codegen_explicit_mode_32bit(void **state)
{
    (void)state;
    cg_config config = config_for(4, KILN_BOUNDS_EXPLICIT);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    assert_ir_has(&c, "target triple = \"i686-unknown-linux-gnu\"");
    char *mem = function_text(&c, "kiln_f4");
    assert_non_null(strstr(mem, "trap.oob_memory"));
    assert_non_null(strstr(mem, "%mem0_bound = load i32"));
    free(mem);
    release(&c);

    compile_ok(control_wasm, sizeof control_wasm, &config, &c);
    assert_optimised_module_verifies(&c);
    release(&c);
}

static void test_codegen_guard_mode_needs_64bit(void **state)
{
    (void)state;
    cg_config config = config_for(4, KILN_BOUNDS_GUARD);
    compiled c;
    kiln_error err = {0};
    assert_int_equal(compile(basic_wasm, sizeof basic_wasm, &config, &c, &err),
                     KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "guard"));
    assert_null(c.cgm);
    release(&c);
}

static void test_codegen_bad_pointer_width(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    config.pointer_width = 2;
    compiled c;
    kiln_error err = {0};
    assert_int_equal(compile(basic_wasm, sizeof basic_wasm, &config, &c, &err),
                     KILN_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "pointer width"));
    release(&c);
}

static void test_codegen_numeric_all_instructions(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        cg_config config = config_for(8, mode ? KILN_BOUNDS_EXPLICIT : KILN_BOUNDS_GUARD);
        compiled c;
        compile_ok(numeric_wasm, sizeof numeric_wasm, &config, &c);
        assert_ir_has(&c, "@llvm.minimum.f32");
        assert_ir_has(&c, "@llvm.maximum.f64");
        assert_ir_has(&c, "@llvm.roundeven.f64");
        assert_ir_has(&c, "@llvm.ctlz.i32(i32 %");
        assert_ir_has(&c, ", i1 false)");
        assert_ir_has(&c, "@llvm.fshl.i64");
        assert_ir_has(&c, "@llvm.fptosi.sat.i32.f32");
        assert_ir_has(&c, "@llvm.fptoui.sat.i64.f64");
        assert_ir_has(&c, "fcmp une double");
        assert_ir_has(&c, "trap.invalid_conversion");
        assert_ir_has(&c, "trap.int_overflow");
        /* No wrap flags on wasm arithmetic. */
        assert_ir_lacks(&c, "add nsw");
        assert_ir_lacks(&c, "mul nsw");
        /* NaN payload constants survive, signalling ones too: f32
         * nan:0x200001 (bits 0x7FA00001), printed by LLVM as a double. */
        assert_ir_has(&c, "0x7FF4000020000000");
        assert_ir_has(&c, "0xFFF4000000000001");
        assert_optimised_module_verifies(&c);
        release(&c);
    }
}

static void test_codegen_control_and_rest(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        cg_config config = config_for(8, mode ? KILN_BOUNDS_EXPLICIT : KILN_BOUNDS_GUARD);
        compiled c;
        compile_ok(control_wasm, sizeof control_wasm, &config, &c);
        /* Multi-value: three results through the result area; the import
         * returns a pair the same way, its host trampoline copies it. */
        assert_ir_has(&c, "define hidden void @kiln_f3(");
        assert_ir_has(&c, "define hidden void @kiln_host_t0(ptr %0, i32 %1, i32 %2, ptr %3)");
        char *host = function_text(&c, "kiln_host_t0");
        assert_non_null(strstr(host, "call void @llvm.memcpy"));
        free(host);
        /* br_table lowered to a switch; call_indirect checks. */
        assert_ir_has(&c, "switch i32");
        assert_ir_has(&c, "trap.undefined_element");
        assert_ir_has(&c, "trap.uninitialized_element");
        assert_ir_has(&c, "trap.indirect_type");
        assert_ir_has(&c, "trap.oob_table");
        assert_ir_has(&c, "trap.unreachable");
        /* The start function and elem-referenced functions escape; the
         * last function is internal. */
        assert_ir_has(&c, "define hidden void @kiln_f14(");
        assert_ir_has(&c, "define hidden void @kiln_f1(");
        assert_ir_has(&c, "define internal i32 @kiln_f15(");
        assert_optimised_module_verifies(&c);
        release(&c);
    }
}

static void test_codegen_finish_without_bodies_fails(void **state)
{
    (void)state;
    LLVMContextRef ctx = LLVMContextCreate();
    wasm_module *m = NULL;
    kiln_error err = {0};
    assert_int_equal(dec_module(basic_wasm, sizeof basic_wasm, &m, &err), KILN_OK);
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    cg_module *cgm = NULL;
    assert_int_equal(cg_module_new(ctx, m, &config, &cgm, &err), KILN_OK);
    assert_int_equal(cg_module_finish(cgm, &err), KILN_ERR_CODEGEN);
    assert_non_null(strstr(err.message, "function 1"));
    cg_module_free(cgm);
    dec_module_free(m);
    LLVMContextDispose(ctx);
}

static void test_codegen_rejects_bad_function_index(void **state)
{
    (void)state;
    LLVMContextRef ctx = LLVMContextCreate();
    wasm_module *m = NULL;
    kiln_error err = {0};
    assert_int_equal(dec_module(basic_wasm, sizeof basic_wasm, &m, &err), KILN_OK);
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    cg_module *cgm = NULL;
    assert_int_equal(cg_module_new(ctx, m, &config, &cgm, &err), KILN_OK);
    wasm_body body = {0};
    body.func_index = 0; /* the import */
    assert_int_equal(cg_function(cgm, &body, &err), KILN_ERR_ARGUMENT);
    body.func_index = 99;
    assert_int_equal(cg_function(cgm, &body, &err), KILN_ERR_ARGUMENT);
    cg_module_free(cgm);
    dec_module_free(m);
    LLVMContextDispose(ctx);
}

static void test_codegen_take_llvm(void **state)
{
    (void)state;
    cg_config config = config_for(8, KILN_BOUNDS_GUARD);
    compiled c;
    compile_ok(basic_wasm, sizeof basic_wasm, &config, &c);
    LLVMModuleRef mod = cg_module_take_llvm(c.cgm);
    assert_non_null(mod);
    assert_null(cg_module_llvm(c.cgm));
    LLVMDisposeMessage(c.ir);
    c.ir = NULL;
    cg_module_free(c.cgm); /* must not dispose the taken module */
    c.cgm = NULL;
    char *msg = NULL;
    assert_int_equal(LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg), 0);
    LLVMDisposeMessage(msg);
    LLVMDisposeModule(mod);
    release(&c);
    cg_module_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codegen_basic_functions_and_linkage),
        cmocka_unit_test(test_codegen_trampolines),
        cmocka_unit_test(test_codegen_entry_trampolines_only_for_called_types),
        cmocka_unit_test(test_codegen_huge_fan_in_not_optimised),
        cmocka_unit_test(test_codegen_calls_and_stack_check),
        cmocka_unit_test(test_codegen_call_indirect_invariants_leave_loop),
        cmocka_unit_test(test_codegen_speculated_vmctx_load_not_volatile),
        cmocka_unit_test(test_codegen_sealed_table_calls_directly),
        cmocka_unit_test(test_codegen_helpers_used),
        cmocka_unit_test(test_codegen_helper_types_from_abi_list),
        cmocka_unit_test(test_codegen_guard_mode_has_no_bounds_checks),
        cmocka_unit_test(test_codegen_guard_mode_keeps_loads_whole),
        cmocka_unit_test(test_codegen_explicit_mode_checks_bounds),
        cmocka_unit_test(test_codegen_explicit_mode_32bit),
        cmocka_unit_test(test_codegen_guard_mode_needs_64bit),
        cmocka_unit_test(test_codegen_bad_pointer_width),
        cmocka_unit_test(test_codegen_numeric_all_instructions),
        cmocka_unit_test(test_codegen_control_and_rest),
        cmocka_unit_test(test_codegen_finish_without_bodies_fails),
        cmocka_unit_test(test_codegen_rejects_bad_function_index),
        cmocka_unit_test(test_codegen_take_llvm),
    };
    return cmocka_run_group_tests_name("codegen", tests, NULL, NULL);
}
