#!/usr/bin/python3
"""gen_spec.py SEED OUT.lua - writes a small random spec for differential tests.

The specs in specs/ use a handful of op combinations; a random spec reaches
the others: a recurrent cell written by hand from primitive ops (linear,
matmul, sigmoid, tanh, relu, exp, log, + - * /, ^, sqrt, minimum, softmax,
log_softmax, stop_gradient, split, slice, concat, sum, mean, broadcasting),
with one or two states of random sizes, over 2-6 steps of a batch of 1-4,
seq->one or seq->seq, MSE or cross-entropy, Adam or SGD, and maybe dropout,
clipping, truncated BPTT, an embedding input, an input that does not vary
over time, and a stacked built-in LSTM, GRU or SimpleRNN.  Values stay
bounded where it matters (exp only of bounded values, log only of a sigmoid,
division only by 1.5 + tanh) so that both backends stay finite.  The same
seed always gives the same spec; run.sh compares the generated C against the
interpreter on it."""
import random
import sys


class Cell:
    """The body of the cell: Lua lines that build values from a pool of
    per-step values [batch, width], each known to be bounded or not."""

    def __init__(self, rng):
        self.rng = rng
        self.lines, self.pool, self.nparams, self.nvalues = [], [], 0, 0

    def value(self, expr, width, bounded):
        self.nvalues += 1
        name = f"v{self.nvalues}"
        self.lines.append(f"local {name} = {expr}")
        self.pool.append((name, width, bounded))
        return name, width, bounded

    def param(self, shape, scale=0.5):
        self.nparams += 1
        name = f"p{self.nparams}"
        dims = ", ".join(map(str, shape))
        self.lines.append(f'local {name} = self:param("{name}", {{{dims}}}, init.uniform({-scale}, {scale}))')
        return name

    def pick(self, want=None):
        """A value of the pool, recent ones more likely; of width `want` if given."""
        cands = [v for v in self.pool if want is None or v[1] == want]
        if not cands:
            return None
        return cands[min(len(cands) - 1, int(len(cands) * self.rng.random() ** 0.5))]

    def project(self, v, width, always=False):
        """v as a value of the given width: linear or matmul with a new parameter."""
        name, w, _ = v
        if w == width and not always:
            return v
        if self.rng.random() < 0.5:
            bias = f", {self.param([width], 0.2)}" if self.rng.random() < 0.5 else ""
            return self.value(f"linear({name}, {self.param([width, w])}{bias})", width, False)
        return self.value(f"matmul({name}, {self.param([w, width])})", width, False)

    def step(self):
        """One random op on values of the pool."""
        rng = self.rng
        a = self.pick()
        name, w, bounded = a
        kind = rng.choice(["act", "act", "exp", "log", "arith", "arith", "bcast", "project",
                           "split", "slice", "concat", "reduce", "other"])
        if kind == "act":
            f = rng.choice(["sigmoid", "tanh", "relu"])
            self.value(f"{f}({name})", w, bounded or f != "relu")
        elif kind == "other":  # the rest of the language, kept bounded where it matters
            b = self.pick(w)[0]
            expr, bound = rng.choice([
                (f"{name} / (1.5 + tanh({b}))", bounded), (f"sqrt(1 + {name} * {name})", bounded),
                (f"minimum({name}, {b})", False), (f"softmax({name})", True), (f"log_softmax({name})", False),
                (f"stop_gradient({name})", bounded), (f"{name} ^ 2", bounded), (f"-{name}", bounded)])
            self.value(expr, w, bound)
        elif kind == "exp":
            arg = name if bounded else f"-relu({name})"
            self.value(f"exp({arg})", w, True)
        elif kind == "log":
            self.value(f"log(sigmoid({name}))", w, False)
        elif kind == "arith":
            b = self.pick(w)
            self.value(f"{name} {rng.choice('+-*')} {b[0]}", w, bounded and b[2])
        elif kind == "bcast":  # a row vector, a scalar parameter or a number, broadcast
            r = rng.random()
            other = self.param([w]) if r < 0.4 else self.param([]) if r < 0.7 else f"{rng.uniform(-2, 2):.3f}"
            self.value(f"{name} {rng.choice('+-*')} {other}", w, bounded)
        elif kind == "project":
            self.project(a, rng.randint(1, 8))
        elif kind == "split" and (w % 2 == 0 or w % 3 == 0):
            n = rng.choice([k for k in (2, 3) if w % k == 0])
            parts = [f"v{self.nvalues + i + 1}" for i in range(n)]
            self.lines.append(f"local {', '.join(parts)} = split({name}, {n})")
            self.nvalues += n
            self.pool += [(p, w // n, bounded) for p in parts]
        elif kind == "slice" and w > 1:
            length = rng.randint(1, w - 1)
            self.value(f"slice({name}, {rng.randint(1, w - length + 1)}, {length})", length, bounded)
        elif kind == "concat":
            b = self.pick()
            self.value(f"concat({{{name}, {b[0]}}})", w + b[1], bounded and b[2])
        elif kind == "reduce":  # a row's sum or mean, broadcast back (not over the batch:
            b = self.pick()     # streaming, one row at a time, must give what the batch gives)
            r = f"reshape({rng.choice(['sum', 'mean'])}({b[0]}, {rng.choice([2, -1])}), {{batch, 1}})"
            self.value(f"{name} * tanh({r})", w, bounded)


def cell_source(rng, features, sizes, context):
    """The Lua source of a layer with len(sizes) states; it returns the first
    state's new value at every step.  context: the width of the input "ctx"
    the cell may also read, or 0."""
    c = Cell(rng)
    c.pool.append(("x", features, False))
    if context:
        c.pool.append(("ctx", context, False))
    c.lines.append("local batch = x.shape[1]  -- not the model's: streaming runs at batch 1")
    for i, n in enumerate(sizes):
        c.lines.append(f"local s{i + 1} = state(zeros{{batch, {n}}})")
        c.pool.append((f"s{i + 1}", n, True))
    x = c.project(c.pool[0], rng.randint(1, 8))
    for _ in range(rng.randint(4, 10)):
        c.step()
    # Next values: bounded, and reading the input and the state itself (so
    # that the output depends on both; other values may be dead code).
    for i, n in enumerate(sizes):
        s, u = f"s{i + 1}", c.project(c.pick(), n)[0]
        u = f"{u} + {c.project(x, n, True)[0]}"
        if rng.random() < 0.5:
            g = c.project(c.pick(), n)[0]
            c.lines.append(f"local n{i + 1} = sigmoid({g}) * {s} + (1 - sigmoid({g})) * tanh({u})")
        else:
            c.lines.append(f"local n{i + 1} = tanh({u} + {c.project((s, n, True), n, True)[0]})")
        c.lines.append(f"{s}:next(n{i + 1})")
    c.lines.append("return n1")
    body = "\n".join("  " + line for line in c.lines)
    return f'local Cell = layer("Cell", {{}}, function(self, x)\n{body}\nend)\n'


def spec(seed):
    rng = random.Random(seed)
    batch, steps, features = rng.randint(1, 4), rng.randint(2, 6), rng.randint(1, 5)
    sizes = [rng.randint(1, 6) for _ in range(rng.randint(1, 2))]
    per_step = rng.random() < 0.5
    ce = rng.random() < 0.5
    classes = rng.randint(2, 5)
    settings = [f'name = "random_{seed}"', f"batch = {batch}", f"steps = {steps}"]
    if rng.random() < 0.4:
        settings.append(f"clip_norm = {rng.choice([0.1, 1.0, 5.0])}")
    if rng.random() < 0.15:
        settings.append(f"tbptt = {rng.randint(1, steps)}")
    out = [f"-- A random spec (tests/random/gen_spec.py {seed}).", f"model{{{', '.join(settings)}}}", ""]
    if rng.random() < 0.2:
        vocabulary = rng.randint(2, 9)
        ids = f'sequence("x", {{ids = {vocabulary}}})'
        if rng.random() < 0.5:
            out.append(f"local x = Embedding({vocabulary}, {features})({ids})")
        else:  # a product with one-hot rows: a gather after simplify.c
            features = vocabulary
            out.append(f"local x = OneHot({vocabulary})({ids})")
    else:
        out.append(f'local x = sequence("x", {features})')
    context = rng.randint(1, 4) if rng.random() < 0.25 else 0  # the same at every step
    if context:
        out.append(f'local ctx = input("ctx", {context})')
    opts = ", {per_step = true}" if per_step else ""
    out.append(f'local y = labels("y", {classes}{opts})' if ce else f'local y = targets("y", {classes}{opts})')
    out.append("")
    builtin = rng.choice([None, None, "LSTM", "GRU", "SimpleRNN"])
    before = rng.random() < 0.5  # the built-in layer reads x, the cell its output
    if builtin and before:
        features = rng.randint(1, 6)
        out.append(f"x = {builtin}({features}, {{return_sequences = true}})(x)")
    out.append(cell_source(rng, features, sizes, context))
    out.append("local h = Cell()(x)")
    if builtin and not before:
        out.append(f"h = {builtin}({rng.randint(1, 6)}, {{return_sequences = true}})(h)")
    if rng.random() < 0.3:
        out.append(f"h = Dropout({rng.choice([0.1, 0.3, 0.5])})(h)")
    if not per_step:
        # last, not time_sum or time_mean: NAME_step cannot stream those yet (it
        # gives the step's own value), which run.sh's streaming check reports
        out.append("h = last(h)")
    out.append(f"local out = Dense({classes})(h)")
    out.append('output("out", out)')
    out.append(f"loss({'cross_entropy' if ce else 'mse'}(out, y))")
    if ce:
        out.append('metric("accuracy", accuracy(out, y))')
    if rng.random() < 0.5:
        out.append(f"optimizer(Adam{{lr = {rng.choice([1e-3, 1e-2, 0.1])}}})")
    else:
        momentum = rng.choice([0, 0.9])
        nesterov = ", nesterov = true" if momentum and rng.random() < 0.3 else ""
        decay = ", weight_decay = 0.01" if rng.random() < 0.3 else ""
        out.append(f"optimizer(SGD{{lr = {rng.choice([0.01, 0.1])}, momentum = {momentum}{nesterov}{decay}}})")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: gen_spec.py SEED OUT.lua")
    with open(sys.argv[2], "w") as f:
        f.write(spec(int(sys.argv[1])))
