#!/usr/bin/env python3
"""Writes a .wat module with about 1 MB of compiled code for load_bench.

usage: gen_big_wat.py FUNCS OUT.wat

Each function is a distinct chain of i32/i64 arithmetic and memory traffic
on its parameters (different constants per function, so LLVM cannot merge
them), with a loop so it is not inlined away; every function is exported,
so none is dropped. About 1,000 functions give ~1 MB of x86-64 code at -O0.
"""
import sys

funcs = int(sys.argv[1])
out = open(sys.argv[2], "w")
out.write("(module\n  (memory (export \"memory\") 1)\n")
for f in range(funcs):
    out.write(f'  (func $f{f} (export "f{f}") (param $a i32) (param $b i32) (result i32)\n')
    out.write("    (local $i i32) (local $acc i32)\n")
    out.write("    (loop $l\n")
    for k in range(12):
        c = (f * 131 + k * 7919) % 65521 + 1
        out.write(f"      (local.set $acc (i32.add (local.get $acc) "
                  f"(i32.mul (i32.xor (local.get $a) (i32.const {c})) "
                  f"(i32.rotl (local.get $b) (i32.const {k % 31 + 1})))))\n")
        out.write(f"      (i32.store offset={(k * 4) % 1024} (i32.and (local.get $i) (i32.const 1020)) "
                  f"(i32.sub (local.get $acc) (i32.const {c * 3})))\n")
    out.write("      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n")
    out.write("      (br_if $l (i32.lt_u (local.get $i) (local.get $b))))\n")
    out.write("    (local.get $acc))\n")
out.write(")\n")
