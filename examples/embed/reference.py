#!/usr/bin/env python3
"""reference.py RNNC SPEC WEIGHTS SAMPLES - what main.c should print, computed
without the generated code: for each t < SAMPLES, the interpreter's
`rnnc predict` (batch 1, t + 1 steps) on the samples sin(0.3 t) so far, which
is the prediction the streaming step makes after sample t.  Prints
"t x prediction" lines in main.c's format.  Needs only the standard library.
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile


def f32(v):
    """v rounded to float, as main.c computes in float."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def write_x(path, xs):
    """A safetensors file holding x: F32 [1, len(xs), 1]."""
    raw = struct.pack(f"<{len(xs)}f", *xs)
    header = json.dumps({"x": {"dtype": "F32", "shape": [1, len(xs), 1],
                               "data_offsets": [0, len(raw)]}}).encode()
    header += b" " * (-len(header) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + raw)


def read_prediction(path):
    """The single F32 value of the tensor 'prediction' of a safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    info = json.loads(blob[8:8 + n])["prediction"]
    begin, end = info["data_offsets"]
    if info["dtype"] != "F32" or end - begin != 4:
        sys.exit(f"reference.py: unexpected prediction tensor {info}")
    return struct.unpack("<f", blob[8 + n + begin:8 + n + end])[0]


def main():
    rnnc, spec, weights, samples = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    xs = [f32(math.sin(f32(f32(0.3) * t))) for t in range(samples)]  # sinf(0.3f * (float)t)
    with tempfile.TemporaryDirectory() as tmp:
        inputs, outputs = os.path.join(tmp, "x.safetensors"), os.path.join(tmp, "y.safetensors")
        for t in range(samples):
            write_x(inputs, xs[:t + 1])
            subprocess.run([rnnc, "predict", spec, "--weights", weights, "--inputs", inputs,
                            "-o", outputs, "--batch", "1", "--steps", str(t + 1)], check=True)
            print(f"{t} {xs[t]:.6f} {read_prediction(outputs):.6f}")


if __name__ == "__main__":
    main()
