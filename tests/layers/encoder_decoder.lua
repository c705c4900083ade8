-- Two time loops: an LSTM encoder over 5 steps hands its final states
-- (return_state) to an LSTM decoder over 3 steps that reads its own previous
-- prediction (first the last input value); the decoder's per-step loss
-- averages over its 3 steps.  A GRU over repeat_steps(the encoder's last
-- output) is a third loop, of 2 steps, read back as its last value.
model{name = "encoder_decoder", batch = 2, steps = 5}
local x = sequence("x", 1)
local y = targets("y", 1, {per_step = true, steps = 3})
local z = targets("z", 2)
local out, h, c = LSTM(4, {return_state = true})(x)
local prev = state(last(x), {steps = 3})
local d = LSTM(4, {return_sequences = true, initial_state = {h, c}, name = "decoder"})(prev)
local p = Dense(1)(d)
prev:next(p)
local q = Dense(2)(GRU(3)(repeat_steps(out, 2)))
output("p", p)
output("q", q)
loss(mse(p, y) + mse(q, z))
optimizer(Adam{lr = 0.01})
