-- expect: tests/bad_specs/stream_two_loops.lua:7: error: no streaming step (NAME_reset, NAME_step): this value is in a second time loop, beside the one of line 5
-- goal: stream
-- An encoder and a decoder are two time loops; a stream follows one.
model{batch = 2, steps = 3}
local x = sequence("x", 1)
local _, h = GRU(2, {return_state = true})(x)
local d = GRU(2, {return_sequences = true, initial_state = {h}})(repeat_steps(h, 4))
output("d", d)
