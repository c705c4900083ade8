-- fuzz/: a character model small enough that its checkpoint (with the
-- data.vocab tensor of a text run) is a seed of about 2 KB for
-- fuzz_checkpoint and fuzz_safetensors (make_seeds.py trains it for a batch).
model{name = "fuzz_chars", batch = 2, steps = 4}

local ids = sequence("x", {ids = 8})
local y = labels("y", 8, {per_step = true})

local h = SimpleRNN(3, {return_sequences = true})(OneHot(8)(ids))
local logits = Dense(8)(h)

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(SGD{lr = 0.1})
