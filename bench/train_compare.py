#!/usr/bin/python3
"""train_compare.py - training in rnnc and in PyTorch, side by side, in one run.

Usage (with Debian's python3-torch; spec paths from the current directory or
the repository root):
    /usr/bin/python3 bench/train_compare.py [--spec specs/fmnist_lstm.lua]... [--epochs N] [--seed S]
        [--batch B] [--limit N] [--blas-dir DIR] [--rnnc build/rnnc] [--json FILE]

For each spec (a Fashion-MNIST classifier: LSTM / GRU layers, possibly
stacked, then a Dense layer; cross_entropy; Adam) it trains twice on the same
data, one after the other, and prints a table of the epochs:

  rnnc     `rnnc train SPEC --data fashion-mnist --epochs N --seed S` (with
           --batch and --limit when given), whose progress lines are shown
           as they come; its test accuracy and loss are read from the curves
           (STEM.csv) and its training seconds from each epoch line's
           samples/s (the CSV's seconds also count the test evaluation).
  PyTorch  the same model (nn.LSTM / nn.GRU with batch_first, then
           nn.Linear, from `rnnc summary --json`), starting from the same
           weights (`rnnc init SPEC --seed S`, loaded by rnnc's names),
           trained with CrossEntropyLoss and torch.optim.Adam with the spec's
           lr, betas, eps and weight decay (clip_grad_norm_ when the spec
           clips), in f32 on one thread, in a child process.

Both see the same examples in the same order: the images as rnnc's data.c
reads them (pixel / 255 in f32, the first --limit examples of each split),
each epoch's order the Fisher-Yates shuffle rnnc_shuffle reproduces from
compiler/train.c and runtime/rnnc_rand.h, batches of the spec's size with
the last partial batch dropped.  The test split is evaluated after every
epoch, every example once.  The seconds per epoch are the training loop
only (gathering the batches, forward, backward, optimizer; not the shuffle
and not the evaluation, whose seconds are printed apart).

Debian's torch calls the system's reference BLAS: a full Fashion-MNIST epoch
takes minutes.  --blas-dir DIR puts DIR's libblas.so.3 (OpenBLAS's, see
bench/README.md) first on the PyTorch child's library path; --limit 2000
--epochs 1 is a quick check that everything runs.
"""
import argparse
import gzip
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from common import Net, OtherLoad, architecture, child_env, loaded_blas, machine, summary

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "parity"))
import safetensors_np  # noqa: E402

FMNIST_DIR = "/usr/share/datasets/fashion-mnist"
PROG = "train_compare.py"

# ---- the data and the order, as rnnc train has them ----


def read_idx(path, magic, dims):
    """The array of a gzip'd IDX file of unsigned bytes (magic 2051 images, 2049 labels)."""
    with gzip.open(path, "rb") as f:
        blob = f.read()
    header = np.frombuffer(blob[:4 * (1 + dims)], dtype=">u4")
    if header[0] != magic:
        sys.exit(f"{PROG}: {path}: magic number {header[0]}, expected {magic}")
    shape = tuple(int(n) for n in header[1:])
    return np.frombuffer(blob[4 * (1 + dims):], dtype=np.uint8).reshape(shape)


def fashion_mnist(part, limit):
    """Images [n, 28, 28] as f32 pixel / 255 (data.c: (float)byte / 255.0f) and labels [n] int64
    of part "train" or "t10k": the first `limit` examples when limit > 0."""
    x = read_idx(os.path.join(FMNIST_DIR, f"{part}-images-idx3-ubyte.gz"), 2051, 3)
    y = read_idx(os.path.join(FMNIST_DIR, f"{part}-labels-idx1-ubyte.gz"), 2049, 1)
    if limit > 0:
        x, y = x[:limit], y[:limit]
    return torch.from_numpy(x.astype(np.float32) / np.float32(255)), torch.from_numpy(y.astype(np.int64))


STREAM_SHUFFLE = 0x73687566666C65  # "shuffle", train.c's stream of the epoch order
U64 = np.uint64


def mix64(x):
    """rnnc_mix64 (SplitMix64's finalizer) on an array of uint64, wrapping like C."""
    x = x + U64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> U64(30))) * U64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> U64(27))) * U64(0x94D049BB133111EB)
    return x ^ (x >> U64(31))


