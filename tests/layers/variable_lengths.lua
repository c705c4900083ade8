-- Sequences of different lengths (x_len, 0 to 5 steps each): an LSTM whose
-- states hold past each example's length and whose outputs are zero there,
-- under a bidirectional GRU whose directions start at each example's own
-- ends (h_n of a packed sequence), and a per-step regression averaged over
-- the steps within the lengths.
model{name = "variable_lengths", batch = 3, steps = 5}
local x = sequence("x", 2, {lengths = "x_len"})
local label = labels("label", 3)
local y = targets("y", 2, {per_step = true})
local h = LSTM(4, {return_sequences = true})(x)
local logits = Dense(3)(Bidirectional(GRU(3))(h))
local p = Dense(2)(h)
output("logits", logits)
output("p", p)
loss(cross_entropy(logits, label) + mse(p, y))
metric("accuracy", accuracy(logits, label))
optimizer(Adam{lr = 0.01})
