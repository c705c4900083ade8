-- Truncated BPTT over an LSTM: the gradient gradcheck compares is the
-- truncated one, over all the steps (its finite differences hold the cut
-- values, as stop_gradient's).
model{name = "tbptt_lstm", batch = 2, steps = 6, tbptt = 2}
local x = sequence("x", 2)
local y = labels("y", 3)
loss(cross_entropy(Dense(3)(LSTM(3)(x)), y))
