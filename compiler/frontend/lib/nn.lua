-- nn.lua - the rnnc spec language, built on the C primitives in `core`
-- (compiler/frontend/frontend.c).  It is loaded before every spec and defines the
-- globals a spec uses:
--
--   settings   model{...}, optimizer(Adam{...} or SGD{...})
--   data       sequence(name, features | {ids = V} [, {steps, lengths}]), input(name, shape),
--              labels(name, classes [, {per_step, steps}]),
--              targets(name, features [, {per_step, steps}])
--   ops        matmul, linear, sigmoid, tanh, relu, exp, log, sqrt, pow, minimum,
--              sum, mean, softmax, log_softmax, slice, split, concat, reshape,
--              one_hot, gather, argmax, equal, dropout, stop_gradient, zeros, fill,
--              and + - * / and unary - on tensors (numbers become constants)
--   time       state(initial [, {steps}]) and s:next(value) for recurrences; last,
--              time_sum, time_mean, time_stack to leave a time loop; time_unstack,
--              repeat_steps to enter one; reverse
--   layers     SimpleRNN, LSTM, GRU, Bidirectional, Dense, Dropout, Embedding, OneHot,
--              Normalize, and layer() to write new ones (see LSTM below: every built-in
--              layer is written with the same tools a user has)
--   training   loss(value), output(name, value), metric(name, value),
--              cross_entropy, mse, accuracy
--
-- Shapes given by the user leave out the batch axis (and, for sequences, the
-- time axis), as in Keras; a tensor's .shape is its full shape, per step for
-- values that vary over time ([batch, features]), whose .steps and .lengths
-- are their time loop's (ir.h).  Parameters use PyTorch's
-- names, layouts and default initialisers so weights move between the two
-- unchanged.

local core = core
local T = core.tensor_mt.methods -- tensor methods (x:matmul(W), s:next(v), ...)
local MODEL                      -- effective settings, set by model{}

local function is_tensor(v) return getmetatable(v) == core.tensor_mt end

local function fail(fmt, ...) core.error(string.format(fmt, ...)) end

