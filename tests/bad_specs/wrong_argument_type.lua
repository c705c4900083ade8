-- expect: tests/bad_specs/wrong_argument_type.lua:4: error: LSTM: units must be a positive integer, got big
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local h = LSTM("big")(x)
