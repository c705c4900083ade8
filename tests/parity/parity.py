#!/usr/bin/python3
"""parity.py - rnnc against PyTorch in float64, on the same weights and inputs.

usage: parity.py RNNC grad SPEC [--batch B] [--steps T] [--seed S] [--input-scale K] [--backend interp|c]
                                [--workdir DIR]
       parity.py RNNC step SPEC [same options]

Both modes take the spec's inputs and parameters from `rnnc summary --json`,
initial weights from `rnnc init --dtype f64`, and write random inputs (floats
N(0, 1) * K as F64, ids and labels uniform in [0, max) as I32).  A PyTorch
twin of the spec (MODELS below: nn.RNN / nn.LSTM / nn.GRU with
batch_first=True and nn.Linear, rnnc's `lstm1.weight_ih` loaded into the
`weight_ih_l0` of the twin's lstm1) is run in float64 on the same weights.

grad  compares `rnnc grad`'s loss, outputs, metrics and grad.<param> with the
      twin's forward pass and loss.backward().
step  runs two `rnnc step`s (the second from the first one's output) and two
      steps of the torch.optim optimizer the spec names (with
      clip_grad_norm_ first when the spec sets clip_norm, and a check that
      the clipping actually binds), comparing the loss and metrics before
      each step, and the parameters and optimizer state (exp_avg,
      exp_avg_sq, step, momentum_buffer) after it.

--backend c runs the generated code (compiled by rnnc) instead of the interpreter.

Every tensor is compared by its largest relative error |a - b| / max(|b|, 1e-3),
a from rnnc and b from PyTorch; each must be below 1e-9.  A tensor on one side
only is a failure too.  One line per tensor; the exit status is 1 on any
failure, with the failing tensors named at the end.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_np  # noqa: E402

TOLERANCE = 1e-9
FLOOR = 1e-3  # below this magnitude the error is measured absolutely

torch.set_default_dtype(torch.float64)  # modules and Adam's step counter in f64


# ---------------------------------------------------------------- the twins

class Twin:
    """The PyTorch twin of a spec: torch parameters by rnnc name.  Builders
    (MODELS) make layers through it, which loads each parameter from the
    rnnc weights file by name, and return the forward function."""

    def __init__(self, summary, weights):
        self.weights = weights
        self.layers = summary["layers"]
        self.params = {}  # rnnc name -> torch Parameter

    def bind(self, name, param):
        value = self.weights[name]
        if tuple(value.shape) != tuple(param.shape):
            raise SystemExit(f"parity: {name} is {list(value.shape)} in rnnc's weights but "
                             f"{list(param.shape)} in PyTorch")
        with torch.no_grad():
            param.copy_(torch.from_numpy(value))
        self.params[name] = param

    def recurrent(self, name, cls, **options):
        """nn.RNN / nn.LSTM / nn.GRU sized from rnnc's weights; returns x [B, T, I] -> h [B, T, H]
        (with bidirectional=True: [B, T, 2H]).  rnnc's <name>.weight_ih is PyTorch's weight_ih_l0,
        <name>.weight_ih_reverse its weight_ih_l0_reverse."""
        return self.recurrent_module(name, cls, **options)[1]

    def recurrent_module(self, name, cls, **options):
        """The module, and x -> its output sequence."""
        gates = {nn.RNN: 1, nn.LSTM: 4, nn.GRU: 3}[cls]
        rows, features = self.weights[name + ".weight_ih"].shape
        module = cls(features, rows // gates, batch_first=True, **options)
        for suffix in ("", "_reverse") if options.get("bidirectional") else ("",):
            for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                self.bind(f"{name}.{p}{suffix}", getattr(module, f"{p}_l0{suffix}"))
        return module, lambda x: module(x)[0]

    def parameters(self, layer, names):
        """Free parameters <layer>.<name> (a user layer's), loaded from rnnc's weights."""
        out = []
        for name in names:
            p = nn.Parameter(torch.empty(self.weights[f"{layer}.{name}"].shape))
            self.bind(f"{layer}.{name}", p)
            out.append(p)
        return out

    def normalize(self, x):
        """x through the spec's Normalize(mean, std) layers, if any (they come first)."""
        for layer in self.layers:
            if layer["kind"] == "Normalize":
                mean, std = layer["args"]
                x = (x - mean) / std
        return x

    def dense(self, name):
        units, features = self.weights[name + ".weight"].shape
        module = nn.Linear(features, units)
        self.bind(name + ".weight", module.weight)
        self.bind(name + ".bias", module.bias)
        return module


def classification(logits, labels):
    """Outputs, metrics and loss of a softmax classifier: logits [..., C], labels [...].
    The loss is the mean over every position (batch, and steps for seq->seq)."""
    labels = labels.long()
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
    accuracy = (logits.argmax(-1) == labels).double().mean()
    return {"logits": logits}, {"accuracy": accuracy}, loss


def sine_rnn(t):
    rnn, dense = t.recurrent("rnn1", nn.RNN, nonlinearity="relu"), t.dense("dense1")

    def forward(x):
        prediction = dense(rnn(x["x"])[:, -1])
        return {"prediction": prediction}, {}, F.mse_loss(prediction, x["y"])
    return forward


def last_step_classifier(cls, names):
    """Recurrent layers `names` in a stack, a Dense on the last step of the top one."""
    def build(t):
        layers = [t.recurrent(name, cls) for name in names]
        dense = t.dense("dense1")

        def forward(x):
            h = t.normalize(x["x"])
            for layer in layers:
                h = layer(h)
            return classification(dense(h[:, -1]), x["y"])
        return forward
    return build


def charlm_lstm(t):
    lstm, dense = t.recurrent("lstm1", nn.LSTM), t.dense("dense1")
    vocabulary = t.weights["lstm1.weight_ih"].shape[1]

    def forward(x):
        one_hot = F.one_hot(x["x"].long(), vocabulary).double()
        return classification(dense(lstm(one_hot)), x["y"])  # Dense at every step
    return forward


def loss_per_step_and_last(t):
    """tests/layers/loss_per_step_and_last.lua: a per-step term (averaged over the steps) plus
    last-step terms in one loss, and a metric alike."""
    gru, per_step, head = t.recurrent("gru1", nn.GRU), t.dense("dense1"), t.dense("dense2")

    def forward(x):
        h = gru(x["x"])
        p, logits = per_step(h), head(h[:, -1])
        _, metrics, ce = classification(logits, x["label"])
        loss = F.mse_loss(p, x["y"]) + 0.5 * ce - p[:, -1].mean() / 4
        return {"logits": logits}, {"mixed": (p * p).mean() + metrics["accuracy"]}, loss
    return forward


def learned_initial_state(t):
    """tests/layers/learned_initial_state.lua: a tanh cell without biases whose initial state
    is the parameter cell1.h0, broadcast over the batch."""
    w_ih, w_hh, h0 = t.parameters("cell1", ("weight_ih", "weight_hh", "h0"))
    dense = t.dense("dense1")

    def forward(x):
        h = h0.expand(x["x"].shape[0], -1)
        for step in range(x["x"].shape[1]):
            h = torch.tanh(x["x"][:, step] @ w_ih.T + h @ w_hh.T)
        p = dense(h)
        return {"p": p}, {}, F.mse_loss(p, x["y"])
    return forward


def bidirectional_stack(t):
    """tests/layers/bidirectional_stack.lua: nn.LSTM(bidirectional=True)'s output into
    nn.GRU(bidirectional=True), whose h_n (forward last, backward after step 1) is summed."""
    lstm = t.recurrent("lstm1", nn.LSTM, bidirectional=True)
    gru, _ = t.recurrent_module("gru1", nn.GRU, bidirectional=True)
    dense = t.dense("dense1")

    def forward(x):
        h_n = gru(lstm(x["x"]))[1]
        return classification(dense(h_n[0] + h_n[1]), x["label"])
    return forward


def bidirectional_classifier(t):
    """specs/fmnist_bilstm.lua: a Dense on h_n of nn.LSTM(bidirectional=True), both directions."""
    lstm, _ = t.recurrent_module("lstm1", nn.LSTM, bidirectional=True)
    dense = t.dense("dense1")

    def forward(x):
        h_n = lstm(t.normalize(x["x"]))[1][0]
        return classification(dense(torch.cat([h_n[0], h_n[1]], -1)), x["y"])
    return forward


def go_backwards(t):
    """tests/layers/go_backwards.lua: nn.RNN over the flipped sequence (outputs kept in that
    order), flipped back, into a minimal gated unit run both ways and averaged."""
    rnn = t.recurrent("rnn1", nn.RNN)
    directions = [t.parameters("mgu1", [n + suffix for n in ("weight_ih", "weight_hh", "bias")])
                  for suffix in ("", "_reverse")]
    dense = t.dense("dense1")

    def mgu(x, w_ih, w_hh, b):
        units = w_hh.shape[1]
        s, out = torch.zeros(x.shape[0], units), []
        for step in range(x.shape[1]):
            xf, xn = (x[:, step] @ w_ih.T + b).chunk(2, -1)
            f = torch.sigmoid(xf + s @ w_hh[:units].T)
            n = torch.tanh(xn + (f * s) @ w_hh[units:].T)
            s = (1 - f) * s + f * n
            out.append(s)
        return torch.stack(out, 1)

    def forward(x):
        r = rnn(x["x"].flip(1)).flip(1)
        m = (mgu(r, *directions[0]) + mgu(r.flip(1), *directions[1]).flip(1)) * 0.5
        p = dense(m)
        return {"p": p}, {}, F.mse_loss(p, x["y"])
    return forward


def autoregressive(t, encoder, decoder, dense, steps):
    """An LSTM encoder whose final (h, c) start an LSTM decoder that reads, for `steps` steps,
    its own previous forecast (first the last input value): x -> (encoder output, forecasts)."""
    enc, _ = t.recurrent_module(encoder, nn.LSTM)
    dec, _ = t.recurrent_module(decoder, nn.LSTM)
    head = t.dense(dense)

    def run(x):
        out, state = enc(x)
        previous, forecasts = x[:, -1], []
        for _ in range(steps):
            d, state = dec(previous.unsqueeze(1), state)
            previous = head(d[:, 0])
            forecasts.append(previous)
        return out, torch.stack(forecasts, 1)
    return run


def encoder_decoder(t):
    """tests/layers/encoder_decoder.lua: an encoder of 5 steps, a decoder of 3 reading its own
    forecasts, and a GRU over the encoder's last output repeated for 2 steps."""
    run = autoregressive(t, "lstm1", "decoder", "dense1", 3)
    gru, dense2 = t.recurrent("gru1", nn.GRU), t.dense("dense2")

    def forward(x):
        out, p = run(x["x"])
        q = dense2(gru(out[:, -1:].expand(-1, 2, -1))[:, -1])
        return {"p": p, "q": q}, {}, F.mse_loss(p, x["y"]) + F.mse_loss(q, x["z"])
    return forward


def sine_seq2seq(t):
    run = autoregressive(t, "encoder", "decoder", "dense1", 10)

    def forward(x):
        forecast = run(x["x"])[1]
        return {"forecast": forecast}, {}, F.mse_loss(forecast, x["y"])
    return forward


def sine_rnn_rollout(t):
    """specs/sine_rnn_rollout.lua: sine_rnn's forecast applied 10 times, each to the last 10
    values with the forecasts so far appended."""
    rnn, dense = t.recurrent("rnn1", nn.RNN, nonlinearity="relu"), t.dense("dense1")

    def forward(x):
        recent, forecasts = x["x"][:, -10:], []
        for _ in range(10):
            forecasts.append(dense(rnn(recent)[:, -1]))
            recent = torch.cat([recent[:, 1:], forecasts[-1].unsqueeze(1)], 1)
        forecast = torch.stack(forecasts, 1)
        return {"forecast": forecast}, {}, F.mse_loss(forecast, x["y"])
    return forward


def variable_lengths(t):
    """tests/layers/variable_lengths.lua: nn.LSTM over a packed sequence, padded back with
    zeros, into nn.GRU(bidirectional=True) over it packed again (h_n: each direction's final
    state); the per-step loss and output within the lengths."""
    lstm = t.recurrent("lstm1", nn.LSTM)
    gru, _ = t.recurrent_module("gru1", nn.GRU, bidirectional=True)
    head, per_step = t.dense("dense1"), t.dense("dense2")

    def forward(x):
        lengths, steps = x["x_len"].long(), x["x"].shape[1]
        packed = lambda v: nn.utils.rnn.pack_padded_sequence(v, lengths, batch_first=True, enforce_sorted=False)
        h = nn.utils.rnn.pad_packed_sequence(lstm(packed(x["x"])), batch_first=True, total_length=steps)[0]
        h_n = gru(packed(h))[1]
        outputs, metrics, ce = classification(head(torch.cat([h_n[0], h_n[1]], -1)), x["label"])
        within = (torch.arange(steps)[None, :] < lengths[:, None]).double()[..., None]  # [B, T, 1]
        p = per_step(h)
        mse = ((p - x["y"]) ** 2 * within).sum() / (within.sum() * p.shape[-1])
        return {**outputs, "p": p * within}, metrics, ce + mse
    return forward


# spec name (model{name = ...}) -> builder(twin) -> forward(inputs) -> (outputs, metrics, loss),
# outputs and metrics as {name: tensor}
MODELS = {
    "sine_rnn": sine_rnn,
    "fmnist_lstm": last_step_classifier(nn.LSTM, ["lstm1"]),
    "gru_classifier": last_step_classifier(nn.GRU, ["gru1"]),
    "mnist_stacked_lstm": last_step_classifier(nn.LSTM, ["lstm1", "lstm2", "lstm3"]),
    "charlm_lstm": charlm_lstm,
    "fmnist_bilstm": bidirectional_classifier,
    "loss_per_step_and_last": loss_per_step_and_last,
    "learned_initial_state": learned_initial_state,
    "bidirectional_stack": bidirectional_stack,
    "go_backwards": go_backwards,
    "encoder_decoder": encoder_decoder,
    "variable_lengths": variable_lengths,
    "sine_seq2seq": sine_seq2seq,
    "sine_rnn_rollout": sine_rnn_rollout,
}


# ---------------------------------------------------------------- rnnc

class Rnnc:
    """Runs rnnc commands on one spec with the same --batch/--steps/--dtype f64."""

    def __init__(self, exe, spec, args):
        self.exe, self.spec = exe, spec
        self.common = ["--dtype", "f64"]
        self.backend = ["--backend", args.backend]
        if args.batch:
            self.common += ["--batch", str(args.batch)]
        if args.steps:
            self.common += ["--steps", str(args.steps)]

    def __call__(self, command, *options):
        argv = [self.exe, command, self.spec, *options, *self.common]
        p = subprocess.run(argv, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"parity: `{' '.join(argv)}` failed with status {p.returncode}:\n{p.stderr}")
        return p.stdout


def random_inputs(summary, seed, scale):
    """Every input and target of the spec: floats N(0, 1) * scale (F64), ids uniform in [0, max) (I32),
    sequence lengths in [1, max) (pack_padded_sequence refuses empty sequences)."""
    rng = np.random.default_rng(seed)
    out = {}
    for x in summary["inputs"]:
        shape = tuple(x["shape"])
        if x["dtype"] == "int32":
            low = 1 if "lengths_of" in x else 0
            out[x["name"]] = rng.integers(low, max(x["max"], low + 1), size=shape, dtype=np.int32)
        else:
            out[x["name"]] = scale * rng.standard_normal(shape)
    return out


def make_twin(summary, weights):
    name = summary["name"]
    if name not in MODELS:
        raise SystemExit(f"parity: no PyTorch twin for spec '{name}' (known: {', '.join(sorted(MODELS))})")
    twin = Twin(summary, weights)
    forward = MODELS[name](twin)
    trainable = [p["name"] for p in summary["params"] if p["trainable"]]
    if sorted(trainable) != sorted(twin.params):
        raise SystemExit(f"parity: the spec trains {trainable} but the twin of '{name}' has {list(twin.params)}")
    twin.params = {n: twin.params[n] for n in trainable}  # spec order, as rnnc sums the clipping norm
    return twin, forward


def make_optimizer(summary, params):
    o = summary["optimizer"]
    if o["kind"] == "Adam":
        return torch.optim.Adam(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"],
                                weight_decay=o["weight_decay"])
    if o["kind"] == "SGD":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"],
                               weight_decay=o["weight_decay"], nesterov=o["nesterov"])
    raise SystemExit(f"parity: the spec has no optimizer ({o['kind']})")


