-- expect: tests/bad_specs/state_steps.lua:4: error: state: steps must be in [1, 1048576] (IR_MAX_STEPS), got 0
model{batch = 2, steps = 4}
local x = sequence("x", 1)
local s = state(zeros{2, 1}, {steps = 0})
