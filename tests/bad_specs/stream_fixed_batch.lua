-- expect: tests/bad_specs/stream_fixed_batch.lua:9: error: streaming (NAME_step) runs one sequence at a time, but this state's first size is 2, not the batch: size it from the input (zeros{x.shape[1], ...}), not with a number
-- goal: stream
-- The state's batch written as a number: right for the batch of 2, wrong for
-- the streaming step's one sequence (it would carry a second row that belongs
-- to no sequence).
model{batch = 2, steps = 3}
local x = sequence("x", 1)
local w = core.param("w", {2, 1}, "uniform", -1, 1)
local s = state(zeros{2, 2})
local h = tanh(linear(x, w) + s)
s:next(h)
output("h", last(h))
