-- rnnc train's tests: Fashion-MNIST row by row through an LSTM of 16 units,
-- a dense classifier over the 10 classes.
model{name = "fmnist_tiny", batch = 16, steps = 28, epochs = 2}

local x = sequence("x", 28)
local y = labels("y", 10)

local logits = Dense(10)(LSTM(16)(x))

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 1e-2})
