-- goal: grad
-- Two time loops: a tanh Elman encoder of 1 unit over 2 steps, and a decoder
-- state of 2 steps that starts from the encoder's last state and reads its
-- own previous value.  Unroll copies each loop over its own steps; the
-- decoder's step 1 reads the encoder's step 2; the per-step loss averages
-- over the decoder's 2 steps.
model{name = "two_loops", batch = 1, steps = 2}
local x = sequence("x", 1)
local y = targets("y", 1, {per_step = true, steps = 2})
local h = SimpleRNN(1)(x)
local d = state(h, {steps = 2})
local w = core.param("w", {1}, "const", 0.5)
local d2 = tanh(d * w)
d:next(d2)
loss(mse(d2, y))
optimizer(SGD{lr = 0.1})
