#!/usr/bin/env python3
"""snippets.py RNNC SRC - every C snippet of SRC/README.md that a user may copy compiles.

Each ```c block with an #include is a whole translation unit: it is compiled with
-std=c99 -Wall -Wextra -Wpedantic -Werror against the generated header it includes
("NAME.h": SRC/generated/*/NAME.h, or, when the snippet uses the embedded weights
NAME_weights or NAME_step_weights, a fresh `rnnc build --embed-weights` of the spec
with `rnnc init`'s weights), and, when it has a main, linked with NAME.c and -lm.
A block without an #include is a fragment and is only counted.  Exit status 1 when
any snippet fails (the compiler's messages name README.md's line) or none compiles.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]


def blocks(readme):
    """(first line of the code in README.md, code) of every ```c block."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    found, start = [], None
    for i, line in enumerate(lines):
        if start is None and line.strip() == "```c":
            start = i + 1
        elif start is not None and line.strip() == "```":
            found.append((start + 1, "\n".join(lines[start:i]) + "\n"))
            start = None
    return found


def model_dir(rnnc, src, name, code, tmp):
    """The directory holding NAME.h and NAME.c that the snippet needs."""
    headers = glob.glob(os.path.join(src, "generated", "*", name + ".h"))
    if len(headers) != 1:
        sys.exit(f"snippets.py: no generated/*/{name}.h for #include \"{name}.h\"")
    generated = os.path.dirname(headers[0])
    if not re.search(rf"\b{name}_(step_)?weights\b", code):
        return generated
    out = os.path.join(tmp, name)
    if not os.path.isdir(out):
        spec = os.path.join(src, "specs", os.path.basename(generated) + ".lua")
        weights = os.path.join(tmp, name + ".safetensors")
        subprocess.run([rnnc, "init", spec, "-o", weights], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([rnnc, "build", spec, "-o", out, "--embed-weights", weights], check=True,
                       stdout=subprocess.DEVNULL)
    return out


def main():
    rnnc, src = sys.argv[1], sys.argv[2]
    readme = os.path.join(src, "README.md")
    failed = compiled = fragments = 0
    with tempfile.TemporaryDirectory() as tmp:
        for line, code in blocks(readme):
            includes = re.findall(r'^#include "([A-Za-z0-9_]+)\.h"', code, re.M)
            if not re.search(r"^#include", code, re.M):
                fragments += 1
                continue
            # #line: messages point at README.md itself
            path = os.path.join(tmp, f"snippet{line}.c")
            with open(path, "w") as f:
                f.write(f'#line {line} "{readme}"\n' + code)
            program = re.search(r"\bmain\s*\(", code) is not None
            dirs = [model_dir(rnnc, src, name, code, tmp) for name in includes]
            cmd = ["gcc"] + STRICT + ["-I" + d for d in dirs]
            if program:
                cmd += [path] + [os.path.join(d, n + ".c") for d, n in zip(dirs, includes)]
                cmd += ["-lm", "-o", path[:-2]]
            else:
                cmd += ["-c", path, "-o", path[:-2] + ".o"]
            run = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            what = "program" if program else "translation unit"
            if run.returncode:
                failed += 1
                print(f"FAIL: README.md:{line}: the {what} does not compile:\n{run.stdout}", end="")
            else:
                compiled += 1
                print(f"README.md:{line}: {what} ok ({' '.join(includes) or 'no generated header'})")
    print(f"{compiled} snippets compiled, {failed} failed, {fragments} fragments (no #include) skipped")
    if failed or not compiled:
        sys.exit(1)


if __name__ == "__main__":
    main()
