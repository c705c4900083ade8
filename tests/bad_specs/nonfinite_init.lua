-- expect: tests/bad_specs/nonfinite_init.lua:5: error: an initialiser's argument must be a finite number, got -inf
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = labels("y", 3)
local h = LSTM(4, {weight_ih_init = init.uniform(-math.huge, 1)})(x)
loss(cross_entropy(Dense(3)(h), y))
optimizer(SGD{lr = 0.1})
