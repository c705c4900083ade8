-- expect: tests/bad_specs/sequence_steps_long.lua:7: error: steps: the time axis (the second) of [2, 7, 2] has 7 steps, but the model runs 5 (model{steps}, --steps): a sequence needs exactly as many; sequence(name, features) makes one that follows them
-- A static input used as a sequence whose time axis is longer than the
-- model's steps (its last steps were once dropped without a word).
model{batch = 2, steps = 5}
local x = sequence("x", 2)
local s = input("s", {7, 2})
local h = SimpleRNN(3)(x + core.op("steps", {s}))
loss(mean(h))
