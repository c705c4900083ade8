-- expect: tests/bad_specs/cycle.lua:8: error: cycle outside a declared recurrence: the next value of the state of line 6 is computed from last (line 8) of that state's own sequence
-- A state's next value must come from the current step, not from the end of
-- its own sequence.
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local s = state(zeros{2, 4})
local y = s + x
s:next(last(y) * 0.5)
loss(mean(last(y)))
