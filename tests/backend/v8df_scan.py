#!/usr/bin/env python3
"""v8df_scan.py RNNC SPEC|SEED... - gcc's wrong shuffle of 8 doubles, looked for in generated f64 code.

gcc 12.2 accepts some one-operand shuffles of 8 doubles that move elements across 128-bit lanes
as vpermilpd, which cannot (tests/backend/gcc_v8df_shuffle.c).  With -dP, gcc prints each
instruction's RTL beside it, so the shuffle gcc meant is in the assembly: a vpermilpd pattern of
V8DF whose parallel takes element i from outside lane i / 2 is the bug.  The f64 code of every
SPEC (a SEED is tests/random/gen_spec.py's spec; those of specs/ at 4 steps, with the kernels of
their full length), compiled as rnnc compiles it but for AVX-512 whatever this CPU, must have
none: f64 code asks gcc for 256-bit vectors but in products (codegen/preamble.c).

The scan is checked first: it must find the reproducer's two shuffles (the explicit one and the
loop vectorizer's) exactly when the compiled reproducer prints wrong results (gcc 12.2: both; a
fixed gcc: neither), and, where gcc has the bug, the wrong shuffles in the code of random seed 8
(where the bug was found) with 512-bit vectors asked for everywhere.
Exit 0 when all holds, 1 otherwise."""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FLAGS = ["-O3", "-march=native", "-mavx512f", "-ffp-contract=fast", "-fno-math-errno"]
INSN = re.compile(r"\t#.*\s(\S*vpermilpv8df\S*)\s*$")


def wrong_shuffles(asm):
    """The parallels of vpermilpd instructions of V8DF that cross a lane, as lists."""
    bad, rtl = [], []
    for line in asm.splitlines():
        if line.startswith("#"):
            rtl.append(line)
            continue
        if INSN.search(line):
            text = "\n".join(rtl)
            body = text[text.rindex("(parallel [") :]
            idx = []
            for m in re.finditer(r"\(const_int (\d+) [^)]*\)(?: repeated x(\d+))?", body):
                idx += [int(m.group(1))] * int(m.group(2) or 1)
            if len(idx) != 8:
                sys.exit("v8df_scan: cannot read the shuffle of:\n%s\n%s" % (text, line))
            if any(e // 2 != i // 2 for i, e in enumerate(idx)):
                bad.append(idx)
        rtl = []
    return bad


def gcc_asm(c, extra=()):
    cmd = ["gcc", "-std=c99", "-fPIC", "-DRNNC_TOOL_API", *FLAGS, *extra, "-S", "-dP", "-o", "-", c]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def generated_c(rnnc, spec, tmp, name, options=()):
    """rnnc build's NAME.c of spec (a file or a seed) in f64."""
    if not spec.endswith(".lua"):
        path = os.path.join(tmp, "seed%s.lua" % spec)
        subprocess.run([sys.executable, os.path.join(HERE, "../random/gen_spec.py"), spec, path], check=True)
        spec = path
    out = os.path.join(tmp, name)
    subprocess.run([rnnc, "build", spec, "--dtype", "f64", *options, "-o", out], check=True, capture_output=True)
    (c,) = [os.path.join(out, f) for f in os.listdir(out) if f.endswith(".c")]
    return c


def reproducer_buggy(tmp):
    """Whether this gcc miscompiles gcc_v8df_shuffle.c, by running it; the scan must agree."""
    src, exe = os.path.join(HERE, "gcc_v8df_shuffle.c"), os.path.join(tmp, "v8df")
    flags = ["gcc", "-O3", "-mavx512f", "-mprefer-vector-width=512", "-fno-tree-slp-vectorize", "-Wno-psabi", src]
    subprocess.run(flags + ["-o", exe], check=True)
    buggy = subprocess.run([exe], capture_output=True).returncode != 0
    asm = subprocess.run(flags + ["-S", "-dP", "-o", "-"], check=True, capture_output=True, text=True).stdout
    n = len(wrong_shuffles(asm))
    print("reproducer: %s; the scan finds %d wrong vpermilpd" % ("wrong results" if buggy else "right results", n))
    if n != (2 if buggy else 0):
        sys.exit("v8df_scan: the scan disagrees with the reproducer")
    return buggy


def main():
    rnnc, specs = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory() as tmp:
        if reproducer_buggy(tmp):
            c = generated_c(rnnc, "8", tmp, "control")
            wide = os.path.join(tmp, "wide.c")
            with open(c) as f, open(wide, "w") as g:
                g.write(f.read().replace("prefer-vector-width=256", "prefer-vector-width=512"))
            n = len(wrong_shuffles(gcc_asm(wide, ["-I", os.path.dirname(c)])))
            print("random seed 8 with 512-bit vectors everywhere: %d wrong vpermilpd" % n)
            if not n:
                sys.exit("v8df_scan: the scan misses seed 8's wrong shuffles")
        failed = 0
        for k, spec in enumerate(specs):
            short = ["--steps", "4"] if spec.startswith("specs/") else []  # the kernels of the full length
            # the specs also with the tiles rnnc's backend uses on an AVX-512 machine
            for tiles in (["portable", "wide"] if short else ["portable"]):
                c = generated_c(rnnc, spec, tmp, "s%d%s" % (k, tiles), short + ["--tiles", tiles])
                bad = wrong_shuffles(gcc_asm(c))
                print("%s (%s tiles): %s" % (spec, tiles, "%d wrong vpermilpd: %s" % (len(bad), bad) if bad else "none"))
                failed |= bool(bad)
        return failed


if __name__ == "__main__":
    sys.exit(main())
