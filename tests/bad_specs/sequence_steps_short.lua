-- expect: tests/bad_specs/sequence_steps_short.lua:7: error: steps: the time axis (the second) of [2, 4, 2] has 4 steps, but the model runs 5 (model{steps}, --steps): a sequence needs exactly as many; sequence(name, features) makes one that follows them
-- A static input used as a sequence whose time axis is shorter than the
-- model's steps (it once failed as an internal error at step 5).
model{batch = 2, steps = 5}
local x = sequence("x", 2)
local s = input("s", {4, 2})
local h = SimpleRNN(3)(x + core.op("steps", {s}))
loss(mean(h))
