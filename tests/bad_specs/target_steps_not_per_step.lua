-- expect: tests/bad_specs/target_steps_not_per_step.lua:3: error: target: steps is for a per-step target (per_step = true)
model{batch = 2, steps = 4}
local y = targets("y", 1, {steps = 3})
