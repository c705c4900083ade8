-- fmnist_lstm read both ways: a bidirectional LSTM of 64 units per direction
-- reads the rows of each image top to bottom and bottom to top; the dense
-- layer classifies the forward direction's last output beside the backward
-- direction's output after the first row (PyTorch's h_n of
-- nn.LSTM(28, 64, bidirectional = True), whose weights load unchanged:
-- lstm1.weight_ih is its weight_ih_l0, lstm1.weight_ih_reverse its
-- weight_ih_l0_reverse).
model{name = "fmnist_bilstm", batch = 64, steps = 28, epochs = 10}

local x = sequence("x", 28)     -- [64, 28, 28] floats in [0, 1]
local y = labels("y", 10)       -- [64] class ids

local h = Bidirectional(LSTM(64))(Normalize(0.2860, 0.3530)(x))  -- [64, 128]
local logits = Dense(10)(h)

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 1e-3})
