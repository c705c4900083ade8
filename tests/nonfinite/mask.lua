-- Legal infinite constants in a whole training step: a softmax over the
-- hidden units with the last 3 masked by -inf, and an elementwise op with an
-- inf operand (tests/generated/quality.sh compiles and runs its generated C).
model{name = "nonfinite_mask", batch = 4, steps = 3}

local x = sequence("x", 6)
local y = labels("y", 4)

local h = minimum(SimpleRNN(8)(x), math.huge)
local mask = concat({zeros{4, 5}, fill({4, 3}, -math.huge)}, 2)
local logits = Dense(4)(softmax(h + mask) * h)

output("logits", logits)
loss(cross_entropy(logits, y))
optimizer(Adam{lr = 1e-2})
