-- expect: tests/bad_specs/size_elements_per_step.lua:3: error: state: [4096] over 100000 steps has more than 268435456 elements (IR_MAX_ELEMENTS)
model{batch = 1024, steps = 100000}
local h = state(zeros({4096}))
h:next(h + 1)
