-- Next-value prediction of a noisy sine wave: a window of 10 past values, a
-- ReLU Elman RNN of 50 units, and a linear read-out of the next value.
-- Trained with SGD and momentum, gradients clipped to a global norm of 1.
model{name = "sine_rnn", batch = 32, steps = 10, epochs = 20, clip_norm = 1.0}

local x = sequence("x", 1)      -- [32, 10, 1]: the window
local y = targets("y", 1)       -- [32, 1]: the value after it

local h = SimpleRNN(50, {activation = "relu"})(x)
local prediction = Dense(1)(h)

output("prediction", prediction)
loss(mse(prediction, y))
optimizer(SGD{lr = 0.01, momentum = 0.9})
