#!/usr/bin/python3
"""compare.py - one training step: PyTorch, rnnc's interpreter, rnnc's generated code.

Usage (from the repository root, with Debian's python3-torch):
    /usr/bin/python3 bench/compare.py [--rnnc build/rnnc] [--repeat N] [--rounds R] [--blas-dir DIR]

For each row (a spec at a batch size) it times one training step - forward,
backpropagation through time, gradient clipping when the spec clips, Adam -
in PyTorch (the same architecture: nn.LSTM / nn.GRU with batch_first, then
nn.Linear, CrossEntropyLoss, torch.optim.Adam, one thread) and in rnnc
(`rnnc bench SPEC --batch B --repeat N --json`, which times the interpreter
and the generated code on one graph).  Every time is the median of N runs
after warm-up.  The architecture of the PyTorch model is read from
`rnnc summary --json`, so it cannot drift from the spec.

It also measures this machine's peak single-core f32 rate with a small C
program (independent chains of vector fused multiply-adds held in
registers, compiled with -O3 -march=native) and reports the generated
training step's achieved GFLOP/s against it.  The FLOPs are those of the
matrix products only, counted analytically (see train_step_flops).  A VM's
core changes speed from one minute to the next, so rnnc is measured in R
rounds, each between two measurements of the peak, and each round's rate is
held against the peak around it; every round measures every row in turn, so
that a slow spell of the machine falls on all rows, not on one.

Everything is measured in one run of this script; it prints the machine,
the compilers, the torch version and the load average before and after.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import torch

from common import GATES, Net, OtherLoad, architecture, child_env, first_line, loaded_blas, machine, summary

ROWS = [("fmnist_lstm", 64), ("fmnist_lstm", 1), ("gru_classifier", 64), ("charlm_lstm", 32)]

# ---- the machine ----

PEAK_C = r"""
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CHAINS independent accumulators a = a * b + c (one FMA each), unrolled so
 * that they stay in registers: enough chains to cover the FMA latency on
 * every FMA pipe.  The best of 40 short runs (about 15 ms each), so that a run
 * the scheduler did not interrupt is among them on a busy machine. */
#define PEAK(NAME, W, CHAINS)                                                        \
  static double NAME(void) {                                                         \
    typedef float vf __attribute__((vector_size(W * sizeof(float))));               \
    vf acc[CHAINS], b, c;                                                            \
    for (int k = 0; k < W; k++) b[k] = 0.999999f, c[k] = 1e-6f;                      \
    for (int i = 0; i < CHAINS; i++)                                                 \
      for (int k = 0; k < W; k++) acc[i][k] = (float)(i + k) / (CHAINS + W);         \
    const long iters = 2000000;                                                      \
    double best = 0;                                                                 \
    for (int rep = 0; rep < 40; rep++) {                                             \
      double t0 = now();                                                             \
      for (long n = 0; n < iters; n++)                                               \
        _Pragma("GCC unroll 64") for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * b + c; \
      double gflops = 2.0 * W * CHAINS * (double)iters / (now() - t0) / 1e9;       \
      if (gflops > best) best = gflops;                                              \
    }                                                                                \
    float sum = 0;                                                                   \
    for (int i = 0; i < CHAINS; i++)                                                 \
      for (int k = 0; k < W; k++) sum += acc[i][k];                                  \
    return sum > 0 ? best : 0; /* keeps the work observable */                       \
  }

PEAK(peak8, 8, 12) /* 256-bit vectors: 12 of the 16 registers (AVX2) */
#ifdef __AVX512F__
PEAK(peak16, 16, 24) /* 512-bit vectors: 24 of the 32 registers */
#endif

