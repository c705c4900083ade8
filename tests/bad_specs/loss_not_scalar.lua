-- expect: tests/bad_specs/loss_not_scalar.lua:4: error: the loss must be a single number, got shape [2, 1]
model{batch = 2, steps = 3}
local x = sequence("x", 4)
loss(Dense(1)(LSTM(3)(x)))
