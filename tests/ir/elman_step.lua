-- goal: step
-- The smallest recurrent training step: a tanh Elman cell of 2 units over 2
-- steps, MSE, SGD with momentum.  The IR after every pass shows the per-step
-- copies (unroll), the BPTT chain through weight_hh (autodiff), the momentum
-- update (optimizer), and the zero initial state folded away (simplify).
model{name = "elman", batch = 1, steps = 2}
local x = sequence("x", 1)
local y = targets("y", 1)
local h = SimpleRNN(2)(x)
loss(mse(Dense(1)(h), y))
optimizer(SGD{lr = 0.1, momentum = 0.9})
