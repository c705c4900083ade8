-- A character-level language model: 64 characters in, the next character
-- predicted at every step.  96 symbols (enough for printable ASCII, tab and
-- newline: a text with more distinct bytes shares the last id among its
-- rarest) enter one-hot; an LSTM of 256 units; a softmax over the vocabulary
-- at each step; the loss is the cross-entropy averaged over the batch and the
-- steps.
-- On Debian's license texts (--data /usr/share/common-licenses: 237 KB, 86
-- distinct bytes) an epoch is 104 batches; the test loss is lowest after
-- about 15 epochs (5 leave it near 3 bits per character and the samples
-- barely legible), later ones overfit.
model{name = "charlm_lstm", batch = 32, steps = 64, epochs = 15, clip_norm = 5.0}

local V = 96
local ids = sequence("x", {ids = V})              -- [32, 64] character ids
local y = labels("y", V, {per_step = true})       -- [32, 64] next characters

local h = LSTM(256, {return_sequences = true})(OneHot(V)(ids))
local logits = Dense(V)(h)                        -- per step: [32, 96]

output("logits", logits)                          -- stacked: [32, 64, 96]
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 2e-3})
