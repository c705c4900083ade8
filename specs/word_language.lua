-- Which language is a word from?  Words of Debian's English, French,
-- German, Italian and Spanish word lists (rnnc train --data words; 20,000 of
-- each), read byte by byte: an embedding of the bytes, then a bidirectional
-- GRU that stops at each word's own end (x_len: the word's length, up to 24
-- bytes), both directions' final states classified into the 5 languages.
model{name = "word_language", batch = 64, steps = 24, epochs = 10}

local x = sequence("x", {ids = 256, lengths = "x_len"})  -- [64, 24] bytes (0 past the word), x_len [64]
local y = labels("y", 5)                                 -- [64] 0 English .. 4 Spanish

local h = Bidirectional(GRU(64))(Embedding(256, 16)(x))  -- [64, 128]
local logits = Dense(5)(h)

output("logits", logits)
loss(cross_entropy(logits, y))
metric("accuracy", accuracy(logits, y))
optimizer(Adam{lr = 3e-3})
