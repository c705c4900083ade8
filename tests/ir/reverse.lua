-- goal: grad
-- A bidirectional Elman layer of 1 unit over 3 steps: the forward direction
-- reads x at steps 1, 2, 3; the backward one (its own _reverse parameters)
-- reads them at steps 3, 2, 1, and its per-step outputs are put back in the
-- sequence's order (unroll: reverse reads step T+1-t and leaves no node), so
-- the concat at step t joins both directions' view of step t; batch_time
-- makes each direction's input projection one product over the rows of x,
-- from which the backward steps select theirs in reverse.
model{name = "reverse", batch = 1, steps = 3}
local x = sequence("x", 1)
local y = targets("y", 2, {per_step = true})
local h = Bidirectional(SimpleRNN(1, {return_sequences = true}))(x)
loss(mse(h, y))
optimizer(SGD{lr = 0.1})
