-- expect: tests/bad_specs/state_without_next.lua:4: error: state is never given its next value (call :next(v) on it in the step)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local h = state(zeros{2, 4})
loss(mean(last(h + x)))
