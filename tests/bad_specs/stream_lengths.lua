-- expect: tests/bad_specs/stream_lengths.lua:4: error: no streaming step (NAME_reset, NAME_step): this sequence has a length per example; a stream ends where its caller stops
-- goal: stream
model{batch = 2, steps = 3}
local x = sequence("x", 1, {lengths = "x_len"})
output("h", GRU(2)(x))