local function check_options(what, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" or is_tensor(opts) then fail("%s: options must be a table", what) end
  for k in pairs(opts) do
    if allowed[k] == nil then
      local names = {}
      for name in pairs(allowed) do names[#names + 1] = name end
      table.sort(names)
      fail("%s: unknown option '%s' (known: %s)", what, tostring(k), table.concat(names, ", "))
    end
  end
  return opts
end

local function check_positive_int(what, v)
  if math.type(v) ~= "integer" or v <= 0 then
    fail("%s must be a positive integer, got %s", what, tostring(v))
  end
  return v
end

local function op(name, inputs, attrs) return core.op(name, inputs, attrs) end

-- A number becomes a scalar constant; a tensor stays as it is.
local function tensor(v, what)
  if is_tensor(v) then return v end
  if type(v) == "number" then return op("const", {}, {value = v, shape = {}}) end
  fail("%s must be a tensor or a number, got %s", what or "value", type(v))
end

---------------------------------------------------------------- settings

function model(opts)
  MODEL = core.config(opts)
  return MODEL
end

function Adam(opts)
  opts = check_options("Adam", opts, {lr = 0, betas = 0, eps = 0, weight_decay = 0})
  local betas = opts.betas or {0.9, 0.999}
  return {kind = "adam", lr = opts.lr or 1e-3, beta1 = betas[1], beta2 = betas[2],
          eps = opts.eps or 1e-8, weight_decay = opts.weight_decay or 0}
end

function SGD(opts)
  opts = check_options("SGD", opts, {lr = 0, momentum = 0, weight_decay = 0, nesterov = false})
  if opts.lr == nil then fail("SGD needs lr") end
  return {kind = "sgd", lr = opts.lr, momentum = opts.momentum or 0,
          weight_decay = opts.weight_decay or 0, nesterov = opts.nesterov or false}
end

function optimizer(o)
  if type(o) ~= "table" or not o.kind then fail("optimizer: expected Adam{...} or SGD{...}") end
  core.optimizer(o)
end

---------------------------------------------------------------- data

local function model_settings()
  if not MODEL then fail("call model{batch = ..., steps = ...} first") end
  return MODEL
end

-- A copy of list with the values of `front` in front.
local function with_front(front, list)
  local out = {}
  for _, v in ipairs(front) do out[#out + 1] = v end
  for _, v in ipairs(list) do out[#out + 1] = v end
  return out
end

local function as_shape(what, s)
  if type(s) == "number" then return {check_positive_int(what, s)} end
  if type(s) ~= "table" then fail("%s must be a size or a table of sizes", what) end
  return s
end

-- The steps of a sequence: the model's, or opts.steps (a time loop of its own
-- length: an encoder's input, a decoder's targets).
local function steps_option(what, opts)
  if opts.steps == nil then return model_settings().steps end
  return check_positive_int(what .. ": steps", opts.steps)
end

-- The sequence of input x, ending where opts.lengths (the name of an int32
-- input [batch] in [0, T]) says, if given.
local function read_steps(x, T, opts)
  if opts.lengths == nil then return op("steps", {x}) end
  if type(opts.lengths) ~= "string" then fail("sequence: lengths must be the name of an input, got %s", type(opts.lengths)) end
  return op("steps", {x, core.input(opts.lengths, "int32", {model_settings().batch}, T + 1, false)})
end

-- sequence(name, features [, {steps = T, lengths = "name_len"}]): floats [batch, T, features],
-- one [batch, features] per step (T: the model's steps unless given).
-- sequence(name, {ids = V [, steps = T, lengths = "name_len"]}): int32 token ids [batch, T] in
-- [0, V), one [batch] per step.
-- With lengths, an int32 input [batch] says how many steps of each example are
-- real (0 to T): past its length an example's states stay as they are, its
-- per-step outputs are zero, last() is its value at its final step, reverse()
-- starts there, and the losses and metrics below count its steps within it.
function sequence(name, what, opts)
  local m = model_settings()
  if type(what) == "table" and what.ids then
    check_options("sequence", what, {ids = 0, steps = 0, lengths = 0})
    local T = steps_option("sequence", what)
    return read_steps(core.input(name, "int32", {m.batch, T}, check_positive_int("ids", what.ids), false), T, what)
  end
  opts = check_options("sequence", opts, {steps = 0, lengths = 0})
  local T = steps_option("sequence", opts)
  return read_steps(core.input(name, "float", with_front({m.batch, T}, as_shape("features", what))), T, opts)
end

-- input(name, shape): a float input [batch, shape...] that does not vary over time.
function input(name, shape)
  local m = model_settings()
  return core.input(name, "float", with_front({m.batch}, as_shape("shape", shape)))
end

local function target(name, dtype, shape, max, opts)
  local m = model_settings()
  opts = check_options("target", opts, {per_step = false, steps = 0})
  if opts.per_step then
    local T = steps_option("target", opts)
    return op("steps", {core.input(name, dtype, with_front({m.batch, T}, shape), max, true)})
  end
  if opts.steps then fail("target: steps is for a per-step target (per_step = true)") end
  return core.input(name, dtype, with_front({m.batch}, shape), max, true)
end

-- labels(name, classes [, {per_step = true [, steps = T]}]): int32 class labels [batch]
-- (per step: [batch, T]).
function labels(name, classes, opts)
  return target(name, "int32", {}, check_positive_int("classes", classes), opts)
end

-- targets(name, features [, {per_step = true [, steps = T]}]): float regression targets
-- [batch, features] (per step: [batch, T, features]).
function targets(name, features, opts)
  return target(name, "float", as_shape("features", features), nil, opts)
end

---------------------------------------------------------------- ops

local function unary(name) return function(x) return op(name, {tensor(x, name)}) end end
local function binary(name)
  return function(a, b) return op(name, {tensor(a, name), tensor(b, name)}) end
end

sigmoid, tanh, relu = unary("sigmoid"), unary("tanh"), unary("relu")
exp, log, sqrt = unary("exp"), unary("log"), unary("sqrt")
stop_gradient = unary("stop_grad")
add, sub, mul, div = binary("add"), binary("sub"), binary("mul"), binary("div")
pow, minimum = binary("pow"), binary("min")
softmax, log_softmax = unary("softmax"), unary("log_softmax")

core.tensor_mt.__add = add
core.tensor_mt.__sub = sub
core.tensor_mt.__mul = mul
core.tensor_mt.__div = div
core.tensor_mt.__pow = pow
core.tensor_mt.__unm = unary("neg")

-- matmul(a, b [, {ta = true, tb = true}]): a [M, K] times b [K, N], either transposed.
function matmul(a, b, opts)
  opts = check_options("matmul", opts, {ta = false, tb = false})
  return op("matmul", {tensor(a), tensor(b)}, {ta = opts.ta, tb = opts.tb})
end

-- linear(x, W [, b]) = x W^T + b, with W laid out [out, in] as in PyTorch.
function linear(x, W, b)
  local y = op("matmul", {x, W}, {tb = true})
  if b then y = y + b end
  return y
end

function zeros(shape) return op("const", {}, {value = 0, shape = shape}) end
function fill(shape, value) return op("const", {}, {value = value, shape = shape}) end
function reshape(x, shape) return op("reshape", {x}, {shape = shape}) end

local function axis_of(x, axis)
  axis = axis or -1
  if math.type(axis) ~= "integer" then fail("axis must be an integer") end
  local rank = x.rank
  if axis < 0 then axis = axis + rank + 1 end
  if axis < 1 or axis > rank then fail("axis %d is out of range for a tensor of rank %d", axis, rank) end
  return axis
end

-- sum(x): every element, to a scalar.  sum(x, axis): that axis (1-based, or
-- negative from the end) is summed away.
function sum(x, axis)
  if axis == nil then return op("sum_to", {x}, {shape = {}}) end
  local shape = x.shape
  local a = axis_of(x, axis)
  shape[a] = 1
  local kept = op("sum_to", {x}, {shape = shape})
  table.remove(shape, a)
  return reshape(kept, shape)
end

function mean(x, axis)
  local n = 1
  local shape = x.shape
  if axis == nil then
    for _, d in ipairs(shape) do n = n * d end
  else
    n = shape[axis_of(x, axis)]
  end
  return sum(x, axis) * (1 / n)
end

-- slice(x, start, len [, axis]): len entries from 1-based start along axis (default: last).
function slice(x, start, len, axis)
  return op("slice", {x}, {axis = axis_of(x, axis) - 1, start = start - 1, len = len})
end

-- split(x, n [, axis]): n equal parts along axis (default: last), as several results.
function split(x, n, axis)
  local a = axis_of(x, axis)
  local size = x.shape[a]
  if size % n ~= 0 then fail("split: axis of size %d does not split into %d equal parts", size, n) end
  local parts = {}
  for i = 1, n do parts[i] = slice(x, (i - 1) * size // n + 1, size // n, a) end
  return table.unpack(parts)
end

function concat(list, axis)
  if type(list) ~= "table" or is_tensor(list) or #list == 0 then fail("concat: expected a list of tensors") end
  return op("concat", list, {axis = axis_of(list[1], axis) - 1})
end

function one_hot(ids, depth) return op("one_hot", {ids}, {depth = check_positive_int("depth", depth)}) end
function gather(table_, ids) return op("gather", {table_, ids}) end
function argmax(x) return op("argmax", {x}) end
function equal(a, b) return op("equal", {a, b}) end

-- dropout(x, p): while training, zeroes each entry with probability p and
-- scales the rest by 1/(1-p); at inference it is the identity.
function dropout(x, p)
  if type(p) ~= "number" or not (p >= 0 and p < 1) then -- `not` catches NaN
    fail("dropout: p must be in [0, 1), got %s", p ~= p and "nan" or tostring(p))
  end
  if p == 0 or not model_settings().training then return x end
  return x * op("dropout_mask", {x}, {value = p})
end

T.matmul = matmul
T.sum, T.mean, T.reshape, T.slice, T.split = sum, mean, reshape, slice, split

---------------------------------------------------------------- time

-- state(initial [, {steps = T}]): a value carried from step to step.  It is
-- `initial` at the first step; s:next(v) gives its value at the following
-- step.  Its time loop runs the steps of the sequences its values meet, or
-- T (a decoder that reads only its own outputs), or the model's.
function state(initial, opts)
  opts = check_options("state", opts, {steps = 0})
  return core.state(tensor(initial, "state: the initial value"), opts.steps)
end
T.next = core.next

-- A mask [batch, 1] of x's sequence of lengths at each step (kind "valid":
-- 1 while within the example's length; "final": 1 at its last step) shaped to
-- multiply x ([batch, 1, ...]); nil for a sequence without lengths.  `what`
-- names the caller in the error for a value that is not per example.
local function lengths_mask(x, kind, what)
  if not (x.seq and x.lengths) then return nil end
  if x.rank == 0 or x.dtype == "int32" then
    fail("%s: a per-step value of a sequence with lengths must be float [batch, ...] (its lengths are per example)", what)
  end
  local shape = {x.shape[1]}
  for i = 2, x.rank do shape[i] = 1 end
  return reshape(op(kind, {x.lengths}, {len = x.steps}), shape)
end

-- last(x): x after the last step (of each example's own, with lengths).
function last(x)
  local final = lengths_mask(x, "final", "last")
  if final then return time_sum(x * final) end
  return op("last", {x})
end
function time_sum(x) return op("time_sum", {x}) end
-- time_mean(x): time_sum(x) / steps.  A per-step x that also reads values of
-- the whole sequence (mse(h, y) + mse(last(h), z)) is averaged term by term:
-- the per-step terms are averaged, the others taken as they are.
function time_mean(x) return core.time_mean(tensor(x, "time_mean")) end
function time_stack(x) return op("time_stack", {x}) end
-- time_unstack(x): a value [batch, T, ...] that does not vary over time, read
-- one step at a time: a time loop of T steps of its own (a window computed
-- in the spec; sequence() is the usual way in).
function time_unstack(x)
  if not is_tensor(x) or x.seq then fail("time_unstack: expected a tensor that does not vary over time") end
  return op("steps", {x})
end

-- repeat_steps(v, T): a value that does not vary over time as a sequence of
-- T steps, v at each (Keras' RepeatVector): what a decoder reads.
function repeat_steps(v, steps)
  if not is_tensor(v) or v.seq then fail("repeat_steps: expected a tensor that does not vary over time") end
  check_positive_int("repeat_steps: steps", steps)
  local s = v.shape
  local wide = with_front({s[1], steps}, {table.unpack(s, 2)})
  table.insert(s, 2, 1)
  return time_unstack(op("broadcast_to", {reshape(v, s)}, {shape = wide}))
end

-- reverse(x): a per-step value read from the last step to the first (at step
-- t, x at step T+1-t; with lengths, each example from its own last step,
-- zero past it): what a backward direction reads, and what puts its outputs
-- back in the sequence's order.
function reverse(x)
  if x.seq and x.lengths then return op("reverse", {x, x.lengths}) end
  return op("reverse", {x})
end

---------------------------------------------------------------- initialisers

-- Used as self:param(name, shape, init.uniform(-k, k)) and as layer options
-- (LSTM(64, {weight_hh_init = init.orthogonal()})).
init = {
  zeros = function() return {"zeros"} end,
  constant = function(v) return {"const", v} end,
  uniform = function(a, b) return {"uniform", a, b} end,
  normal = function(mean_, std) return {"normal", mean_ or 0, std or 1} end,
  orthogonal = function(gain) return {"orthogonal", gain or 1} end,
  glorot = function(gain) return {"glorot", gain or 1} end,
}
local uniform, normal = init.uniform, init.normal

---------------------------------------------------------------- layers

-- layer(kind, options, build[, prefix]) makes a layer constructor.  Calling
-- the constructor with its arguments (and an options table last) gives a
-- layer; calling the layer on an input runs build(self, x, args...), which
-- makes parameters with self:param(name, shape, init).  Parameters are named
-- "<layer name>.<name>" and made once: applying a layer twice shares them.
-- (The backward copy that Bidirectional makes of a layer names them
-- "<layer name>.<name>_reverse", PyTorch's names for that direction.)
local Layer = {}
Layer.__index = Layer

function Layer:param(name, shape, init)
  local full = self.name .. "." .. name .. (self.suffix or "")
  if not self.params[full] then
    local how = self.opts[name .. "_init"] or init
    if type(how) ~= "table" then fail("%s: %s_init must be an initialiser like init.normal()", self.kind, name) end
    self.params[full] = core.param(full, shape, how[1], how[2], how[3])
  end
  return self.params[full]
end

-- build may return several tensors (an output and a final state, say): the
-- layer returns them all; its summary shows the first.
function Layer.__call(self, x)
  if not is_tensor(x) then fail("%s: expected a tensor input, got %s", self.kind, type(x)) end
  local first = self.name == nil
  if first then self.name = core.layer_begin(self.kind, self.opts.name, self.prefix, self.args) end
  local outs = table.pack(self.build(self, x, table.unpack(self.args, 1, self.args.n)))
  if outs.n == 0 then fail("%s: the build function returned nothing; a layer returns its output tensor(s)", self.kind) end
  for i = 1, outs.n do
    if not is_tensor(outs[i]) then
      fail("%s: result %d of the build function is %s, not a tensor", self.kind, i, type(outs[i]))
    end
  end
  if first then core.layer_end(outs[1]) end
  return table.unpack(outs, 1, outs.n)
end

function layer(kind, options, build, prefix)
  options.name = false
  return function(...)
    local args = table.pack(...)
    local opts = {}
    if args.n > 0 and type(args[args.n]) == "table" and not is_tensor(args[args.n]) then
      opts = args[args.n]
      args.n = args.n - 1
    end
    check_options(kind, opts, options)
    return setmetatable({kind = kind, opts = opts, args = args, params = {}, build = build,
                         prefix = prefix or kind:lower()}, Layer)
  end
end

local function features_of(kind, x)
  local s = x.shape
  if #s ~= 2 then fail("%s: expected [batch, features] per step, got a tensor of rank %d", kind, #s) end
  return s[2]
end

local function need_sequence(kind, x)
  if not x.seq then
    fail("%s: expected a sequence (from sequence() or a recurrent layer with return_sequences = true)", kind)
  end
end

-- The options every recurrent layer takes.
local RNN_OPTIONS = {return_sequences = false, return_state = false, go_backwards = false, initial_state = false,
                     weight_ih_init = false, weight_hh_init = false, bias_ih_init = false, bias_hh_init = false}

-- A copy of table base with the fields of extra set (options, or a layer to copy).
local function merged(base, extra)
  local t = {}
  for k, v in pairs(base) do t[k] = v end
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

-- Runs a recurrent cell over the sequence x: `gates` PyTorch-style parameters
-- (weight_ih [G*H, I], weight_hh [G*H, H], bias_ih, bias_hh, all U(-1/sqrt(H),
-- 1/sqrt(H))), `nstates` states of [batch, H] starting at zero, and
-- cell(x_proj, h_proj, states...) -> output, next states...  With go_backwards
-- the cell reads x from its last step to its first, and its output sequence
-- is in that order too (as in Keras): its last value is the state after the
-- first step of x.  initial_state = {h [, c]} starts the states from values
-- that do not vary over time (an encoder's final states: return_state = true
-- returns them after the output, as Keras does).
local function initial_states(self, nstates, units)
  local given, B = self.opts.initial_state, model_settings().batch
  if given == nil or given == false then given = {} end
  if is_tensor(given) then given = {given} end
  if type(given) ~= "table" or (#given ~= 0 and #given ~= nstates) then
    fail("%s: initial_state must be a table of %d tensor%s", self.kind, nstates, nstates == 1 and "" or "s")
  end
  local states = {}
  for i = 1, nstates do
    local v = given[i] or zeros({B, units})
    if not is_tensor(v) or v.seq then fail("%s: initial_state %d must be a tensor that does not vary over time", self.kind, i) end
    states[i] = state(v)
  end
  return states
end

local function recurrent(self, x, units, gates, nstates, cell)
  need_sequence(self.kind, x)
  if self.opts.go_backwards then x = reverse(x) end
  check_positive_int(self.kind .. ": units", units)
  local I = features_of(self.kind, x)
  local k = 1 / math.sqrt(units)
  local w_ih = self:param("weight_ih", {gates * units, I}, uniform(-k, k))
  local w_hh = self:param("weight_hh", {gates * units, units}, uniform(-k, k))
  local b_ih = self:param("bias_ih", {gates * units}, uniform(-k, k))
  local b_hh = self:param("bias_hh", {gates * units}, uniform(-k, k))
  local states = initial_states(self, nstates, units)
  local results = {cell(linear(x, w_ih, b_ih), linear(states[1], w_hh, b_hh), table.unpack(states))}
  local valid = lengths_mask(x, "valid", self.kind) -- past an example's length, its states hold and its output is 0
  for i = 1, nstates do
    local v = results[i + 1]
    states[i]:next(valid and states[i] + valid * (v - states[i]) or v)
  end
  local out = valid and results[1] * valid or results[1]
  if not self.opts.return_sequences then out = last(out) end
  if not self.opts.return_state then return out end
  local final = {}
  for i = 1, nstates do final[i] = last(results[i + 1]) end
  return out, table.unpack(final)
end

-- SimpleRNN(units [, {activation = "tanh" | "relu", return_sequences}]):
-- h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), like torch.nn.RNN.
SimpleRNN = layer("SimpleRNN", merged(RNN_OPTIONS, {activation = false}), function(self, x, units)
  local act = ({tanh = tanh, relu = relu})[self.opts.activation or "tanh"]
  if not act then fail("SimpleRNN: activation must be 'tanh' or 'relu'") end
  return recurrent(self, x, units, 1, 1, function(xp, hp)
    local h = act(xp + hp)
    return h, h
  end)
end, "rnn")

-- LSTM(units [, {return_sequences}]): torch.nn.LSTM, gates in PyTorch's order i, f, g, o.
LSTM = layer("LSTM", RNN_OPTIONS, function(self, x, units)
  return recurrent(self, x, units, 4, 2, function(xp, hp, h, c)
    local i, f, g, o = split(xp + hp, 4)
    local c2 = sigmoid(f) * c + sigmoid(i) * tanh(g)
    local h2 = sigmoid(o) * tanh(c2)
    return h2, h2, c2
  end)
end)

-- GRU(units [, {return_sequences}]): torch.nn.GRU, gates r, z, n with
-- n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) * n + z * h.
GRU = layer("GRU", RNN_OPTIONS, function(self, x, units)
  return recurrent(self, x, units, 3, 1, function(xp, hp, h)
    local xr, xz, xn = split(xp, 3)
    local hr, hz, hn = split(hp, 3)
    local r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    local n = tanh(xn + r * hn)
    local h2 = (1 - z) * n + z * h
    return h2, h2
  end)
end)

-- Bidirectional(layer [, {merge = "concat" | "sum" | "mul" | "ave"}]): the
-- layer over the sequence and a copy of it over the sequence reversed, with
-- parameters of its own (<name>_reverse), their outputs merged (concat: the
-- forward features first).  A per-step output of the backward copy is
-- reversed back, so at step t both directions describe step t
-- (torch.nn.LSTM(bidirectional = True)'s output); a last-step output is the
-- backward copy's state after the first step (the reverse half of PyTorch's
-- h_n).  More results of the layer (a user layer's final states) follow the
-- merged one: the forward layer's, then the backward copy's.
local MERGES = {
  concat = function(a, b) return concat({a, b}) end,
  sum = function(a, b) return a + b end,
  mul = function(a, b) return a * b end,
  ave = function(a, b) return (a + b) * 0.5 end,
}

local function in_order(v) if v.seq then return reverse(v) end return v end

function Bidirectional(inner, opts)
  if getmetatable(inner) ~= Layer then
    fail("Bidirectional: expected a layer such as LSTM(64), got %s", is_tensor(inner) and "a tensor" or type(inner))
  end
  opts = check_options("Bidirectional", opts, {merge = false})
  local merge = MERGES[opts.merge or "concat"]
  if not merge then fail("Bidirectional: merge must be 'concat', 'sum', 'mul' or 'ave', got '%s'", tostring(opts.merge)) end
  local bi = setmetatable(merged(inner, {kind = "Bidirectional", params = {}}), Layer)
  bi.name = nil -- a name of its own, even if the layer given has been used
  bi.build = function(self, x, ...)
    need_sequence("Bidirectional", x)
    if not self.backward then
      self.backward = setmetatable(merged(self, {params = {}, suffix = "_reverse"}), Layer)
    end
    local fwd = table.pack(inner.build(self, x, ...))
    local bwd = table.pack(inner.build(self.backward, reverse(x), ...))
    local out = {merge(fwd[1], in_order(bwd[1]))}
    for i = 2, fwd.n do out[#out + 1] = fwd[i] end
    for i = 2, bwd.n do out[#out + 1] = in_order(bwd[i]) end
    return table.unpack(out)
  end
  return bi
end

local ACTIVATIONS = {tanh = tanh, relu = relu, sigmoid = sigmoid, softmax = softmax}

-- Dense(units [, {activation, bias}]): y = x W^T + b with W [units, in], like
-- torch.nn.Linear (Kaiming-uniform weight, uniform bias, both +-1/sqrt(in)).
-- On a sequence it applies at every step.
Dense = layer("Dense", {activation = false, bias = true, weight_init = false, bias_init = false},
  function(self, x, units)
    check_positive_int("Dense: units", units)
    local I = features_of("Dense", x)
    local k = 1 / math.sqrt(I)
    local W = self:param("weight", {units, I}, uniform(-k, k))
    local b = self.opts.bias ~= false and self:param("bias", {units}, uniform(-k, k)) or nil
    local y = linear(x, W, b)
    if self.opts.activation then
      local act = ACTIVATIONS[self.opts.activation]
      if not act then fail("Dense: unknown activation '%s'", tostring(self.opts.activation)) end
      y = act(y)
    end
    return y
  end)

-- Normalize(mean, std): (x - mean) / std, like torchvision's Normalize: the
-- input standardised with statistics of the training data, inside the model
-- (so that what ships takes the raw values).
Normalize = layer("Normalize", {}, function(_, x, mean_, std)
  if type(mean_) ~= "number" or type(std) ~= "number" or not (std > 0) then
    fail("Normalize(mean, std): expected two numbers, std > 0")
  end
  return (x - mean_) / std
end)

-- Dropout(p): dropout(x, p) as a layer.
Dropout = layer("Dropout", {}, function(_, x, p) return dropout(x, p) end)

-- Embedding(vocabulary, width): int32 ids -> rows of weight [vocabulary, width] ~ N(0, 1).
Embedding = layer("Embedding", {weight_init = false}, function(self, ids, vocabulary, width)
  check_positive_int("Embedding: vocabulary", vocabulary)
  check_positive_int("Embedding: width", width)
  return gather(self:param("weight", {vocabulary, width}, normal(0, 1)), ids)
end)

-- OneHot(depth): int32 ids -> one-hot float vectors, as a layer.
OneHot = layer("OneHot", {}, function(_, ids, depth) return one_hot(ids, depth) end, "one_hot")

---------------------------------------------------------------- training

-- A per-step value is averaged over time (the loss and metrics of seq->seq
-- models; the per-step terms of a sum with whole-sequence ones: time_mean).
local function over_time(v) if v.seq then return time_mean(v) end return v end

-- The mean of per-example values v ([batch, ...]) of a sequence with
-- lengths over every example's steps within its length; nil without lengths.
local function mean_within_lengths(v, what)
  local valid = lengths_mask(v, "valid", what)
  if not valid then return nil end
  local per_example = 1
  for i = 2, v.rank do per_example = per_example * v.shape[i] end
  return time_sum(sum(v * valid)) / (time_sum(sum(valid)) * per_example)
end

-- cross_entropy(logits, labels): softmax cross-entropy averaged over the
-- batch (like torch.nn.CrossEntropyLoss); labels are int32 class ids.
function cross_entropy(logits, y)
  local classes = logits.shape[logits.rank]
  local picked = sum(one_hot(y, classes) * log_softmax(logits), -1)
  return -(mean_within_lengths(picked, "cross_entropy") or mean(picked)), "cross_entropy"
end

-- mse(prediction, target): mean squared error over every entry (torch.nn.MSELoss).
function mse(pred, y)
  local d = pred - y
  local squared = d * d
  return mean_within_lengths(squared, "mse") or mean(squared), "mse"
end

-- accuracy(logits, labels): the fraction of rows whose largest logit is the label.
function accuracy(logits, y)
  local hit = equal(argmax(logits), y)
  return mean_within_lengths(hit, "accuracy") or mean(hit)
end

function loss(v, kind) core.result("loss", "loss", over_time(tensor(v, "loss")), kind) end
function metric(name, v) core.result("metric", name, over_time(tensor(v, name))) end

-- output(name, v): a model output; a per-step value is stacked to [batch, steps, ...]
-- (zero past each example's length, with lengths).
function output(name, v)
  local valid = v.dtype ~= "int32" and lengths_mask(v, "valid", "output")
  if valid then v = v * valid end
  if v.seq then v = time_stack(v) end
  core.result("output", name, v)
end
