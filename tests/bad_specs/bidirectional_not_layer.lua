-- expect: tests/bad_specs/bidirectional_not_layer.lua:4: error: Bidirectional: expected a layer such as LSTM(64), got a tensor
model{batch = 2, steps = 4}
local x = sequence("x", 3)
local h = Bidirectional(x)
