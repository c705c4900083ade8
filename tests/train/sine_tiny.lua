-- rnnc train's tests: next value of a noisy sine wave from 8 past values, a
-- tanh RNN of 16 units, Adam.  Small enough to train in a fraction of a second.
model{name = "sine_tiny", batch = 8, steps = 8, epochs = 3}

local x = sequence("x", 1)
local y = targets("y", 1)

local prediction = Dense(1)(SimpleRNN(16)(x))

output("prediction", prediction)
loss(mse(prediction, y))
optimizer(Adam{lr = 1e-2})
