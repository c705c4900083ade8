-- expect: tests/bad_specs/size_dimension.lua:3: error: input shape: dimension 3 is 100000000; dimensions are at most 16777216 (IR_MAX_EXTENT)
model{batch = 2, steps = 3}
local x = sequence("x", 100000000)
