-- fmnist_lstm with a GRU of 128 units in place of the LSTM (the same
-- standardised pixels).
model{name = "gru_classifier", batch = 64, steps = 28, epochs = 10}

local x = sequence("x", 28)
local y = labels("y", 10)

local logits = Dense(10)(GRU(128)(Normalize(0.2860, 0.3530)(x)))

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 1e-3})
