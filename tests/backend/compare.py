#!/usr/bin/python3
"""compare.py A.safetensors B.safetensors TOL [--subset] - do two result files agree?

Both files must hold the same tensor names (with --subset, B may hold more:
a training step's loss and metrics beside the weights) and shapes; for each tensor the
normwise relative error max|a - b| / max|b| (max|a - b| when b is all zero)
must be at most TOL.  Normwise, because the backends differ only in the
order of summation, whose rounding error scales with the tensor's magnitude,
not with each entry's.  Prints the worst tensor; exits 1 on any failure."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "parity"))
from safetensors_np import load  # noqa: E402


def main():
    a_path, b_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
    subset = sys.argv[4:] == ["--subset"]
    a, b = load(a_path), load(b_path)
    if subset:
        b = {name: value for name, value in b.items() if name in a}
    if sorted(a) != sorted(b):
        print(f"FAIL: tensor names differ: only in {a_path}: {sorted(set(a) - set(b))}, "
              f"only in {b_path}: {sorted(set(b) - set(a))}")
        return 1
    worst, worst_name, failed = 0.0, None, []
    for name in sorted(a):
        x, y = np.asarray(a[name], dtype=np.float64), np.asarray(b[name], dtype=np.float64)
        if x.shape != y.shape:
            failed.append(f"{name}: shapes {x.shape} and {y.shape}")
            continue
        scale = np.max(np.abs(y)) if y.size else 0.0
        err = float(np.max(np.abs(x - y)) / (scale if scale > 0 else 1.0)) if y.size else 0.0
        if err > worst:
            worst, worst_name = err, name
        if not err <= tol:
            failed.append(f"{name}: error {err:.3g} > {tol:g}")
    print(f"{len(a)} tensors, worst {worst:.3g} ({worst_name}), bound {tol:g}")
    for f in failed:
        print("FAIL:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
