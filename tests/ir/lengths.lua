-- goal: predict
-- A sequence of 2 steps whose examples end where x_len says: unroll turns
-- the masks into slices of one_hot(x_len, 3) (valid: 1 while t < length;
-- final: 1 at t = length-1), the state holds past the length (h + valid *
-- (h' - h)), and last() is the sum over the steps of h' * final.
model{name = "lengths", batch = 1, steps = 2}
local x = sequence("x", 1, {lengths = "x_len"})
output("h", SimpleRNN(1)(x))
