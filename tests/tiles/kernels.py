#!/usr/bin/env python3
"""kernels.py PORTABLE.c WIDE.c PROFILE.c WIDE_KERNEL PORTABLE_KERNEL

The kernels of one spec's C built with --tiles portable, --tiles wide and
--tiles PROFILE, where the profile says wide for the product whose kernel's
comment starts with WIDE_KERNEL and portable for PORTABLE_KERNEL's (a
product's comment goes on with the loop it finishes, if any): the profile's build
must be the portable one but for WIDE_KERNEL's kernels, which have wide tiles
(tiles of 8 rows by two vectors: an accumulator acc7_1), and PORTABLE_KERNEL's
must not have them though the wide build's do.  A transpose that writes a
product's B in panels (one per column of tiles) changes with the product.
"""
import re
import sys


def kernels(path):
    """[(comment, text)] of every kernel, in order."""
    text = open(path, encoding="utf-8").read()
    return re.findall(r"^/\* (.*?) \*/\n(static void k\d+_.*?^})", text, re.M | re.S)


def wide(text):
    return "acc7_1[" in text


def main():
    portable, wide_build, profile = (kernels(p) for p in sys.argv[1:4])
    wide_kernel, portable_kernel = sys.argv[4:6]
    errors = []
    if len(profile) != len(portable):
        errors.append(f"{len(profile)} kernels with the profile, {len(portable)} portable")
    changed = [c for (c, t), (_, u) in zip(profile, portable) if t != u]
    panels = [c for (c, t), (_, u) in zip(profile, portable) if t != u and "in panels" in t]
    changed = [c for c in changed if c not in panels]
    if len(changed) != 1 or not changed[0].startswith(wide_kernel):
        errors.append(f"the profile changed the kernels {changed}, want only {wide_kernel!r}")
    for c, t in profile:
        if c.startswith(wide_kernel) and not wide(t):
            errors.append(f"{c}: no wide tiles with the profile")
        if not c.startswith(wide_kernel) and wide(t):
            errors.append(f"{c}: wide tiles with the profile")
    if not any(c.startswith(portable_kernel) and wide(t) for c, t in wide_build):
        errors.append(f"{portable_kernel}: no wide tiles in the wide build, so the test shows nothing")
    for e in errors:
        print("FAIL: " + e)
    print(f"kernels.py: {len(profile)} kernels, changed: {changed}, their panels: {panels}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
