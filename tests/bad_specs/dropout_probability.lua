-- expect: tests/bad_specs/dropout_probability.lua:4: error: dropout: p must be in [0, 1), got 1.5
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local d = Dropout(1.5)(LSTM(4)(x))
