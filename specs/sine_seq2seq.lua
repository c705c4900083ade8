-- Multi-step forecasting of the noisy sine of sine_rnn: an encoder reads 50
-- values, and a decoder starting from its final states forecasts the next
-- 10, each from its own forecast of the one before (the first from the last
-- value read).  Two time loops: the encoder's 50 steps and the decoder's 10.
model{name = "sine_seq2seq", batch = 32, steps = 50, epochs = 20}

local x = sequence("x", 1)                                -- [32, 50, 1]: the window
local y = targets("y", 1, {per_step = true, steps = 10})  -- [32, 10, 1]: the 10 values after it

local _, h, c = LSTM(32, {return_state = true, name = "encoder"})(x)
local previous = state(last(x), {steps = 10})             -- the decoder's input: its last forecast
local d = LSTM(32, {return_sequences = true, initial_state = {h, c}, name = "decoder"})(previous)
local forecast = Dense(1)(d)
previous:next(forecast)

output("forecast", forecast)                              -- [32, 10, 1]
loss(mse(forecast, y))                                    -- averaged over the 10 steps
optimizer(Adam{lr = 3e-3})
