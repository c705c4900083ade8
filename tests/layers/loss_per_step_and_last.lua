-- A loss with a per-step term and last-step terms: the per-step term is
-- averaged over the steps (as loss() of a per-step value alone is), the
-- others are taken as they are, scaled and subtracted; a metric alike.
model{name = "loss_per_step_and_last", batch = 2, steps = 4}
local x = sequence("x", 3)
local y = targets("y", 2, {per_step = true})
local label = labels("label", 3)
local h = GRU(4, {return_sequences = true})(x)
local p = Dense(2)(h)
local logits = Dense(3)(last(h))
output("logits", logits)
loss(mse(p, y) + 0.5 * cross_entropy(logits, label) - mean(last(p)) / 4)
metric("mixed", mean(p * p) + accuracy(logits, label))
optimizer(Adam{lr = 0.01})
