-- expect: tests/bad_specs/nonfinite_clip_norm.lua:2: error: clip_norm must be a finite number, got nan
model{batch = 2, steps = 3, clip_norm = 0/0}
local x = sequence("x", 4)
local y = labels("y", 3)
loss(cross_entropy(Dense(3)(LSTM(4)(x)), y))
optimizer(SGD{lr = 0.1})