def rnnc_bits(seed, stream, index):
    """rnnc_bits(seed, stream, index) for an array of indices."""
    key = mix64(np.array([seed], dtype=U64) ^ mix64(np.array([stream], dtype=U64)))  # arrays: wrap silently
    return mix64(key + index)


def rnnc_shuffle(n, seed, epoch):
    """The order of epoch `epoch` (from 0), as train.c's shuffle draws it: for
    i = n-1 down to 1, swap perm[i] with perm[j], j = rnnc_bits(seed,
    "shuffle", epoch << 40 | i) % (i + 1).  The draws are vectorised, the
    swaps are a plain loop (60,000 of them take a few hundredths of a second)."""
    i = np.arange(n - 1, 0, -1, dtype=U64)
    js = (rnnc_bits(seed, STREAM_SHUFFLE, (U64(epoch) << U64(40)) | i) % (i + U64(1))).tolist()
    perm = list(range(n))
    for i, j in zip(range(n - 1, 0, -1), js):
        perm[i], perm[j] = perm[j], perm[i]
    return torch.tensor(perm)


# ---- PyTorch (in the child process) ----


def train_torch(c, report):
    """Trains the model of c (architecture() plus weights, epochs, seed,
    limit) and calls report(dict) for the BLAS, for every tenth of an epoch
    that runs over 10 s, and for every epoch."""
    torch.set_num_threads(1)
    a, B = c["arch"], c["arch"]["batch"]
    xtrain, ytrain = fashion_mnist("train", c["limit"])
    xtest, ytest = fashion_mnist("t10k", c["limit"])
    net = Net(a)
    net.load_rnnc(safetensors_np.load(c["weights"]))
    params = list(net.rnnc_params().values())
    opt = torch.optim.Adam(params, lr=a["lr"], betas=tuple(a["betas"]), eps=a["eps"], weight_decay=a["weight_decay"])
    loss_fn = torch.nn.CrossEntropyLoss()
    report({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": loaded_blas()})
    nbatches = len(ytrain) // B
    for e in range(c["epochs"]):
        perm = rnnc_shuffle(len(ytrain), c["seed"], e)
        net.train()
        loss_sum = acc_sum = 0.0
        tenths = 0
        t0 = time.perf_counter()
        for b in range(nbatches):
            idx = perm[b * B:(b + 1) * B]
            x, y = xtrain[idx], ytrain[idx]
            opt.zero_grad()
            logits = net(x)
            loss = loss_fn(logits, y)
            loss.backward()
            if a["clip"]:
                torch.nn.utils.clip_grad_norm_(params, a["clip"])
            opt.step()
            loss_sum += loss.item()
            acc_sum += (logits.argmax(-1) == y).float().mean().item()  # before the step, as rnnc's metric
            t = time.perf_counter() - t0
            if (b + 1) * 10 // nbatches > tenths and b + 1 < nbatches:
                tenths = (b + 1) * 10 // nbatches
                if t > 10:
                    report({"epoch": e + 1, "batch": b + 1, "batches": nbatches, "loss": loss_sum / (b + 1),
                            "seconds": t})
        train_s = time.perf_counter() - t0
        net.eval()
        t0 = time.perf_counter()
        test_loss = correct = 0.0
        with torch.no_grad():
            for start in range(0, len(ytest), B):
                logits = net(xtest[start:start + B])
                y = ytest[start:start + B]
                test_loss += torch.nn.functional.cross_entropy(logits, y, reduction="sum").item()
                correct += (logits.argmax(-1) == y).sum().item()
        report({"epoch": e + 1, "train_loss": loss_sum / nbatches, "train_acc": acc_sum / nbatches,
                "test_loss": test_loss / len(ytest), "test_acc": correct / len(ytest), "train_s": train_s,
                "eval_s": time.perf_counter() - t0})


def run_torch(c, blas_dir):
    """train_torch in a child process (common.child_env): its reports, the
    epochs' also printed as they come."""
    env = child_env(blas_dir)
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-child", json.dumps(c)]
    info, epochs = {}, []
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            r = json.loads(line)
            if "train_loss" in r:
                epochs.append(r)
                print(f"  PyTorch | epoch {r['epoch']}/{c['epochs']}  loss {r['train_loss']:.4f} acc "
                      f"{r['train_acc']:.4f}  test loss {r['test_loss']:.4f} acc {r['test_acc']:.4f}  "
                      f"train {r['train_s']:.1f} s, test {r['eval_s']:.1f} s", flush=True)
            elif "batch" in r:
                print(f"  PyTorch | epoch {r['epoch']}/{c['epochs']}  {r['batch']}/{r['batches']}  loss "
                      f"{r['loss']:.4f}  {r['seconds']:.0f} s", flush=True)
            else:
                info = r
    if p.returncode:
        sys.exit(f"{PROG}: the PyTorch child failed with status {p.returncode}")
    return info, epochs


# ---- rnnc ----

EPOCH_LINE = re.compile(r"^epoch (\d+)/\d+ +(\d+)/\d+ .* test loss .*  ([\d,]+) samples/s$")


def run_rnnc(rnnc, spec, options, batch, out):
    """`rnnc train`, its lines printed as they come: per epoch (from the
    CSV and the epoch lines) train_loss, train_acc, test_loss, test_acc,
    train_s (the batches over the line's samples/s, which counts only
    training) and eval_s (the CSV's seconds less train_s); and where the
    generated code is, compiled how."""
    cmd = [rnnc, "train", spec, "--data", "fashion-mnist", *options, "-o", out]
    train_s, code = {}, ""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            line = line.rstrip("\n")
            print("  rnnc | " + line, flush=True)
            m = EPOCH_LINE.match(line)
            if m:
                batches, rate = int(m.group(2)), int(m.group(3).replace(",", ""))
                train_s[int(m.group(1))] = batches * batch / rate if rate else float("nan")
            if line.startswith("code "):
                flags = os.environ.get("RNNC_CFLAGS", "and the backend's default flags (README: --backend c)")
                code = f"generated code {line.split()[1]}, compiled with {os.environ.get('CC') or 'cc'} {flags}"
    if p.returncode:
        sys.exit(f"{PROG}: `{' '.join(cmd)}` failed with status {p.returncode}")
    epochs = []
    with open(out[:-len(".safetensors")] + ".csv") as f:
        names = f.readline().strip().split(",")
        for line in f:
            r = dict(zip(names, map(float, line.split(","))))
            e = int(r.pop("epoch"))
            r.update(epoch=e, train_s=train_s[e], eval_s=r.pop("seconds") - train_s[e])
            epochs.append(r)
    return epochs, code


# ---- one spec ----


def fmnist_classifier(args, spec):
    """The spec's summary and architecture(); exits unless it classifies Fashion-MNIST."""
    s = summary(args.rnnc, spec, *(["--batch", str(args.batch)] if args.batch else []))
    a = architecture(s, spec, PROG)
    if a["ids"] or a["per_step"] or a["steps"] != 28 or a["cells"][0]["features"] != 28 or a["classes"] != 10:
        sys.exit(f"{PROG}: {spec}: not a Fashion-MNIST classifier (input [B, 28, 28] floats, 10 classes)")
    return s, a


def compare(args, spec, s, a):
    """Trains spec in rnnc, then in PyTorch: the settings and both runs' epochs."""
    epochs, B = args.epochs or a["epochs"], a["batch"]
    with tempfile.TemporaryDirectory(prefix="train_compare.") as tmp:
        weights = os.path.join(tmp, "init.safetensors")
        subprocess.run([args.rnnc, "init", spec, "--seed", str(args.seed), "--batch", str(B), "-o", weights],
                       check=True, stdout=subprocess.DEVNULL)
        train = ["--epochs", str(epochs), "--seed", str(args.seed), "--batch", str(B)]
        train += ["--limit", str(args.limit)] if args.limit else []
        rnnc, code = run_rnnc(args.rnnc, spec, train, B, os.path.join(tmp, "rnnc.safetensors"))
        c = dict(arch=a, weights=weights, epochs=epochs, seed=args.seed, limit=args.limit)
        info, torch_epochs = run_torch(c, args.blas_dir)
    nparams = sum(layer["params"] for layer in s["layers"])
    return dict(spec=spec, name=a["name"], arch=a, params=nparams, batch=B, lr=a["lr"], betas=a["betas"], eps=a["eps"],
                clip=a["clip"], epochs=epochs, seed=args.seed, limit=args.limit, rnnc_code=code, torch=info,
                rnnc_epochs=rnnc, torch_epochs=torch_epochs)


def describe(a):
    """The PyTorch model of architecture a in a line."""
    parts = [f"(x - {a['normalize'][0]:g}) / {a['normalize'][1]:g}"] if a["normalize"] else []
    parts += [f"nn.{c['kind']}({c['features']}, {c['hidden']})" for c in a["cells"]]
    return ", ".join(parts) + f", nn.Linear({a['cells'][-1]['hidden']}, {a['classes']}) on the last step"


def print_table(r):
    rows = list(zip(r["rnnc_epochs"], r["torch_epochs"]))
    clip = f", clip_norm {r['clip']}" if r["clip"] else ""
    print(f"\n{r['name']} ({r['spec']}): {r['params']:,} parameters, batch {r['batch']}, f32, Adam lr {r['lr']} "
          f"betas {tuple(r['betas'])} eps {r['eps']}{clip}, seed {r['seed']}"
          + (f", --limit {r['limit']}" if r["limit"] else ""))
    print(f"PyTorch model: {describe(r['arch'])}")
    print(f"{'':6}{'------------- rnnc -------------':>34}{'----------- PyTorch ------------':>34}")
    print(f"{'epoch':<6}{'train loss':>12}{'test acc':>10}{'train s':>10}    {'train loss':>12}{'test acc':>10}"
          f"{'train s':>10}{'PyTorch/rnnc':>14}")
    for ra, pt in rows:
        print(f"{ra['epoch']:<6}{ra['train_loss']:>12.4f}{ra['test_acc']:>10.4f}{ra['train_s']:>10.2f}    "
              f"{pt['train_loss']:>12.4f}{pt['test_acc']:>10.4f}{pt['train_s']:>10.2f}"
              f"{pt['train_s'] / ra['train_s']:>13.1f}x")
    rt, pt = (sum(e["train_s"] for e in r[k]) for k in ("rnnc_epochs", "torch_epochs"))
    print(f"{'total':<6}{'':>22}{rt:>10.2f}    {'':>22}{pt:>10.2f}{pt / rt:>13.1f}x")
    re_, pe = (sum(e["eval_s"] for e in r[k]) / len(rows) for k in ("rnnc_epochs", "torch_epochs"))
    print(f"test evaluation after each epoch, not in train s: rnnc {re_:.2f} s, PyTorch {pe:.2f} s")
    print(f"rnnc: one thread, {r['rnnc_code']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", action="append", help="a Fashion-MNIST classifier spec (repeatable; default "
                    "specs/fmnist_lstm.lua)")
    ap.add_argument("--epochs", type=int, help="epochs (default: the spec's)")
    ap.add_argument("--seed", type=int, default=0, help="initial weights and shuffle (default 0)")
    ap.add_argument("--batch", type=int, help="batch size (default: the spec's)")
    ap.add_argument("--limit", type=int, default=0, help="use the first N training and test examples")
    ap.add_argument("--rnnc", default=os.path.join(REPO, "build", "rnnc"))
    ap.add_argument("--blas-dir", help="run PyTorch with the libblas.so.3 of this directory (e.g. OpenBLAS's)")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--torch-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_child:
        train_torch(json.loads(args.torch_child), lambda r: print(json.dumps(r), flush=True))
        return
    if args.seed < 0:
        ap.error("--seed must be 0 or more")
    if args.blas_dir and not os.path.exists(os.path.join(args.blas_dir, "libblas.so.3")):
        ap.error(f"--blas-dir: no libblas.so.3 in {args.blas_dir}")
    specs = [s if os.path.exists(s) else os.path.join(REPO, s) for s in args.spec or ["specs/fmnist_lstm.lua"]]

    model, cores = machine()
    others = OtherLoad()
    load0 = os.getloadavg()
    print(f"machine: {model}, {cores} cores, {platform.system()} {platform.release()}; "
          f"python {platform.python_version()}, torch {torch.__version__}")
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}", flush=True)
    models = [(spec, *fmnist_classifier(args, spec)) for spec in specs]  # every spec checked before any training
    results = [compare(args, *m) for m in models]
    load1, other = os.getloadavg(), others.cores()

    for r in results:
        print_table(r)
    print()
    info = results[0]["torch"]
    print(f"PyTorch {info['torch']}: {info['threads']} thread, f32, BLAS {info['blas']}")
    print("train s: the seconds of an epoch's training loop (batches, forward, backward, Adam), without the "
          "shuffle and the test evaluation; PyTorch/rnnc: the ratio of those times")
    print(f"load average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; other processes kept "
          f"{other:.2f} of the {cores} cores busy on average during the run")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(machine=model, cores=cores, load_before=load0, load_after=load1,
                           other_cores=other, results=results), f, indent=1)


if __name__ == "__main__":
    main()
