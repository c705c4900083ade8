-- expect: tests/bad_specs/sequence_steps_short.lua:7: error: add: mixes the steps of two time loops: 5 steps (the sequence of line 5) and 4 steps (the sequence of line 7)
-- A static input used as a sequence of 4 steps beside the model's 5: two time
-- loops whose values cannot meet (it once failed as an internal error at step 5).
model{batch = 2, steps = 5}
local x = sequence("x", 2)
local s = input("s", {4, 2})
local h = SimpleRNN(3)(x + core.op("steps", {s}))
loss(mean(h))
