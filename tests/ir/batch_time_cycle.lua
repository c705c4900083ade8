-- goal: grad
-- Two recurrences that feed each other over 2 steps: h = tanh(W1 u + x),
-- g = tanh(W2 s), and the next s is h, the next u is g.  Each group of
-- products alone may be merged (no step-1 operand depends on its own
-- group), but not both: once W1's two products are one, h_0 depends on g_0,
-- so merging W2's products (whose step-1 operand is h_0) would close a
-- cycle.  batch_time merges W1's and leaves W2's per step.
model{name = "batch_time_cycle", batch = 1, steps = 2}
local x = sequence("x", 2)
local s = state(fill({1, 2}, 0.5))
local u = state(fill({1, 2}, 0.25))
local d1 = Dense(2, {bias = false})
local d2 = Dense(2, {bias = false})
local h = tanh(d1(u) + x)
local g = tanh(d2(s))
s:next(h)
u:next(g)
loss(sum(time_sum(h + g)))
