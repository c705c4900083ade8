#!/usr/bin/python3
"""check.py - what tests/train/run.sh asserts about rnnc train's files.

  check.py same A B          every tensor of A but train.history is in B, byte for byte
  check.py close A B TOL     the same tensors, F64, each within TOL of B's normwise
                             (max |a - b| / max |b|)
  check.py meta FILE KEY     prints the checkpoint metadata rnnc.KEY
  check.py setmeta FILE KEY VALUE
                             sets it (a checkpoint tampered with, for the bad-input tests)
  check.py curves STEM N     STEM.csv has its header and N rows of numbers; STEM.svg is
                             well-formed XML: an <svg> with N points per series
  check.py lower BEFORE AFTER MARGIN
                             the loss on the line "loss X ..." of eval's output AFTER is
                             below MARGIN times that of BEFORE
  check.py baselines LOG [CSV]
                             LOG has the test loss read against the data's baselines,
                             "test mse A (noise variance V: Rx; last-value predictor N)" or
                             "test B bits/char (unigram entropy U)", agreeing with the loss of
                             its line "loss X" (eval), or with the last test loss of CSV (train)
Exit status 1 with a message on the first failure.  Standard library only.
"""
import csv
import json
import math
import re
import struct
import sys
import xml.dom.minidom


def read_st(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {k: (v["dtype"], v["shape"], data[v["data_offsets"][0] : v["data_offsets"][1]]) for k, v in header.items()}
    return tensors, meta


def set_meta(path, key, value):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    header.setdefault("__metadata__", {})["rnnc." + key] = value
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + raw[8 + n :])


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def tensors_of_both(a, b):
    """The tensors of checkpoints a and b by name (train.history left out: it holds timings)."""
    ta, _ = read_st(a)
    tb, _ = read_st(b)
    names = [k for k in ta if k != "train.history"]
    if not names:
        fail(f"{a} holds no tensors")
    for k in names:
        if k not in tb:
            fail(f"{b} has no tensor {k}")
    return names, ta, tb


def same(a, b):
    names, ta, tb = tensors_of_both(a, b)
    for k in names:
        if ta[k] != tb[k]:
            fail(f"tensor {k} differs between {a} and {b}")
    print(f"ok: {len(names)} tensors bit-identical ({a}, {b})")


def close(a, b, tol):
    names, ta, tb = tensors_of_both(a, b)
    worst = 0.0
    for k in names:
        if ta[k][0] != "F64" or ta[k][:2] != tb[k][:2]:
            fail(f"tensor {k}: {ta[k][:2]} in {a}, {tb[k][:2]} in {b} (F64 of one shape expected)")
        n = len(ta[k][2]) // 8
        x, y = struct.unpack(f"<{n}d", ta[k][2]), struct.unpack(f"<{n}d", tb[k][2])
        scale = max((abs(v) for v in y), default=0.0) or 1.0
        err = max((abs(u - v) for u, v in zip(x, y)), default=0.0) / scale
        if not err <= tol:
            fail(f"tensor {k}: relative error {err:.3g} > {tol:g} between {a} and {b}")
        worst = max(worst, err)
    print(f"ok: {len(names)} tensors agree, worst relative error {worst:.3g} (bound {tol:g})")


def curves(stem, n):
    with open(stem + ".csv", newline="") as f:
        rows = list(csv.reader(f))
    if rows[0] != ["epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"]:
        fail(f"{stem}.csv header: {rows[0]}")
    if len(rows) != n + 1:
        fail(f"{stem}.csv has {len(rows) - 1} rows, expected {n}")
    for i, r in enumerate(rows[1:], 1):
        if int(r[0]) != i:
            fail(f"{stem}.csv row {i}: epoch {r[0]}")
        for v in r[1:]:
            if v != "":
                float(v)
    doc = xml.dom.minidom.parse(stem + ".svg")
    svg = doc.documentElement
    if svg.tagName != "svg" or svg.getAttribute("xmlns") != "http://www.w3.org/2000/svg":
        fail(f"{stem}.svg is not an SVG document")
    lines = svg.getElementsByTagName("polyline")
    if not lines:
        fail(f"{stem}.svg has no curve")
    for p in lines:
        if len(p.getAttribute("points").split()) != n:
            fail(f"{stem}.svg: a curve has not {n} points: {p.getAttribute('points')}")
    texts = [t.firstChild.data for t in svg.getElementsByTagName("text") if t.firstChild]
    for want in ("train", "test", "epoch", "loss"):
        if want not in texts:
            fail(f"{stem}.svg has no label '{want}'")
    print(f"ok: {stem}.csv ({n} epochs) and {stem}.svg ({len(lines)} curves) parse")


def loss_of(path):
    with open(path) as f:
        for line in f:
            m = re.match(r"loss ([0-9.e+-]+)", line)
            if m:
                return float(m.group(1))
    fail(f"{path} has no line 'loss X'")


def baselines(log, csv_path=None):
    with open(log) as f:
        text = f.read()
    if csv_path:
        with open(csv_path, newline="") as f:
            loss = float(list(csv.reader(f))[-1][3])
    else:
        loss = loss_of(log)
    mse = re.search(r"test mse (\S+) \(noise variance (\S+): (\S+)x; last-value predictor (\S+)\)", text)
    bits = re.search(r"test (\S+) bits/char \(unigram entropy (\S+)\)", text)
    if mse:
        a, v, r, n = (float(x) for x in mse.groups())
        if abs(a - loss) > 5e-4 * loss or abs(r - loss / v) > 0.006 or not n > 0:
            fail(f"{log}: '{mse.group(0)}' does not fit the test loss {loss}")
        print(f"ok: {mse.group(0)}")
    elif bits:
        b, u = float(bits.group(1)), float(bits.group(2))
        if abs(b - loss / math.log(2)) > 0.001 or not 0 < u <= 8:
            fail(f"{log}: '{bits.group(0)}' does not fit the test loss {loss} nats")
        print(f"ok: {bits.group(0)}")
    else:
        fail(f"{log} has no line with the test loss against the baselines")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "same":
        same(*args)
    elif cmd == "close":
        close(args[0], args[1], float(args[2]))
    elif cmd == "meta":
        _, meta = read_st(args[0])
        print(meta.get("rnnc." + args[1], ""))
    elif cmd == "setmeta":
        set_meta(*args)
    elif cmd == "curves":
        curves(args[0], int(args[1]))
    elif cmd == "baselines":
        baselines(*args)
    elif cmd == "lower":
        before, after, margin = loss_of(args[0]), loss_of(args[1]), float(args[2])
        if not after < margin * before:
            fail(f"the test loss went from {before} to {after}, not below {margin} x {before}")
        print(f"ok: test loss {before:.4f} -> {after:.4f}")
    else:
        fail("unknown command " + cmd)


main()