def optimizer_state(optimizer, params):
    """torch.optim's state under rnnc's names: opt.<param>.<key>, and one shared opt.step."""
    out = {}
    for name, p in params.items():
        for key, value in optimizer.state[p].items():
            if value is not None:
                out["opt.step" if key == "step" else f"opt.{name}.{key}"] = value
    return out


# ---------------------------------------------------------------- comparing

class Report:
    """Compares tensors, prints one line each, and remembers the worst error per group."""

    def __init__(self):
        self.failures, self.worst = [], {}
        self.context = ""  # "step 2: " while checking the second step

    def fail(self, name, why):
        print(f"  {name:<40} FAIL: {why}")
        self.failures.append(self.context + name)

    def compare(self, group, name, got, want):
        want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
        got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        if got.shape != want.shape:
            return self.fail(name, f"shape {list(got.shape)} in rnnc, {list(want.shape)} in PyTorch")
        err = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), FLOOR))) if got.size else 0.0
        if not np.isfinite(err):
            err = float("inf")
        self.worst[group] = max(self.worst.get(group, 0.0), err)
        if err < TOLERANCE:
            print(f"  {name:<40} {str(list(got.shape)):<16} max rel err {err:.2e}")
        else:
            self.fail(name, f"max rel err {err:.2e} >= {TOLERANCE:.0e} (shape {list(got.shape)})")

    def compare_all(self, got, want, group_of):
        """Every tensor of either side; one side only is a failure."""
        for name in want:
            if name not in got:
                self.fail(name, "written by PyTorch's twin but missing from rnnc's output")
        for name, value in got.items():
            if name not in want:
                self.fail(name, "in rnnc's output but not computed by PyTorch's twin")
            else:
                self.compare(group_of(name), name, value, want[name])

    def finish(self):
        print("largest errors: " + ", ".join(f"{g} {e:.2e}" for g, e in self.worst.items()))
        if self.failures:
            print(f"FAILED: {len(self.failures)} check(s): {', '.join(self.failures)}")
            return 1
        print("ok")
        return 0


