-- expect: tests/bad_specs/labels_as_floats.lua:5: error: one_hot: input 1 must hold integer ids (int32), got f32
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = targets("y", 1)
loss(cross_entropy(Dense(3)(LSTM(3)(x)), y))