int main(void) {
  double best = peak8();
  printf("256-bit %.2f\n", best);
#ifdef __AVX512F__
  double wide = peak16();
  printf("512-bit %.2f\n", wide);
  best = wide > best ? wide : best;
#endif
  printf("peak %.2f\n", best);
  return 0;
}
"""


class Peak:
    """This core's f32 FMA peak in GFLOP/s, measured whenever asked: a VM's
    core can run at another speed a minute later, so each row is held against
    the peak measured just before its generated code ran."""

    def __init__(self, tmp):
        src, self.exe = os.path.join(tmp, "peak.c"), os.path.join(tmp, "peak")
        with open(src, "w") as f:
            f.write(PEAK_C)
        subprocess.run(["cc", "-O3", "-march=native", src, "-o", self.exe], check=True)

    def measure(self):
        """The peak, and the rate of each vector width."""
        out = subprocess.run([self.exe], check=True, capture_output=True, text=True).stdout
        lines = dict(line.rsplit(" ", 1) for line in out.splitlines())
        return float(lines["peak"]), {k: float(v) for k, v in lines.items() if k != "peak"}


# ---- the model, read from the spec ----


def one_cell(rnnc, spec, batch):
    """common.architecture of a spec with one LSTM or GRU, with that cell's
    kind, hidden and features at the top level (for train_step_flops)."""
    a = architecture(summary(rnnc, spec, "--batch", str(batch)), spec, "compare.py")
    if len(a["cells"]) != 1:
        sys.exit(f"compare.py: {spec}: expected one LSTM or GRU")
    a.update({k: a["cells"][0][k] for k in ("kind", "hidden", "features")})
    return a


def train_step_flops(a):
    """Matrix-product FLOPs of one training step (2 per multiply-add).

    Per recurrent layer with G gates (LSTM 4, GRU 3), input width I, hidden
    width H, batch B, T steps, and a Dense layer H -> O applied to the last
    step (classifier) or to every step (per-step loss, P = T applications):
      forward   x W_ih^T at every step      T     * 2 B I GH
                h W_hh^T at steps 1..T-1      (T-1) * 2 B H GH   (h_0 = 0: no work)
                h W^T of the Dense layer     P     * 2 B H O
      backward  dW_ih = sum_t dz_t^T x_t     T     * 2 B I GH
                dW_hh = sum_t dz_t^T h_t-1   (T-1) * 2 B H GH
                dh_t-1 = dz_t W_hh            (T-1) * 2 B GH H
                dW and dh of the Dense layer P     * 2 * 2 B H O
    No gradient flows into the data (x W_ih has no data-gradient product).
    A one-hot input has no products at all: x W_ih^T picks rows of W_ih^T
    and dW_ih adds rows into it (rnnc's simplify.c does exactly that; the
    PyTorch model multiplies the one-hot matrix, work a compiler need not
    do).  The elementwise work (gates, loss, Adam) is left out: it is a few
    percent of the products at these sizes.
    """
    G, B, T, I, H, O = GATES[a["kind"]], a["batch"], a["steps"], a["features"], a["hidden"], a["classes"]
    P = T if a["per_step"] else 1
    recurrent = 3 * (T - 1) * 2 * B * H * G * H
    inputs = 0 if a["ids"] else 2 * T * 2 * B * I * G * H
    dense = 3 * P * 2 * B * H * O
    return recurrent + inputs + dense


# ---- PyTorch ----


def time_torch(a, repeat, warmup=3):
    """Median ms of one training step in PyTorch, in this process."""
    torch.set_num_threads(1)
    torch.manual_seed(0)
    B, T = a["batch"], a["steps"]
    net = Net(a)
    opt = torch.optim.Adam(net.parameters(), lr=a["lr"], betas=a["betas"], eps=a["eps"])
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.randint(0, a["features"], (B, T)) if a["ids"] else torch.randn(B, T, a["features"])
    y = torch.randint(0, a["classes"], (B, T) if a["per_step"] else (B,))

    def step():
        opt.zero_grad()
        logits = net(x)
        loss = loss_fn(logits.reshape(-1, a["classes"]), y.reshape(-1))
        loss.backward()
        if a["clip"]:
            torch.nn.utils.clip_grad_norm_(net.parameters(), a["clip"])
        opt.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def time_torch_child(a, repeat, blas_dir=None):
    """time_torch in a child process (one thread), with blas_dir's
    libblas.so.3 first on the library path when given: the median and the
    BLAS the child loaded."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-child", json.dumps(a), str(repeat)],
                         env=child_env(blas_dir), check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["ms"], r["blas"]


# ---- rnnc ----


