-- expect: tests/bad_specs/lengths_scalar_last.lua:6: error: last: a per-step value of a sequence with lengths must be float [batch, ...] (its lengths are per example)
-- A per-step value without a batch axis has no example whose end last() could take.
model{batch = 2, steps = 4}
local x = sequence("x", 3, {lengths = "x_len"})
local per_step = mean(x)
local v = last(per_step)
