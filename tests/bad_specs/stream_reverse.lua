-- expect: tests/bad_specs/stream_reverse.lua:7: error: no streaming step (NAME_reset, NAME_step): this value is read in reverse, from the sequence's last step, which a stream has not seen yet
-- goal: stream
-- A bidirectional layer reads the future: every entry point but streaming
-- has it (rnnc build leaves NAME_step out with a note); asked for alone,
-- streaming says why not.
model{batch = 2, steps = 3}
local h = Bidirectional(GRU(2))(sequence("x", 1))
output("h", h)
