"""common.py - what the bench scripts (compare.py, train_compare.py) share.

- The machine: its CPU model and cores, the first line of a tool's
  --version, and OtherLoad, the cores other processes kept busy.
- The model: `rnnc summary --json` read into a description of the spec as a
  stack of LSTM / GRU layers and a Dense layer (architecture), and Net, the
  PyTorch module it describes (nn.LSTM / nn.GRU with batch_first, then
  nn.Linear), which takes rnnc's weights by rnnc's names.
- PyTorch in a child process: child_env gives one thread and, with a BLAS
  directory, that directory's libblas.so.3 first on the library path (the
  loader reads LD_LIBRARY_PATH when a process starts, hence the child);
  loaded_blas says which library a process actually loaded.
"""
import json
import os
import resource
import subprocess
import sys
import time

import torch

GATES = {"LSTM": 4, "GRU": 3}

# ---- the machine ----


def first_line(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "(not found)"


def machine():
    """The CPU model (/proc/cpuinfo) and the number of cores."""
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


def summary(rnnc, spec, *options):
    """`rnnc summary SPEC --json` (options such as --batch B go through)."""
    return json.loads(subprocess.run([rnnc, "summary", spec, *options, "--json"], check=True,
                                     capture_output=True, text=True).stdout)


def architecture(s, spec, prog):
    """The spec of summary s as a dict (JSON-able, for a child process):
    cells, a list of recurrent layers {name, kind, features, hidden} each
    feeding the next; dense, the name of the Dense layer on the last cell's
    output (its last step, or every step when per_step); classes, batch,
    steps, ids (int32 token ids, one-hot into the first cell by a OneHot
    layer), normalize ([mean, std] of a Normalize layer first, or None),
    per_step (labels per step), params (the trainable parameters in the
    spec's order), the Adam settings (lr, betas, eps, weight_decay), clip
    and epochs.  Exits naming prog and spec when the spec is anything else."""
    def refuse(why):
        sys.exit(f"{prog}: {spec}: {why} (expected: a OneHot of token ids or a Normalize of floats or neither, "
                 f"LSTM / GRU layers, one Dense layer; cross_entropy; Adam; no tbptt)")

    params = {p["name"]: p["shape"] for p in s["params"]}
    x, y = (next(i for i in s["inputs"] if i["target"] == t) for t in (False, True))
    ids = x["dtype"] == "int32"
    layers, normalize = s["layers"], None
    if layers and layers[0]["kind"] == ("OneHot" if ids else "Normalize"):
        if not ids:
            if len(layers[0].get("args", [])) != 2:
                refuse("Normalize without its mean and std in `rnnc summary --json` (an older rnnc?)")
            normalize = layers[0]["args"]
        layers = layers[1:]
    if len(layers) < 2 or layers[-1]["kind"] != "Dense" or any(l["kind"] not in GATES for l in layers[:-1]):
        refuse("layers " + ", ".join(f"{l['name']} ({l['kind']})" for l in layers))
    if s["loss"] != "cross_entropy" or s["optimizer"]["kind"] != "Adam" or s["tbptt"]:
        refuse(f"loss {s['loss']}, optimizer {s['optimizer']['kind']}, tbptt {s['tbptt']}")
    per_step = len(y["shape"]) == 2
    cells = []
    for k, l in enumerate(layers[:-1]):
        gh, features = params[l["name"] + ".weight_ih"]
        sequences = len(l["output_shape"]) == 3
        if sequences != (k < len(layers) - 2 or per_step):
            refuse(f"{l['name']} {'returns' if sequences else 'does not return'} sequences")
        cells.append(dict(name=l["name"], kind=l["kind"], features=features, hidden=gh // GATES[l["kind"]]))
    dense = layers[-1]["name"]
    o = s["optimizer"]
    return dict(name=s["name"], cells=cells, dense=dense, classes=params[dense + ".weight"][0], batch=s["batch"],
                steps=s["steps"], ids=ids, normalize=normalize, per_step=per_step,
                params=[p["name"] for p in s["params"] if p["trainable"]], lr=o["lr"],
                betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=o["weight_decay"], clip=s["clip_norm"],
                epochs=s["epochs"])


class Net(torch.nn.Module):
    """The PyTorch model of architecture(): the input one-hot or (x - mean) / std
    when the spec says so, the cells in a stack, nn.Linear on the last one's
    last step (or every step when per_step)."""

    def __init__(self, a):
        super().__init__()
        self.a = a
        self.cells = torch.nn.ModuleList(
            (torch.nn.LSTM if c["kind"] == "LSTM" else torch.nn.GRU)(c["features"], c["hidden"], batch_first=True)
            for c in a["cells"])
        self.dense = torch.nn.Linear(a["cells"][-1]["hidden"], a["classes"])

    def forward(self, x):
        h = x
        if self.a["ids"]:
            h = torch.nn.functional.one_hot(x, self.a["cells"][0]["features"]).float()
        if self.a["normalize"]:
            mean, std = self.a["normalize"]
            h = (h - mean) / std
        for cell in self.cells:
            h, _ = cell(h)
        return self.dense(h if self.a["per_step"] else h[:, -1])

    def rnnc_params(self):
        """rnnc name -> torch parameter (lstm1.weight_ih -> cells[0].weight_ih_l0), in the spec's order."""
        named = {f"{self.a['dense']}.{p}": getattr(self.dense, p) for p in ("weight", "bias")}
        for c, cell in zip(self.a["cells"], self.cells):
            named.update({f"{c['name']}.{p}": getattr(cell, p + "_l0")
                          for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})
        if sorted(named) != sorted(self.a["params"]):
            sys.exit(f"the spec trains {self.a['params']}, the PyTorch model has {sorted(named)}")
        return {name: named[name] for name in self.a["params"]}

    def load_rnnc(self, weights):
        """Copies rnnc's tensors ({name: numpy array}, e.g. from `rnnc init`) into the parameters."""
        with torch.no_grad():
            for name, p in self.rnnc_params().items():
                if tuple(weights[name].shape) != tuple(p.shape):
                    sys.exit(f"{name} is {list(weights[name].shape)} in rnnc's weights, {list(p.shape)} in PyTorch")
                p.copy_(torch.from_numpy(weights[name]))


# ---- PyTorch in a child process ----


def child_env(blas_dir=None):
    """The environment of a PyTorch child: one thread for OpenMP, MKL and
    OpenBLAS, and blas_dir first on the library path when given."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if blas_dir:
        env["LD_LIBRARY_PATH"] = blas_dir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env


def loaded_blas():
    """The BLAS library this process loaded (torch links libblas.so.3)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "libblas" in line or "openblas" in line}
    return ", ".join(sorted(paths)) or "(none)"
