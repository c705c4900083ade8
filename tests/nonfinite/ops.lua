-- The ops that compare or saturate, on inputs holding NaN and infinities
-- (tests/nonfinite/ops.py compares every output with PyTorch's).
model{name = "nonfinite_ops", batch = 2, steps = 1}

local x = input("x", {8})
-- generated code needs a parameter: x times ones
local Scale = layer("Scale", {}, function(self, v) return v * self:param("one", {8}, init.constant(1)) end)

output("relu", relu(x))
output("min_xc", minimum(x, 0.5))
output("min_cx", minimum(0.5, x))
output("sigmoid", sigmoid(x))
output("tanh", tanh(x))
output("exp", exp(x))
output("softmax", softmax(x))
output("log_softmax", log_softmax(x))
output("argmax", argmax(x))
output("scaled", Scale()(x))
-- legal infinite constants (emitted C spells them with math.h): the last 3 of every row
-- masked with -inf, and inf as an operand of an elementwise op
local mask = concat({zeros{2, 5}, fill({2, 3}, -math.huge)}, 2)
output("masked_softmax", softmax(Scale()(x) + mask))
output("exp_minus_inf", exp(Scale()(x) - math.huge))
loss(sum(relu(x)))
