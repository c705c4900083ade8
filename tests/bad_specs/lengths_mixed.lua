-- expect: tests/bad_specs/lengths_mixed.lua:6: error: add: mixes two sequences of different lengths inputs ('x_len' and 'z_len')
-- Two sequences of the same steps whose examples end in different places.
model{batch = 2, steps = 4}
local x = sequence("x", 3, {lengths = "x_len"})
local z = sequence("z", 3, {lengths = "z_len"})
local both = x + z
