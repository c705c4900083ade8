#!/usr/bin/python3
"""ops.py RNNC - NaN and infinities through the ops that compare or saturate.

tests/nonfinite/ops.lua's outputs (relu, minimum both ways, sigmoid, tanh,
exp, softmax, log_softmax, argmax, x times a parameter of ones, its softmax masked by a -inf
constant, e^(x - inf)) from `rnnc
predict`, interpreter and generated code, f32 and f64, against PyTorch's
on the same input: one row with NaN, inf and -inf among finite values, one
masked with -inf.  A NaN
must be where PyTorch has one, an infinity the same infinity, an index the
same index, and a finite value within 1e-5 (f32) or 1e-12 (f64), relative.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
import safetensors_np  # noqa: E402

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.lua")
INF, NAN = float("inf"), float("nan")
X = [[1.0, NAN, -1.0, 0.0, 2.0, -INF, INF, 0.3],
     [0.1, -INF, 0.5, -2.0, 3.0, -INF, 0.2, 1.0]]


def pytorch(x):
    return {"relu": torch.relu(x), "min_xc": torch.minimum(x, torch.tensor(0.5, dtype=x.dtype)),
            "min_cx": torch.minimum(torch.tensor(0.5, dtype=x.dtype), x), "sigmoid": torch.sigmoid(x),
            "tanh": torch.tanh(x), "exp": torch.exp(x), "softmax": torch.softmax(x, -1),
            "log_softmax": torch.log_softmax(x, -1), "argmax": torch.argmax(x, -1), "scaled": x,
            "masked_softmax": torch.softmax(x + torch.tensor([0.0] * 5 + [-INF] * 3, dtype=x.dtype), -1),
            "exp_minus_inf": torch.exp(x - INF)}


def differences(got, want, tol):
    """The positions where got is not want, as text; empty if none."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    same = (np.isnan(got) & np.isnan(want)) | (got == want)
    with np.errstate(invalid="ignore"):
        close = np.isfinite(got) & np.isfinite(want) & (np.abs(got - want) <= tol * np.maximum(np.abs(want), 1e-3))
    bad = ~(same | close)
    return "; ".join(f"{tuple(i)}: {got[tuple(i)]} instead of {want[tuple(i)]}" for i in np.argwhere(bad))


def main():
    rnnc = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for dtype, tol in (("f32", 1e-5), ("f64", 1e-12)):
            x = np.array(X, np.float32 if dtype == "f32" else np.float64)
            inputs = os.path.join(tmp, f"x_{dtype}.safetensors")
            safetensors_np.save(inputs, {"x": x})
            want = {k: v.numpy() for k, v in pytorch(torch.from_numpy(x)).items()}
            weights = os.path.join(tmp, f"w_{dtype}.safetensors")  # scale1.one: ones
            subprocess.run([rnnc, "init", SPEC, "-o", weights, "--dtype", dtype], check=True)
            for backend in ("interp", "c"):
                out = os.path.join(tmp, f"y_{dtype}_{backend}.safetensors")
                subprocess.run([rnnc, "predict", SPEC, "--weights", weights, "--inputs", inputs, "-o", out,
                                "--dtype", dtype, "--backend", backend], check=True)
                got = safetensors_np.load(out)
                for name in want:
                    diff = differences(got[name], want[name], tol)
                    print(f"{dtype} {backend:6} {name:12} {'FAIL ' + diff if diff else 'ok'}")
                    if diff:
                        failures.append(f"{dtype} {backend} {name}")
    if failures:
        print("FAILED: " + ", ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
