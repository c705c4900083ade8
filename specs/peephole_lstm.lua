-- Fashion-MNIST with a user-written cell: the peephole LSTM of
-- peephole_cell.lua, 64 units, then a dense classifier.
model{name = "peephole_lstm", batch = 64, steps = 28, epochs = 10}

local PeepholeLSTM = require "peephole_cell"

local x = sequence("x", 28)
local y = labels("y", 10)

local logits = Dense(10)(PeepholeLSTM(64)(x))

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 1e-3})
