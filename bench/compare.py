#!/usr/bin/python3
"""compare.py - one training step: PyTorch, rnnc's interpreter, rnnc's generated code.

Usage (from the repository root, with Debian's python3-torch):
    /usr/bin/python3 bench/compare.py [--rnnc build/rnnc] [--repeat N]

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
matrix products only, counted analytically (see train_step_flops).

Everything is measured in one run of this script; it prints the machine,
the compilers, the torch version and the load average before and after.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import torch

ROWS = [("fmnist_lstm", 64), ("fmnist_lstm", 1), ("gru_classifier", 64), ("charlm_lstm", 32)]
GATES = {"LSTM": 4, "GRU": 3}

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


def measure_peak():
    """This core's f32 FMA peak in GFLOP/s, and the compile command."""
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "peak.c"), os.path.join(tmp, "peak")
        with open(src, "w") as f:
            f.write(PEAK_C)
        cmd = ["cc", "-O3", "-march=native", src, "-o", exe]
        subprocess.run(cmd, check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    lines = dict(line.rsplit(" ", 1) for line in out.splitlines())
    return float(lines["peak"]), {k: float(v) for k, v in lines.items() if k != "peak"}


def first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "(not found)"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return model, os.cpu_count()


class OtherLoad:
    """How many cores other processes kept busy while we ran: the machine's
    busy time (/proc/stat) less our own and our children's (getrusage),
    over the wall time.  Sharper than the load average, which counts us."""

    def __init__(self):
        self.start = self.sample()

    @staticmethod
    def sample():
        with open("/proc/stat") as f:
            cpu = [int(v) for v in f.readline().split()[1:]]
        busy = (sum(cpu) - cpu[3] - cpu[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
        own = sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for field in ("ru_utime", "ru_stime"))
        return time.monotonic(), busy, own

    def cores(self):
        (t0, busy0, own0), (t1, busy1, own1) = self.start, self.sample()
        return max(0.0, (busy1 - busy0) - (own1 - own0)) / (t1 - t0)


# ---- the model, read from the spec ----


def architecture(rnnc, spec, batch):
    """The spec's one recurrent layer and one Dense layer, from rnnc summary."""
    s = json.loads(subprocess.run([rnnc, "summary", spec, "--batch", str(batch), "--json"], check=True,
                                  capture_output=True, text=True).stdout)
    params = {p["name"]: p["shape"] for p in s["params"]}
    cells = [l for l in s["layers"] if l["kind"] in GATES]
    dense = [l for l in s["layers"] if l["kind"] == "Dense"]
    if len(cells) != 1 or len(dense) != 1 or s["optimizer"]["kind"] != "Adam":
        sys.exit(f"compare.py: {spec}: expected one LSTM or GRU, one Dense and Adam")
    cell, x, y = cells[0], s["inputs"][0], s["inputs"][1]
    kind = cell["kind"]
    gh, features = params[cell["name"] + ".weight_ih"]
    classes = params[dense[0]["name"] + ".weight"][0]
    o = s["optimizer"]
    return dict(kind=kind, hidden=gh // GATES[kind], features=features, classes=classes, batch=s["batch"],
                steps=s["steps"], ids=x["dtype"] == "int32", per_step=len(y["shape"]) == 2,
                lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], clip=s["clip_norm"])


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
    A one-hot input counts as the dense product it is written as.  The
    elementwise work (gates, loss, Adam) is left out: it is a few percent of
    the products at these sizes.
    """
    G, B, T, I, H, O = GATES[a["kind"]], a["batch"], a["steps"], a["features"], a["hidden"], a["classes"]
    P = T if a["per_step"] else 1
    recurrent = 3 * (T - 1) * 2 * B * H * G * H
    inputs = 2 * T * 2 * B * I * G * H
    dense = 3 * P * 2 * B * H * O
    return recurrent + inputs + dense


# ---- PyTorch ----


class Net(torch.nn.Module):
    def __init__(self, a):
        super().__init__()
        cell = torch.nn.LSTM if a["kind"] == "LSTM" else torch.nn.GRU
        self.a = a
        self.rnn = cell(a["features"], a["hidden"], batch_first=True)
        self.dense = torch.nn.Linear(a["hidden"], a["classes"])

    def forward(self, x):
        if self.a["ids"]:
            x = torch.nn.functional.one_hot(x, self.a["features"]).float()
        h, _ = self.rnn(x)
        return self.dense(h if self.a["per_step"] else h[:, -1])


def loaded_blas():
    """The BLAS library this process loaded (torch links libblas.so.3)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "libblas" in line or "openblas" in line}
    return ", ".join(sorted(paths)) or "(none)"


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
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if blas_dir:
        env["LD_LIBRARY_PATH"] = blas_dir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-child", json.dumps(a), str(repeat)],
                         env=env, check=True, capture_output=True, text=True).stdout
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
    ap.add_argument("--blas-dir", help="also time PyTorch with the libblas.so.3 of this directory (e.g. "
                    "OpenBLAS's), in a column of its own")
    ap.add_argument("--torch-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
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
    peak, parts = measure_peak()
    print("peak f32 FMA rate of one core (cc -O3 -march=native): " +
          ", ".join(f"{k} vectors {v:.1f}" for k, v in parts.items()) + f" -> {peak:.1f} GFLOP/s")
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")

    rows, blas = [], {}
    for name, batch in ROWS:
        spec = f"specs/{name}.lua"
        a = architecture(args.rnnc, spec, batch)
        torch_ms, blas["PyTorch"] = time_torch_child(a, args.repeat)
        other_ms = None
        if args.blas_dir:
            other_ms, blas["PyTorch*"] = time_torch_child(a, args.repeat, args.blas_dir)
        interp_ms, gen_ms, report = time_rnnc(args.rnnc, spec, batch, args.repeat)
        flops = train_step_flops(a)
        rate = flops / (gen_ms * 1e-3) / 1e9
        rows.append((name, batch, torch_ms, other_ms, interp_ms, gen_ms, flops, rate))
    load1 = os.getloadavg()

    for column, path in blas.items():
        print(f"{column} (1 thread) loaded BLAS: {path}")
    print(f"generated code compiled by rnnc bench with: {report['cc']} {report['cflags']}")
    print(f"\none training step (forward, BPTT, clipping if the spec clips, Adam), f32; "
          f"median of {args.repeat} runs after warm-up, ms\n")
    other = f"{'PyTorch*':>10}" if args.blas_dir else ""
    print(f"{'model':<16}{'batch':>6}{'PyTorch':>10}{other}{'interp':>10}{'generated':>11}"
          f"{'gen/PyTorch':>13}{'gen/interp':>12}{'GFLOP':>8}{'GFLOP/s':>9}{'% peak':>8}")
    for name, batch, torch_ms, other_ms, interp_ms, gen_ms, flops, rate in rows:
        other = f"{other_ms:>10.2f}" if other_ms is not None else ""
        print(f"{name:<16}{batch:>6}{torch_ms:>10.2f}{other}{interp_ms:>10.2f}{gen_ms:>11.2f}"
              f"{gen_ms / torch_ms:>13.3f}{gen_ms / interp_ms:>12.3f}{flops / 1e9:>8.3f}{rate:>9.1f}"
              f"{100 * rate / peak:>7.0f}%")
    print(f"\nload average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; other processes kept "
          f"{others.cores():.2f} of the {cores} cores busy on average during the run")


if __name__ == "__main__":
    main()
