-- expect: tests/bad_specs/time_mean_nonlinear.lua:9: error: mul: a mean over the steps cannot be taken term by term here: this per-step value reads last (line 9), which exists only after the last step, through mul; reduce the per-step part first (time_mean(...) + ..., or last, time_sum)
-- goal: loss
-- A loss averages its per-step terms over the steps, also beside last-step
-- terms (tests/layers/loss_per_step_and_last.lua), but the mean of a square of
-- a difference with the last step is not a sum of means: an error at the op.
model{batch = 2, steps = 3}
local x = sequence("x", 2)
local h = SimpleRNN(3, {return_sequences = true})(x)
loss(mse(h, last(h)))
