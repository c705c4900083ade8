-- expect: tests/bad_specs/no_optimizer.lua: error: the spec sets no optimizer; add optimizer(Adam{...}) or optimizer(SGD{...})
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = labels("y", 3)
loss(cross_entropy(Dense(3)(LSTM(4)(x)), y))