def torch_inputs(inputs):
    return {name: torch.from_numpy(v) for name, v in inputs.items()}


def grad_group(name):
    return "loss" if name == "loss" else "grads" if name.startswith("grad.") else "outputs"


# ---------------------------------------------------------------- the two modes

def check_grad(rnnc, summary, twin, forward, files, inputs, report):
    rnnc("grad", *rnnc.backend, "--weights", files["w"], "--inputs", files["x"], "-o", files["out"])
    outputs, metrics, loss = forward(torch_inputs(inputs))
    loss.backward()
    want = {"loss": loss, **outputs, **metrics, **{"grad." + n: p.grad for n, p in twin.params.items()}}
    report.compare_all(safetensors_np.load(files["out"]), want, grad_group)


def check_steps(rnnc, summary, twin, forward, files, inputs, report, nsteps=2):
    optimizer = make_optimizer(summary, list(twin.params.values()))
    clip = summary["clip_norm"]
    weights = files["w"]
    for k in range(1, nsteps + 1):
        out = os.path.join(files["dir"], f"w{k}.safetensors")
        rnnc("step", *rnnc.backend, "--weights", weights, "--inputs", files["x"], "-o", out)
        report.context = f"step {k}: "
        optimizer.zero_grad()
        _, metrics, loss = forward(torch_inputs(inputs))  # rnnc's step reports them before its update
        loss.backward()
        if clip > 0:
            norm = float(nn.utils.clip_grad_norm_(list(twin.params.values()), clip))
            print(f"step {k}: loss {float(loss):.6f}, gradient norm {norm:.6f} (clip_norm {clip})")
            if norm <= clip:
                report.fail("clipping", f"the gradient norm {norm:.6f} does not exceed "
                            f"clip_norm {clip}, so clipping is not tested (raise --input-scale)")
        else:
            print(f"step {k}: loss {float(loss):.6f}")
        optimizer.step()
        want = {"loss": loss, **metrics, **twin.params, **optimizer_state(optimizer, twin.params)}
        report.compare_all(safetensors_np.load(out), want, lambda name, k=k: f"step {k}")
        weights = out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rnnc")
    ap.add_argument("mode", choices=["grad", "step"])
    ap.add_argument("spec")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--input-scale", type=float, default=1.0)
    ap.add_argument("--backend", choices=["interp", "c"], default="interp")
    ap.add_argument("--workdir", help="keep the tensor files here (default: a temporary directory)")
    args = ap.parse_args()

    rnnc = Rnnc(args.rnnc, args.spec, args)
    summary = json.loads(rnnc("summary", "--json"))
    print(f"{args.mode} parity of {args.spec} ({summary['name']}, batch {summary['batch']}, "
          f"steps {summary['steps']}, {args.backend}) against torch {torch.__version__}, float64")
    with tempfile.TemporaryDirectory(prefix="rnnc-parity-") as tmp:
        d = args.workdir or tmp
        os.makedirs(d, exist_ok=True)
        files = {"dir": d, **{k: os.path.join(d, f"{k}.safetensors") for k in ("w", "x", "out")}}
        rnnc("init", "-o", files["w"], "--seed", str(args.seed))
        inputs = random_inputs(summary, args.seed, args.input_scale)
        safetensors_np.save(files["x"], inputs)
        twin, forward = make_twin(summary, safetensors_np.load(files["w"]))
        report = Report()
        check = check_grad if args.mode == "grad" else check_steps
        check(rnnc, summary, twin, forward, files, inputs, report)
        return report.finish()


if __name__ == "__main__":
    sys.exit(main())
