-- expect: tests/bad_specs/initial_state_count.lua:5: error: LSTM: initial_state must be a table of 2 tensors
model{batch = 2, steps = 4}
local x = sequence("x", 3)
local h = input("h", 4)
local out = LSTM(4, {initial_state = {h}})(x)
