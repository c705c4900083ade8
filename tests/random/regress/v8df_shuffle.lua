-- gcc 12.2 with 512-bit AVX-512 vectors computed wrong f64 gradients for this spec (random
-- seed 8 reduced): the vectorizer broadcast the two row sums of a [2, 4] product with a shuffle
-- of 8 doubles that gcc emits as the lane-local vpermilpd (tests/backend/gcc_v8df_shuffle.c).
-- Generated f64 code asks gcc for 256-bit vectors since (preamble.c); random.regress.v8df_shuffle.512
-- runs it with -mprefer-vector-width=512.
model{name = "h", batch = 2, steps = 3}
local x = sequence("x", 2)
local ctx = input("ctx", 4)
local y = targets("y", 2)
local s1 = state(zeros{x.shape[1], 2})
local v3 = ctx * reshape(mean(s1, -1), {x.shape[1], 1})
local p3 = core.param("p3", {2, 4}, "uniform", -0.5, 0.5)
local p5 = core.param("p5", {2, 2}, "uniform", -0.5, 0.5)
local n1 = tanh(linear(v3, p3) + matmul(s1, p5) + x)
s1:next(n1)
output("h", last(n1))
loss(mse(last(n1), y))
