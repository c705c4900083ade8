-- expect: tests/bad_specs/sequence_steps_override.lua:8: error: add: mixes the steps of two time loops: 3 steps (the sequence of line 6) and 5 steps (the sequence of line 8)
-- args: --steps 3
-- A time axis written as a number fits the spec's steps but not --steps;
-- sequence() follows both.
model{batch = 2, steps = 5}
local x = sequence("x", 2)
local s = input("s", {5, 2})
local h = SimpleRNN(3)(x + core.op("steps", {s}))
loss(mean(h))
