#!/usr/bin/env python3
"""Timing and tables for bench/compare.sh (see there). Each round runs every
runner of one program once, in a rotated order; a runner's time is user+sys
CPU seconds of its process (less sensitive than wall time to other load on a
shared machine). Ratios are per round against native -O2, then the median."""
import argparse
import math
import os
import re
import statistics
import subprocess
import sys


def command(runner, work, build, root, wamr, prog):
    d = os.path.join(work, prog)
    return {
        'native': [os.path.join(d, 'native')],
        'native-march': [os.path.join(d, 'native-march')],
        'kiln': [os.path.join(build, 'kiln'), os.path.join(d, prog + '.aot')],
        'wasm2c': [os.path.join(d, 'wasm2c')],
        'node': ['node', '--no-turbo-fast-api-calls',
                 os.path.join(root, 'bench', 'runners', 'node_wasi.mjs'),
                 os.path.join(d, prog + '.wasm')],
        'wamr': [os.path.join(wamr or '.', 'iwasm'), os.path.join(d, prog + '.wamr.aot')],
    }[runner]


def run(cmd):
    """(stdout, cpu seconds, wall seconds) of one run."""
    import time
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    return out.decode(errors='replace').strip(), usage.ru_utime + usage.ru_stime, wall, proc.returncode


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float('nan')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work')
    ap.add_argument('--build')
    ap.add_argument('--root')
    ap.add_argument('--wamr', default='')
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--programs', nargs='+')
    ap.add_argument('--runners', nargs='+')
    a = ap.parse_args()
    runners = a.runners

    ratios = {r: {} for r in runners}
    native_time = {}
    failures = []
    for prog in a.programs:
        expect = None
        ok = []
        for r in runners:
            out, _, _, rc = run(command(r, a.work, a.build, a.root, a.wamr, prog))
            if expect is None:
                expect = out
            if rc != 0 or out != expect:
                failures.append(f'{prog}/{r}: exit {rc}, printed {out!r}, expected {expect!r}')
            else:
                ok.append(r)
        times = {r: [] for r in ok}
        for rep in range(a.reps):
            order = ok[rep % len(ok):] + ok[:rep % len(ok)]
            for r in order:
                _, cpu, _, _ = run(command(r, a.work, a.build, a.root, a.wamr, prog))
                times[r].append(cpu)
        base = times.get(runners[0])
        if not base:
            continue
        native_time[prog] = statistics.median(base)
        for r in ok:
            ratios[r][prog] = statistics.median(t / b for t, b in zip(times[r], base))
        row = ' '.join(f'{ratios[r].get(prog, float("nan")):8.2f}' for r in runners)
        print(f'{prog:<12} {native_time[prog]:8.2f}s {row}', file=sys.stderr, flush=True)

    print(f'\nrun time: ratio to {runners[0]} (user+sys CPU, median of {a.reps} alternating rounds)')
    print(f'{"program":<12} {runners[0] + " s":>10} ' + ' '.join(f'{r:>12}' for r in runners))
    for prog in a.programs:
        if prog not in native_time:
            continue
        cells = ' '.join(f'{ratios[r][prog]:12.2f}' if prog in ratios[r] else f'{"FAIL":>12}'
                         for r in runners)
        print(f'{prog:<12} {native_time[prog]:10.3f} {cells}')
    print(f'{"geomean":<12} {"":>10} ' +
          ' '.join(f'{geomean(list(ratios[r].values())):12.3f}' for r in runners))
    for f in failures:
        print('checksum FAILED:', f)

    print('\ncompile (wall s, peak MiB) and size (bytes)')
    compile_rows = {}
    with open(os.path.join(a.work, 'compile.txt')) as f:
        for line in f:
            prog, tool, secs, kib = line.split()
            compile_rows[(prog, tool)] = (float(secs), int(kib) / 1024)
    wamr = 'wamr' in runners
    head = f'{"program":<12} {"wasm":>9} {"kiln .aot":>10} {"kilnc s":>8} {"kilnc MiB":>9} {"load+inst us":>12}'
    if wamr:
        head += f' {"wamr .aot":>10} {"wamrc s":>8} {"wamrc MiB":>9}'
    print(head)
    for prog in a.programs:
        d = os.path.join(a.work, prog)
        wasm = os.path.getsize(os.path.join(d, prog + '.wasm'))
        aot = os.path.getsize(os.path.join(d, prog + '.aot'))
        ks, km = compile_rows.get((prog, 'kilnc'), (float('nan'), float('nan')))
        lb = subprocess.run([os.path.join(a.build, 'kiln-load-bench'), os.path.join(d, prog + '.aot'),
                             '300'], capture_output=True, text=True).stdout
        m = re.search(r'load \+ instantiate: median\s+([0-9.]+)', lb)
        line = f'{prog:<12} {wasm:9d} {aot:10d} {ks:8.2f} {km:9.1f} {float(m.group(1)) if m else float("nan"):12.1f}'
        if wamr:
            wa = os.path.join(d, prog + '.wamr.aot')
            ws, wm = compile_rows.get((prog, 'wamrc'), (float('nan'), float('nan')))
            line += f' {os.path.getsize(wa) if os.path.exists(wa) else 0:10d} {ws:8.2f} {wm:9.1f}'
        print(line)

    size = subprocess.run(['size', '-t', os.path.join(a.build, 'libkiln.a')],
                          capture_output=True, text=True).stdout.strip().splitlines()
    if size:
        print(f'\nruntime libkiln.a .text: {size[-1].split()[0]} bytes')
    if wamr:
        iw = subprocess.run(['size', os.path.join(a.wamr, 'iwasm')], capture_output=True,
                            text=True).stdout.strip().splitlines()
        if len(iw) > 1:
            print(f'WAMR iwasm .text: {iw[1].split()[0]} bytes')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
