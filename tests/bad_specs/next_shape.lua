-- expect: tests/bad_specs/next_shape.lua:5: error: next: the state (line 4) is [2, 4] f32 but its next value is [2, 3] f32
model{batch = 2, steps = 3}
local x = sequence("x", 3)
local h = state(zeros{2, 4})
h:next(x)
