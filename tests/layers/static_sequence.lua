-- A whole input read as a sequence (core.op("steps", {input})), sized by the
-- model's steps (model{} returns them, --steps included), so that it streams
-- too, one step per call.  A number of steps written as a number is refused
-- at this line when it is not the model's (tests/bad_specs/sequence_steps_*),
-- and leaves the spec without a streaming step (tests/cli).
local m = model{name = "static_sequence", batch = 2, steps = 4}
local x = sequence("x", 3)
local bias = input("bias", {m.steps, 3})
local y = targets("y", 2)
local h = LSTM(3)(x + core.op("steps", {bias}))
local p = Dense(2)(h)
output("p", p)
loss(mse(p, y))
