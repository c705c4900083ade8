#!/usr/bin/env python3
"""stack.py RNNC SRC MODEL[:ENTRIES]... - the stack the generated C needs,
as gcc -O2 lays out its frames, against what its header states.

For each model (spec specs/MODEL.lua; ENTRIES: an `rnnc build --entry` list)
the generated C is compiled with gcc -O2 -std=c99 -fstack-usage
-fcallgraph-info=su, which writes each function's frame and the call graph.
Then:
  (a) no function's frame exceeds LIMIT bytes (4 KB: an embedded thread's
      stack), none is unbounded (a VLA or alloca), and no entry point's
      deepest chain of calls (entry point, part, kernel) adds up to more;
  (b) for every entry point the header lists under "Stack:", the largest
      frame of any function it reaches (itself, its parts, their kernels) is
      at most the header's bytes plus FRAME_ALLOWANCE, so the header cannot
      understate the arrays by more than a frame's overhead.
libm's frames are not the generated code's and are left out.

FRAME_ALLOWANCE, 512 bytes: what gcc -O2 adds to a function's own arrays on
x86-64: the return address and six callee-saved registers (56 bytes), up to
64 to realign the frame for vectors, and spills.  Measured with gcc 12.2,
the most it added is 352 bytes, to fmnist_lstm_apply (no arrays: Adam's
arithmetic over every parameter, its parts inlined, spills); a product's
frame holds its accumulators and less (fmnist_lstm's largest product
declares 1024 bytes in blocks that do not overlap and gets a frame of 856,
gcc sharing some of their slots).  The header counts every kernel an entry
point calls once, as if all were inlined into one frame: gcc inlines some
(fmnist_lstm_grad's frame is 1,552 bytes; its kernels declare 4,224).
STACK_LIMIT and STACK_ALLOWANCE in the environment override the two, to see
the test fail.
"""
import os
import re
import subprocess
import sys
import tempfile

LIMIT = int(os.environ.get("STACK_LIMIT", 4096))
FRAME_ALLOWANCE = int(os.environ.get("STACK_ALLOWANCE", 512))


def stated(header):
    """{function: bytes} from the header's "Stack:" comment."""
    text = open(header).read()
    block = text[text.index("/* Stack:"):]
    block = block[:block.index("*/")]
    bounds = {}
    for names, n in re.findall(r"^ \*   ([\w, ]+): (\d+) bytes$", block, re.M):
        for name in names.split(", "):
            bounds[name] = int(n)
    if not bounds:
        sys.exit(f"FAIL: no stack bounds in {header}")
    return bounds


def call_graph(ci):
    """Frames {function: (bytes, qualifier)} and callees {function: set}
    from gcc's -fcallgraph-info=su file; clones (f.constprop.0) count as f's."""
    frames, calls = {}, {}

    def name(title):
        title = title.split(":")[-1]
        return title.split(".")[0]

    for line in open(ci):
        m = re.match(r'node: \{ title: "([^"]*)" label: "([^"]*)"', line)
        if m:
            s = re.search(r"\\n(\d+) bytes \(([^)]*)\)", m.group(2))
            if s:  # external functions (libm) have no frame here
                f = name(m.group(1))
                old = frames.get(f, (0, ""))
                frames[f] = max(old, (int(s.group(1)), s.group(2)))
            continue
        m = re.match(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"', line)
        if m:
            calls.setdefault(name(m.group(1)), set()).add(name(m.group(2)))
    return frames, calls


def reach(f, calls, frames):
    seen, todo = set(), [f]
    while todo:
        g = todo.pop()
        if g in seen or g not in frames:
            continue
        seen.add(g)
        todo.extend(calls.get(g, ()))
    return seen


def deepest(f, calls, frames, memo):
    if f not in memo:
        memo[f] = frames[f][0] + max([deepest(g, calls, frames, memo) for g in calls.get(f, ()) if g in frames] or [0])
    return memo[f]


def check(rnnc, src, config, tmp):
    model, _, entries = config.partition(":")
    out = os.path.join(tmp, config.replace(":", "_").replace(",", "_"))
    cmd = [rnnc, "build", os.path.join(src, "specs", model + ".lua"), "-o", out, "--no-check"]
    if entries:
        cmd += ["--entry", entries]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["gcc", "-O2", "-std=c99", "-fstack-usage", "-fcallgraph-info=su", "-c", model + ".c",
                    "-o", model + ".o"], cwd=out, check=True)
    bounds = stated(os.path.join(out, model + ".h"))
    frames, calls = call_graph(os.path.join(out, model + ".ci"))
    failed = []
    for f, (n, kind) in sorted(frames.items()):
        if n > LIMIT:
            failed.append(f"{f} has a frame of {n} bytes, more than {LIMIT}")
        if "dynamic" in kind and "bounded" not in kind:
            failed.append(f"{f}'s frame is unbounded ({kind})")
    biggest = max(frames.items(), key=lambda kv: kv[1][0])
    print(f"{config}: {len(frames)} functions, the largest frame {biggest[1][0]} bytes ({biggest[0]})")
    memo = {}
    for f, bound in bounds.items():
        if f not in frames:
            if f in calls or bound:
                failed.append(f"{f}: stated in the header but not compiled")
            continue  # (not emitted by this --entry)
        big = max(reach(f, calls, frames), key=lambda g: frames[g][0])
        n = frames[big][0]
        chain = deepest(f, calls, frames, memo)
        print(f"  {f:32} stated {bound:5}  largest frame {n:5} ({big})  deepest chain {chain:5}")
        if chain > LIMIT:
            failed.append(f"{f}: its deepest chain of calls takes {chain} bytes, more than {LIMIT}")
        if n > bound + FRAME_ALLOWANCE:
            failed.append(f"{f}: {big} has a frame of {n} bytes, more than the {bound} the header states "
                          f"plus {FRAME_ALLOWANCE}")
    return failed


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: stack.py RNNC SRC MODEL[:ENTRIES]...")
    rnnc, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in sys.argv[3:]:
            failed += check(rnnc, src, config, tmp)
    for f in failed:
        print("FAIL:", f)
    sys.exit(1 if failed else 0)


main()
