-- expect: tests/bad_specs/bidirectional_merge.lua:4: error: Bidirectional: merge must be 'concat', 'sum', 'mul' or 'ave', got 'max'
model{batch = 2, steps = 4}
local x = sequence("x", 3)
local h = Bidirectional(LSTM(4), {merge = "max"})(x)
