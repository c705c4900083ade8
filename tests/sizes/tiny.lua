-- tests/sizes: a recurrent model as small as one can be (one unit, one feature),
-- whose unrolled graph grows only with --steps.
model{name = "tiny", batch = 1, steps = 4}
local x = sequence("x", 1)
local y = targets("y", 1)
local h = SimpleRNN(1)(x)
output("y", h)
loss(mse(h, y))
optimizer(SGD{lr = 0.1})
