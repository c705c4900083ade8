-- expect: tests/bad_specs/loops_mixed.lua:8: error: add: mixes the steps of two time loops: 4 steps (the sequence of line 5) and 3 steps (the state of line 6)
-- A decoder's per-step value added to the encoder's sequence: two time loops
-- of different lengths whose values cannot meet.
model{batch = 2, steps = 4}
local x = sequence("x", 1)
local s = state(last(x), {steps = 3})
s:next(s * 0.5)
local bad = x + s
loss(mean(last(bad)))
