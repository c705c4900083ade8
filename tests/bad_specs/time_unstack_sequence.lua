-- expect: tests/bad_specs/time_unstack_sequence.lua:4: error: time_unstack: expected a tensor that does not vary over time
model{batch = 2, steps = 4}
local x = sequence("x", 1)
local again = time_unstack(x)
