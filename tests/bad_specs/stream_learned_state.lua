-- expect: tests/bad_specs/stream_learned_state.lua:8: error: no streaming step (NAME_reset, NAME_step): this state's initial value is computed (add), and NAME_reset reads no parameters
-- goal: stream
-- A learned initial state: every entry point but streaming has it (rnnc build
-- leaves NAME_step out with a note); asked for alone, streaming says why not.
model{batch = 2, steps = 3}
local x = sequence("x", 1)
local h0 = core.param("h0", {2}, "uniform", -1, 1)
local s = state(h0 + zeros{x.shape[1], 2})
local h = tanh(x + s)
s:next(h)
output("h", last(h))
