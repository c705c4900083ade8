-- goal: grad
-- Products with a one-hot input (simplify.c), on a tanh RNN of 2 units over
-- 2 steps reading ids of 3 symbols:
--   - each step's matmul(one_hot(x_t), weight_ih) tb is gather(transpose
--     (weight_ih), x_t): one transpose, shared by the steps after the last
--     simplify, then rows picked by id;
--   - the weight gradient matmul(dY_t, one_hot(x_t)) ta is the transpose of
--     scatter_add(x_t, dY_t); the sum over the steps takes one transpose of
--     the sum, and batch_time makes that sum one scatter_add of the stacked
--     ids and dY rows;
--   - the one_hot of the labels, multiplied elementwise in the loss, stays.
model{name = "one_hot", batch = 2, steps = 2}
local x = sequence("x", {ids = 3})
local y = labels("y", 2)
local h = SimpleRNN(2)(OneHot(3)(x))
loss(cross_entropy(h, y))
