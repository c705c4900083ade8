-- A character-level language model: 64 characters in, the next character
-- predicted at every step.  The 65 symbols enter one-hot; an LSTM of 256
-- units; a softmax over the vocabulary at each step; the loss is the
-- cross-entropy averaged over the batch and the steps.
-- On Debian's license texts (--data /usr/share/common-licenses: 237 KB, 86
-- distinct bytes, so the 22 rarest share the last id) an epoch is 104 batches;
-- the test loss is lowest after about 15 epochs (5 leave it near 3 bits per
-- character and the samples barely legible), later ones overfit.
model{name = "charlm_lstm", batch = 32, steps = 64, epochs = 15, clip_norm = 5.0}

local ids = sequence("x", {ids = 65})             -- [32, 64] character ids
local y = labels("y", 65, {per_step = true})      -- [32, 64] next characters

local h = LSTM(256, {return_sequences = true})(OneHot(65)(ids))
local logits = Dense(65)(h)                       -- per step: [32, 65]

output("logits", logits)                          -- stacked: [32, 64, 65]
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 2e-3})
