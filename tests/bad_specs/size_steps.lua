-- expect: tests/bad_specs/size_steps.lua:2: error: model: steps is 10000000; at most 1048576 are allowed (IR_MAX_STEPS)
model{batch = 2, steps = 1e7}
