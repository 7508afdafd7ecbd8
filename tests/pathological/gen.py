#!/usr/bin/env python3
"""Writes the pathological-but-valid modules of issue 10 as .wasm files.

usage: gen.py OUTDIR CASE[=N] ...      (no CASE: every case at its full size)

Each case is one module that sits at (or, for the *_over cases, past) an
implementation limit of compiler/wasm/limits.h. The binaries are made
here, never committed: the biggest is a few MB.

  nested_blocks=N   one function: N nested `block`s, a br out of the middle
  locals=N          one function with N i32 locals, its parameter included
                    (all read and written)
  params_results=N  one function with N i32 params and N i32 results that
                    returns its params reversed, and a caller
  functions=N       N functions, each calling the next
  types=N           N types and no functions
  br_table=N        one br_table with N targets spread over 8 blocks
  br_table_wide=N   the same over min(N, 4096) blocks (as many distinct
                    destinations as a switch lowering has to sort out)
  br_table_full=N   the same over N blocks: every target distinct
  imports=N         N function imports
"""
import os
import sys

DEFAULTS = {
    "nested_blocks": 100000,
    "locals": 50000,
    "params_results": 1000,
    "functions": 100000,
    "types": 1000000,
    "types_over": 1000001,
    "br_table": 65520,
    "br_table_wide": 65520,
    "br_table_full": 65520,
    "br_table_over": 1000000,
    "imports": 100000,
    "imports_over": 1000000,
    "locals_over": 50001,
}


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def sleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if (n == 0 and not b & 0x40) or (n == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def section(sid, payload):
    return bytes([sid]) + uleb(len(payload)) + payload


def name(s):
    b = s.encode()
    return uleb(len(b)) + b


I32 = 0x7F


def functype(params, results):
    return b"\x60" + vec([bytes([t]) for t in params]) + vec([bytes([t]) for t in results])


def body(locals_groups, code):
    b = vec([uleb(n) + bytes([t]) for n, t in locals_groups]) + code + b"\x0b"
    return uleb(len(b)) + b


def module(types=(), imports=(), funcs=(), exports=(), codes=()):
    m = b"\x00asm\x01\x00\x00\x00"
    if types:
        m += section(1, vec(list(types)))
    if imports:
        m += section(2, vec(list(imports)))
    if funcs:
        m += section(3, vec([uleb(t) for t in funcs]))
    if exports:
        m += section(7, vec(list(exports)))
    if codes:
        m += section(10, vec(list(codes)))
    return m


def export_func(n, index):
    return name(n) + b"\x00" + uleb(index)


def gen_nested_blocks(n):
    # () -> i32: n blocks deep; in the middle a br to the outermost block.
    code = b"\x02\x40" * n + b"\x0c" + uleb(n - 1) + b"\x0b" * n + b"\x41\x07"
    return module([functype([], [I32])], funcs=[0], exports=[export_func("run", 0)],
                  codes=[body([], code)])


def gen_locals(n):
    # (i32) -> i32 with n locals in all (the parameter is one): local[k] =
    # local[k-1] + 1 for every declared local.
    code = bytearray(b"\x20\x00\x21\x01")  # local.get 0; local.set 1
    for k in range(2, n):
        code += b"\x20" + uleb(k - 1) + b"\x41\x01\x6a\x21" + uleb(k)
    code += b"\x20" + uleb(n - 1)
    return module([functype([I32], [I32])], funcs=[0], exports=[export_func("run", 0)],
                  codes=[body([(n - 1, I32)], bytes(code))])


def gen_params_results(n):
    # type 0: n params -> n results (reversed); type 1: () -> i32.
    rev = b"".join(b"\x20" + uleb(n - 1 - k) for k in range(n))
    call = b"".join(b"\x41" + sleb(k) for k in range(n)) + b"\x10\x00"
    call += b"\x1a" * (n - 1)  # drop all but the deepest result (param 0 = 0)
    return module([functype([I32] * n, [I32] * n), functype([], [I32])], funcs=[0, 1],
                  exports=[export_func("rev", 0), export_func("run", 1)],
                  codes=[body([], rev), body([], call)])


def gen_functions(n):
    # () -> i32: f_k calls f_{k+1}, the last returns 1.
    codes = [body([], b"\x10" + uleb(k + 1)) for k in range(n - 1)]
    codes.append(body([], b"\x41\x01"))
    return module([functype([], [I32])], funcs=[0] * n, exports=[export_func("run", 0)],
                  codes=codes)


def gen_types(n):
    return module([functype([I32], [I32])] * n)


def br_table_module(n, blocks):
    # (i32) -> i32: `blocks` blocks, br_table targets k % blocks, default
    # `blocks`; leaving block k returns k.
    code = b"\x02\x40" * (blocks + 1) + b"\x20\x00\x0e" + uleb(n)
    code += b"".join(uleb(k % blocks) for k in range(n)) + uleb(blocks) + b"\x0b"
    for k in range(blocks):
        code += b"\x41" + sleb(k) + b"\x0f\x0b"
    code += b"\x41\x7f"
    return module([functype([I32], [I32])], funcs=[0], exports=[export_func("run", 0)],
                  codes=[body([], code)])


def gen_br_table(n):
    return br_table_module(n, 8)


def gen_br_table_wide(n):
    return br_table_module(n, min(n, 4096))


def gen_br_table_full(n):
    return br_table_module(n, n)


def gen_imports(n):
    imports = [name("env") + name("f%d" % k) + b"\x00\x00" for k in range(n)]
    return module([functype([], [])], imports=imports)


GENERATORS = {
    "nested_blocks": gen_nested_blocks,
    "locals": gen_locals,
    "locals_over": gen_locals,
    "params_results": gen_params_results,
    "functions": gen_functions,
    "types": gen_types,
    "types_over": gen_types,
    "br_table": gen_br_table,
    "br_table_wide": gen_br_table_wide,
    "br_table_full": gen_br_table_full,
    "br_table_over": gen_br_table,
    "imports": gen_imports,
    "imports_over": gen_imports,
}


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    cases = argv[2:] or list(DEFAULTS)
    for spec in cases:
        case, _, count = spec.partition("=")
        if case not in GENERATORS:
            sys.stderr.write("unknown case %s (known: %s)\n" % (case, ", ".join(GENERATORS)))
            return 2
        n = int(count) if count else DEFAULTS[case]
        label = case if not count else "%s_%d" % (case, n)
        with open(os.path.join(outdir, label + ".wasm"), "wb") as f:
            f.write(GENERATORS[case](n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
