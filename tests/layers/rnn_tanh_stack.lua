-- Two stacked tanh Elman layers with orthogonal and glorot initialisers,
-- a sigmoid Dense without bias, MSE.
model{name = "rnn_tanh_stack", batch = 2, steps = 4}
local x = sequence("x", 3)
local y = targets("y", 2)
local h = SimpleRNN(4, {return_sequences = true, weight_hh_init = init.orthogonal()})(x)
h = SimpleRNN(4, {weight_ih_init = init.glorot()})(h)
loss(mse(Dense(2, {activation = "sigmoid", bias = false})(h), y))
