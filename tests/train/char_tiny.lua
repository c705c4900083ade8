-- rnnc train's tests: a character model of 32 symbols, an LSTM of 32 units,
-- the next character predicted at every one of 16 steps.
model{name = "char_tiny", batch = 8, steps = 16, epochs = 2, clip_norm = 5.0}

local ids = sequence("x", {ids = 32})
local y = labels("y", 32, {per_step = true})

local h = LSTM(32, {return_sequences = true})(OneHot(32)(ids))
local logits = Dense(32)(h)

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 1e-2})
