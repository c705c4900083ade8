-- expect: tests/bad_specs/nonfinite_dropout.lua:5: error: dropout: p must be in [0, 1), got nan
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = labels("y", 3)
local h = dropout(LSTM(4)(x), 0/0)
loss(cross_entropy(Dense(3)(h), y))
optimizer(SGD{lr = 0.1})
