-- expect: tests/bad_specs/lengths_not_a_name.lua:3: error: sequence: lengths must be the name of an input, got number
model{batch = 2, steps = 4}
local x = sequence("x", 3, {lengths = 4})
