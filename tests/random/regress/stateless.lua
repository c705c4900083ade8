-- No recurrence at all: NAME_step and NAME_reset have no state to touch, and
-- their unused `state` parameter was a warning (so `rnnc build` failed its check).
model{name = "stateless", batch = 2, steps = 3}
local x = sequence("x", 2)
local y = targets("y", 1, {per_step = true})
local h = Dense(1)(x)
output("h", h)
loss(mse(h, y))
optimizer(SGD{lr = 0.1})
