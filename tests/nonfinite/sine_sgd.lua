-- tests/train/sine_tiny.lua with SGD: a large --lr makes its weights grow
-- without bound, within a few batches, to inf and NaN (tests/nonfinite/train.sh).
model{name = "sine_sgd", batch = 8, steps = 8}

local x = sequence("x", 1)
local y = targets("y", 1)

local prediction = Dense(1)(SimpleRNN(16)(x))

output("prediction", prediction)
loss(mse(prediction, y))
optimizer(SGD{lr = 1e-2})
