-- expect: tests/bad_specs/sequence_steps_override.lua:8: error: steps: the time axis (the second) of [2, 5, 2] has 5 steps, but the model runs 3 (model{steps}, --steps): a sequence needs exactly as many; sequence(name, features) makes one that follows them
-- args: --steps 3
-- A time axis written as a number fits the spec's steps but not --steps;
-- sequence() follows both.
model{batch = 2, steps = 5}
local x = sequence("x", 2)
local s = input("s", {5, 2})
local h = SimpleRNN(3)(x + core.op("steps", {s}))
loss(mean(h))
