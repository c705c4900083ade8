-- goal: grad
-- Batching over time (batch_time.c), on two stacked tanh RNNs of 2 units
-- over 3 steps.  After batch_time:
--   - layer 1's input projection is one matmul of reshape(x) [6, 1], and
--     its weight gradient reuses that reshape: no stack of x;
--   - layer 2's input projection stacks h1 of the 3 steps once, and its
--     weight gradient multiplies the same rows;
--   - the gradient sent back to layer 1 through layer 2's weight_ih is one
--     matmul of the stacked dY of layer 2, the stack its weight and bias
--     gradients use too;
--   - every matmul by weight_hh stays per step, forward and backward: h_t
--     depends on the product of step t-1, so merging them would be a cycle.
model{name = "batch_time", batch = 2, steps = 3}
local x = sequence("x", 1)
local y = targets("y", 2)
local h = SimpleRNN(2, {return_sequences = true})(x)
h = SimpleRNN(2)(h)
loss(mse(h, y))
