-- expect: tests/bad_specs/hostile_layer_name.lua:4: error: layer name "a*/b" may contain only letters, digits and _, and may not start with a digit
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local h = LSTM(4, {name = "a*/b"})(x)
