-- tests/sizes: one input of 1024 x 2 x 65536 floats (537 MB): more than the
-- address space run.sh gives rnnc.
model{name = "big_input", batch = 1024, steps = 2}
local x = sequence("x", 65536)
local y = targets("y", 1)
local h = Dense(1)(last(x))
output("y", h)
loss(mse(h, y))
optimizer(SGD{lr = 0.1})
