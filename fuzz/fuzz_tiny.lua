-- fuzz/: the model whose generated fuzz_tiny_load fuzz_blob feeds arbitrary
-- blobs.  Small, so that a blob (32 bytes of header, then the parameters and
-- Adam's moments) is about 2 KB and libFuzzer can reach every byte of it.
model{name = "fuzz_tiny", batch = 2, steps = 3}

local x = sequence("x", 2)    -- [2, 3, 2]
local y = labels("y", 3)      -- [2] class ids

local h = GRU(4)(x)
local logits = Dense(3)(h)

output("logits", logits)
loss(cross_entropy(logits, y))
optimizer(Adam{lr = 1e-3})
