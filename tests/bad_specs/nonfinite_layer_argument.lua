-- expect: tests/bad_specs/nonfinite_layer_argument.lua:5: error: Normalize: argument 2 must be a finite number, got inf
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = labels("y", 3)
local h = LSTM(4)(Normalize(0.5, math.huge)(x))
loss(cross_entropy(Dense(3)(h), y))
optimizer(SGD{lr = 0.1})
