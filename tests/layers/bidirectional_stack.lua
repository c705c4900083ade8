-- Two bidirectional layers stacked, PyTorch's most common text model: a
-- BiLSTM whose per-step outputs (both directions at step t, concatenated) feed
-- a BiGRU whose last-step outputs (the forward direction's last state and the
-- backward direction's state after step 1: PyTorch's h_n) are summed.
model{name = "bidirectional_stack", batch = 2, steps = 4}
local x = sequence("x", 3)
local label = labels("label", 3)
local h = Bidirectional(LSTM(4, {return_sequences = true}))(x)
local z = Bidirectional(GRU(5), {merge = "sum"})(h)
local logits = Dense(3)(z)
output("logits", logits)
loss(cross_entropy(logits, label))
metric("accuracy", accuracy(logits, label))
optimizer(Adam{lr = 0.01})
