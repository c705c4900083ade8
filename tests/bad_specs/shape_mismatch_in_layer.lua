-- expect: tests/bad_specs/shape_mismatch_in_layer.lua:6: error: add: shapes [2, 8] and [2, 5] do not broadcast
-- The shapes disagree inside the library; the error points at the user's line.
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local h = LSTM(8)(x)
local z = h + Dense(5)(h)
