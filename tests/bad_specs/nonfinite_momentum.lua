-- expect: tests/bad_specs/nonfinite_momentum.lua:6: error: momentum must be a finite number, got nan
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = labels("y", 3)
loss(cross_entropy(Dense(3)(LSTM(4)(x)), y))
optimizer(SGD{lr = 0.1, momentum = 0/0})
