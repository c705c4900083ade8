-- expect: tests/bad_specs/sequence_steps_long.lua:7: error: add: mixes the steps of two time loops: 5 steps (the sequence of line 5) and 7 steps (the sequence of line 7)
-- A static input used as a sequence of 7 steps beside the model's 5 (its last
-- steps were once dropped without a word).
model{batch = 2, steps = 5}
local x = sequence("x", 2)
local s = input("s", {7, 2})
local h = SimpleRNN(3)(x + core.op("steps", {s}))
loss(mean(h))
