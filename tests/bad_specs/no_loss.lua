-- expect: tests/bad_specs/no_loss.lua: error: the spec defines no loss: call loss(...) (for example loss(cross_entropy(logits, y)))
model{batch = 2, steps = 3}
local x = sequence("x", 4)
output("h", LSTM(4)(x))
optimizer(Adam{})
