-- Found by random specs: an input only a dead state reads (x feeds r, no
-- output depends on r).  The streaming graph kept x, predict dropped it, and
-- `rnnc build` crashed looking x up among predict's inputs.
model{name = "unread_input", batch = 1, steps = 2}
local x = sequence("x", 1)
local y = targets("y", 1, {per_step = true})
local r = state(zeros{1, 1})
r:next(tanh(r + x))
local s = state(zeros{1, 1})
local h = Dense(1)(s + 1)
s:next(tanh(h))
output("h", h)
loss(mse(h, y))
optimizer(SGD{lr = 0.1})
