-- Embedding -> GRU (every step) -> Dense with tanh, cross-entropy at every step.
model{name = "embedding_gru_seq", batch = 2, steps = 3}
local ids = sequence("x", {ids = 7})
local y = labels("y", 7, {per_step = true})
local h = GRU(5, {return_sequences = true})(Embedding(7, 4)(ids))
local logits = Dense(7, {activation = "tanh"})(h)
loss(cross_entropy(logits, y))
