#!/usr/bin/env python3
# Generates the narrowed-load regression test (issue 10, defect 2):
#   tests/e2e/gen_narrow_loads.py tests/wat/narrow_loads.wat tests/e2e/narrow_loads.test
# One exported function per load shape whose value is only partly used (or
# dropped); the test invokes each at the last in-bounds address (expected
# value computed here from the data segment) and 1..N bytes past it (trap).
import sys
MEM = 65536
def byte(a):
    return a - 65520 + 1 if 65520 <= a < MEM else 0
def le(a, n, signed=False):
    v = 0
    for i in range(n):
        v |= byte(a + i) << (8 * i)
    if signed and v >= 1 << (8 * n - 1):
        v -= 1 << (8 * n)
    return v
def s32(v):
    v &= 0xffffffff
    return v - (1 << 32) if v >= 1 << 31 else v
def s64(v):
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >= 1 << 63 else v
def sx(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >= 1 << (bits - 1) else v

# name, access size N, result type, body (with ADDR), expected value fn(a)
Z = "(v128.const i64x2 0 0)"
cases = [
 ("i32.load", 4, "i32", "(i32.load ADDR)", lambda a: s32(le(a, 4))),
 ("i32.load-lo8", 4, "i32", "(i32.and (i32.load ADDR) (i32.const 255))", lambda a: le(a, 1)),
 ("i32.load-lo16", 4, "i32", "(i32.and (i32.load ADDR) (i32.const 65535))", lambda a: le(a, 2)),
 ("i32.load-byte1", 4, "i32", "(i32.and (i32.shr_u (i32.load ADDR) (i32.const 8)) (i32.const 255))", lambda a: byte(a + 1)),
 ("i32.load-hi8", 4, "i32", "(i32.shr_u (i32.load ADDR) (i32.const 24))", lambda a: byte(a + 3)),
 ("i32.load-wrap8", 4, "i32", "(i32.extend8_s (i32.load ADDR))", lambda a: sx(le(a, 1), 8)),
 ("i32.load16_u-lo8", 2, "i32", "(i32.and (i32.load16_u ADDR) (i32.const 255))", lambda a: le(a, 1)),
 ("i32.load16_s-lo8", 2, "i32", "(i32.and (i32.load16_s ADDR) (i32.const 255))", lambda a: le(a, 1)),
 ("i32.load8_u", 1, "i32", "(i32.load8_u ADDR)", lambda a: le(a, 1)),
 ("i64.load", 8, "i64", "(i64.load ADDR)", lambda a: s64(le(a, 8))),
 ("i64.load-lo32", 8, "i32", "(i32.wrap_i64 (i64.load ADDR))", lambda a: s32(le(a, 4))),
 ("i64.load-lo8", 8, "i64", "(i64.and (i64.load ADDR) (i64.const 255))", lambda a: le(a, 1)),
 ("i64.load-lo16", 8, "i32", "(i32.and (i32.wrap_i64 (i64.load ADDR)) (i32.const 65535))", lambda a: le(a, 2)),
 ("i64.load-hi32", 8, "i64", "(i64.shr_u (i64.load ADDR) (i64.const 32))", lambda a: le(a + 4, 4)),
 ("i64.load-byte3", 8, "i64", "(i64.and (i64.shr_u (i64.load ADDR) (i64.const 24)) (i64.const 255))", lambda a: byte(a + 3)),
 ("i64.load-mid16", 8, "i32", "(i32.wrap_i64 (i64.and (i64.shr_u (i64.load ADDR) (i64.const 16)) (i64.const 65535)))", lambda a: le(a + 2, 2)),
 ("i64.load32_u-lo8", 4, "i64", "(i64.and (i64.load32_u ADDR) (i64.const 255))", lambda a: le(a, 1)),
 ("i64.load32_s-lo16", 4, "i32", "(i32.and (i32.wrap_i64 (i64.load32_s ADDR)) (i32.const 65535))", lambda a: le(a, 2)),
 ("i64.load16_u-lo8", 2, "i64", "(i64.and (i64.load16_u ADDR) (i64.const 255))", lambda a: le(a, 1)),
 ("i64.load16_s-lo8", 2, "i32", "(i32.and (i32.wrap_i64 (i64.load16_s ADDR)) (i32.const 255))", lambda a: le(a, 1)),
 ("f32.load-bits-lo8", 4, "i32", "(i32.and (i32.reinterpret_f32 (f32.load ADDR)) (i32.const 255))", lambda a: le(a, 1)),
 ("f32.load-bits", 4, "i32", "(i32.reinterpret_f32 (f32.load ADDR))", lambda a: s32(le(a, 4))),
 ("f64.load-bits-lo32", 8, "i32", "(i32.wrap_i64 (i64.reinterpret_f64 (f64.load ADDR)))", lambda a: s32(le(a, 4))),
 ("f64.load-bits", 8, "i64", "(i64.reinterpret_f64 (f64.load ADDR))", lambda a: s64(le(a, 8))),
 ("v128.load-i8-lane0", 16, "i32", "(i8x16.extract_lane_u 0 (v128.load ADDR))", lambda a: le(a, 1)),
 ("v128.load-i32-lane0", 16, "i32", "(i32x4.extract_lane 0 (v128.load ADDR))", lambda a: s32(le(a, 4))),
 ("v128.load-i32-lane1", 16, "i32", "(i32x4.extract_lane 1 (v128.load ADDR))", lambda a: s32(le(a + 4, 4))),
 ("v128.load-i64-lane0", 16, "i64", "(i64x2.extract_lane 0 (v128.load ADDR))", lambda a: s64(le(a, 8))),
 ("v128.load-f32-lane0", 16, "i32", "(i32.reinterpret_f32 (f32x4.extract_lane 0 (v128.load ADDR)))", lambda a: s32(le(a, 4))),
 ("v128.load-f64-lane0", 16, "i64", "(i64.reinterpret_f64 (f64x2.extract_lane 0 (v128.load ADDR)))", lambda a: s64(le(a, 8))),
 ("v128.load-lanes-0-1", 16, "i64", "(i64.add (i64.extend_i32_u (i32x4.extract_lane 0 (local.tee 1 (v128.load ADDR)))) (i64.extend_i32_u (i32x4.extract_lane 1 (local.get 1))))", lambda a: le(a, 4) + le(a + 4, 4)),
 ("v128.load-all", 16, "i64", "(i64.xor (i64x2.extract_lane 0 (local.tee 1 (v128.load ADDR))) (i64x2.extract_lane 1 (local.get 1)))", lambda a: s64(le(a, 8) ^ le(a + 8, 8))),
 ("v128.load8x8_u-lane0", 8, "i32", "(i16x8.extract_lane_u 0 (v128.load8x8_u ADDR))", lambda a: le(a, 1)),
 ("v128.load8x8_s-lane0", 8, "i32", "(i16x8.extract_lane_s 0 (v128.load8x8_s ADDR))", lambda a: sx(le(a, 1), 8)),
 ("v128.load16x4_u-lane0", 8, "i32", "(i32x4.extract_lane 0 (v128.load16x4_u ADDR))", lambda a: le(a, 2)),
 ("v128.load16x4_s-lane0", 8, "i32", "(i32x4.extract_lane 0 (v128.load16x4_s ADDR))", lambda a: sx(le(a, 2), 16)),
 ("v128.load32x2_u-lane0", 8, "i64", "(i64x2.extract_lane 0 (v128.load32x2_u ADDR))", lambda a: le(a, 4)),
 ("v128.load32x2_s-lane0", 8, "i64", "(i64x2.extract_lane 0 (v128.load32x2_s ADDR))", lambda a: sx(le(a, 4), 32)),
 ("v128.load8_splat", 1, "i32", "(i8x16.extract_lane_u 5 (v128.load8_splat ADDR))", lambda a: le(a, 1)),
 ("v128.load16_splat-i8", 2, "i32", "(i8x16.extract_lane_u 0 (v128.load16_splat ADDR))", lambda a: le(a, 1)),
 ("v128.load32_splat-i8", 4, "i32", "(i8x16.extract_lane_u 0 (v128.load32_splat ADDR))", lambda a: le(a, 1)),
 ("v128.load64_splat-i32", 8, "i32", "(i32x4.extract_lane 2 (v128.load64_splat ADDR))", lambda a: s32(le(a, 4))),
 ("v128.load32_zero-i8", 4, "i32", "(i8x16.extract_lane_u 0 (v128.load32_zero ADDR))", lambda a: le(a, 1)),
 ("v128.load64_zero-i32", 8, "i32", "(i32x4.extract_lane 0 (v128.load64_zero ADDR))", lambda a: s32(le(a, 4))),
 ("v128.load64_zero-i8", 8, "i32", "(i8x16.extract_lane_u 0 (v128.load64_zero ADDR))", lambda a: le(a, 1)),
 ("v128.load8_lane", 1, "i32", "(i8x16.extract_lane_u 3 (v128.load8_lane 3 ADDR " + Z + "))", lambda a: le(a, 1)),
 ("v128.load16_lane-i8", 2, "i32", "(i8x16.extract_lane_u 2 (v128.load16_lane 1 ADDR " + Z + "))", lambda a: le(a, 1)),
 ("v128.load32_lane-i8", 4, "i32", "(i8x16.extract_lane_u 4 (v128.load32_lane 1 ADDR " + Z + "))", lambda a: le(a, 1)),
 ("v128.load64_lane-i32", 8, "i32", "(i32x4.extract_lane 2 (v128.load64_lane 1 ADDR " + Z + "))", lambda a: s32(le(a, 4))),
 ("v128.load64_lane-i8", 8, "i32", "(i8x16.extract_lane_u 8 (v128.load64_lane 1 ADDR " + Z + "))", lambda a: le(a, 1)),
]
drops = [("i64.load-drop", 8, "(drop (i64.load ADDR))"),
         ("v128.load-drop", 16, "(drop (v128.load ADDR))"),
         ("v128.load8x8_u-drop", 8, "(drop (v128.load8x8_u ADDR))"),
         ("f64.load-drop", 8, "(drop (f64.load ADDR))")]

wat = ["(module", "  (memory 1)",
       '  (data (i32.const 65520) "' + "".join("\\%02x" % (i + 1) for i in range(16)) + '")']
test = ["# Partially out-of-bounds loads trap, however LLVM narrows them (issue 10,",
        "# defect 2): every load shape whose value is only partly used, at every",
        "# width, for an access ending 0 (in bounds: the value) and 1..N-1 and N",
        "# bytes past the end of memory (trap). Generated by tests/e2e/gen_narrow_loads.py.",
        "module narrow_loads.wat", "opt-levels 0 2 3"]
for name, n, rt, body, val in cases:
    wat.append('  (func (export "%s") (param i32) (result %s) (local v128)' % (name, rt))
    wat.append("    " + body.replace("ADDR", "(local.get 0)") + ")")
    a0 = MEM - n
    test.append("invoke %s %d => %d" % (name, a0, val(a0)))
    for k in range(1, n + 1):
        test.append("invoke %s %d => trap out of bounds memory access" % (name, a0 + k))
for name, n, body in drops:
    wat.append('  (func (export "%s") (param i32) (result i32)' % name)
    wat.append("    " + body.replace("ADDR", "(local.get 0)") + " (i32.const 7))")
    a0 = MEM - n
    test.append("invoke %s %d => 7" % (name, a0))
    for k in range(1, n + 1):
        test.append("invoke %s %d => trap out of bounds memory access" % (name, a0 + k))
wat.append(")")
open(sys.argv[1], "w").write("\n".join(wat) + "\n")
open(sys.argv[2], "w").write("\n".join(test) + "\n")
