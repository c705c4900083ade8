-- goal: loss
-- A cell written from primitives with state/next, seq->seq: the output is
-- stacked over time and the loss is averaged over the steps.
model{name = "user_cell", batch = 1, steps = 2}
local x = sequence("x", 2)
local y = targets("y", 2, {per_step = true})
local s = state(zeros{1, 2})
local h = sigmoid(x * s + 1)
s:next(h)
output("h", h)
loss(mse(h, y))
