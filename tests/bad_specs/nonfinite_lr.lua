-- expect: tests/bad_specs/nonfinite_lr.lua:6: error: lr must be a finite number, got inf
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = labels("y", 3)
loss(cross_entropy(Dense(3)(LSTM(4)(x)), y))
optimizer(Adam{lr = math.huge})
