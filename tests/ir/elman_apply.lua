-- goal: apply
-- elman_step's cell with Adam and clipping, as NAME_apply computes it: the
-- gradients are inputs (grads_in, in autodiff's place), the forward graph
-- is dead after the optimizer and dropped, and what is left is the global
-- norm, the clipping coefficient and Adam's update of every parameter.
model{name = "elman", batch = 1, steps = 2, clip_norm = 1}
local x = sequence("x", 1)
local y = targets("y", 1)
local h = SimpleRNN(2)(x)
loss(mse(Dense(1)(h), y))
optimizer(Adam{lr = 0.01})
