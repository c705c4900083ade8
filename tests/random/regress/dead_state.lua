-- Found by random specs: a state no output reads (s gets a next value, but h
-- does not depend on s).  Streaming carried it anyway: NAME_step copied its
-- next value into a member NAME_state did not have (a compile error).
model{name = "dead_state", batch = 1, steps = 2}
local x = sequence("x", 1)
local y = targets("y", 1, {per_step = true})
local s = state(zeros{1, 1})
local h = Dense(1)(x)
s:next(h)
output("h", h)
loss(mse(h, y))
optimizer(SGD{lr = 0.1})
