-- Regression with dropout: an LSTM of 50 units over a window of 10 values,
-- dropout 0.2 on its last output, a linear read-out of the next value.
model{name = "lstm_dropout", batch = 32, steps = 10, epochs = 20}

local x = sequence("x", 1)
local y = targets("y", 1)

local h = LSTM(50)(x)
local prediction = Dense(1)(Dropout(0.2)(h))

output("prediction", prediction)
loss(mse(prediction, y))
optimizer(Adam{lr = 1e-3})
