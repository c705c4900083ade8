-- goal: predict
-- Inference drops dropout, targets and the loss: the graph keeps only what
-- the output needs.
model{name = "dropout_predict", batch = 2, steps = 2}
local x = sequence("x", 1)
local y = targets("y", 1)
local p = Dense(1)(Dropout(0.5)(LSTM(1)(x)))
output("prediction", p)
loss(mse(p, y))
