-- Found by random specs: a fused loop computing two dropout masks (the
-- elementwise cell of both steps joins one loop) declared `seed` twice.
model{name = "two_masks", batch = 1, steps = 2}
local x = sequence("x", 2)
local y = targets("y", 2, {per_step = true})
local s = state(zeros{1, 2})
local w = core.param("w", {2}, "uniform", -1, 1)
local h = tanh(x + s) * w
s:next(h)
local d = Dropout(0.5)(h)
output("d", d)
loss(mse(d, y))
optimizer(SGD{lr = 0.1})