def time_rnnc(rnnc, spec, batch, repeat):
    out = subprocess.run([rnnc, "bench", spec, "--batch", str(batch), "--repeat", str(repeat), "--json"],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    train = next(row for row in r["rows"] if row["name"] == "train")
    return train["interp_median_ms"], train["generated_median_ms"], r


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rnnc", default=os.path.join(here, "..", "build", "rnnc"))
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per measurement (default 20)")
    ap.add_argument("--rounds", type=int, default=3, help="rnnc measurements per row, each between two "
                    "measurements of the peak (default 3)")
    ap.add_argument("--blas-dir", help="also time PyTorch with the libblas.so.3 of this directory (e.g. "
                    "OpenBLAS's), in a column of its own")
    ap.add_argument("--torch-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.repeat < 1 or args.rounds < 1:
        ap.error(f"--repeat and --rounds take a count of at least 1, got {args.repeat} and {args.rounds}")
    if args.torch_child:
        ms = time_torch(json.loads(args.torch_child[0]), int(args.torch_child[1]))
        print(json.dumps({"ms": ms, "blas": loaded_blas()}))
        return
    os.chdir(os.path.join(here, ".."))

    model, cores = machine()
    others = OtherLoad()
    load0 = os.getloadavg()
    print(f"machine: {model}, {cores} cores, {platform.system()} {platform.release()}")
    print(f"compilers: {first_line(['cc', '--version'])}; python {platform.python_version()}, torch {torch.__version__}")
    tmp = tempfile.TemporaryDirectory()
    peak = Peak(tmp.name)
    first, parts = peak.measure()
    print("peak f32 FMA rate of one core (cc -O3 -march=native): " +
          ", ".join(f"{k} vectors {v:.1f}" for k, v in parts.items()) + f" -> {first:.1f} GFLOP/s")
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")

    cells, blas = [], {}  # per row: (name, batch, spec, its FLOPs, PyTorch ms, PyTorch* ms)
    for name, batch in ROWS:
        spec = f"specs/{name}.lua"
        a = one_cell(args.rnnc, spec, batch)
        torch_ms, blas["PyTorch"] = time_torch_child(a, args.repeat)
        other_ms = None
        if args.blas_dir:
            other_ms, blas["PyTorch*"] = time_torch_child(a, args.repeat, args.blas_dir)
        cells.append((name, batch, spec, train_step_flops(a), torch_ms, other_ms))
    # Each round visits every row, so that a slow spell of the machine falls on all rows alike rather
    # than on whichever row it met.
    rounds = [[] for _ in cells]  # per row: (interp ms, generated ms, the peak around it, the fraction of it)
    for _ in range(args.rounds):
        for (_, batch, spec, flops, _, _), row_rounds in zip(cells, rounds):
            before = peak.measure()[0]
            interp_ms, gen_ms, report = time_rnnc(args.rnnc, spec, batch, args.repeat)
            around = (before + peak.measure()[0]) / 2
            row_rounds.append((interp_ms, gen_ms, around, flops / (gen_ms * 1e-3) / 1e9 / around))
    rows = []
    for (name, batch, _, flops, torch_ms, other_ms), row_rounds in zip(cells, rounds):
        interp_ms, gen_ms, row_peak, fraction = (statistics.median(r[k] for r in row_rounds) for k in range(4))
        rows.append((name, batch, torch_ms, other_ms, interp_ms, gen_ms, flops, flops / (gen_ms * 1e-3) / 1e9,
                     row_peak, fraction))
    load1 = os.getloadavg()
    tmp.cleanup()

    for column, path in blas.items():
        print(f"{column} (1 thread) loaded BLAS: {path}")
    print(f"generated code compiled by rnnc bench with: {report['cc']} {report['cflags']}")
    print(f"\none training step (forward, BPTT, clipping if the spec clips, Adam), f32; "
          f"median of {args.repeat} runs after warm-up, ms\n")
    other = f"{'PyTorch*':>10}" if args.blas_dir else ""
    print(f"{'model':<16}{'batch':>6}{'PyTorch':>10}{other}{'interp':>10}{'generated':>11}"
          f"{'gen/PyTorch':>13}{'gen/interp':>12}{'GFLOP':>8}{'GFLOP/s':>9}{'peak':>7}{'% peak':>8}")
    for name, batch, torch_ms, other_ms, interp_ms, gen_ms, flops, rate, row_peak, fraction in rows:
        other = f"{other_ms:>10.2f}" if other_ms is not None else ""
        print(f"{name:<16}{batch:>6}{torch_ms:>10.2f}{other}{interp_ms:>10.2f}{gen_ms:>11.2f}"
              f"{gen_ms / torch_ms:>13.3f}{gen_ms / interp_ms:>12.3f}{flops / 1e9:>8.3f}{rate:>9.1f}"
              f"{row_peak:>7.1f}{100 * fraction:>7.0f}%")
    print(f"\ninterp, generated: medians over {args.rounds} rounds of rnnc bench; peak: the mean of the peaks "
          f"measured just before and after each round (GFLOP/s), the median over the rounds; % peak: the median "
          f"of the rounds' GFLOP/s each against its own peak")
    print(f"\nload average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; other processes kept "
          f"{others.cores():.2f} of the {cores} cores busy on average during the run")


if __name__ == "__main__":
    main()
