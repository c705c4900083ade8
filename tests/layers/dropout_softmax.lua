-- Dropout on every step (a mask per step) and a softmax output layer,
-- with every reduction the library offers: the gradient is exact given the
-- seed, which fixes the masks.
model{name = "dropout_softmax", batch = 3, steps = 3}
local x = sequence("x", 4)
local y = targets("y", 3)
local h = LSTM(4, {return_sequences = true})(Dropout(0.3)(x))
local p = Dense(3, {activation = "softmax"})(time_sum(h) + mean(last(h), 1) * 0.5 + last(h))
loss(mse(p, y) + mean(sum(p * p, -1)))
