-- Three stacked LSTMs of 50 units over the 28 rows of an image: the first two
-- pass their whole output sequence on, the third gives its last step to the
-- classifier.  The pixels are standardised as in fmnist_lstm.lua.
model{name = "mnist_stacked_lstm", batch = 64, steps = 28, epochs = 10}

local x = sequence("x", 28)
local y = labels("y", 10)

local h = LSTM(50, {return_sequences = true})(Normalize(0.2860, 0.3530)(x))
h = LSTM(50, {return_sequences = true})(h)
h = LSTM(50)(h)
local logits = Dense(10)(h)

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 1e-3})
