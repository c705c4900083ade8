-- expect: tests/bad_specs/syntax_error.lua:4: error: unexpected symbol near ')'
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local h = LSTM(8)(x))
