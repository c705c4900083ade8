-- sine_rnn's one-step forecast rolled out 10 times, the baseline sine_seq2seq
-- is read against: over the same windows of 50 values, forecast the next
-- value from the last 10, append it to them, and so on, 10 times.  It has
-- sine_rnn's layers and parameter names, so it trains nothing of its own:
--   rnnc eval specs/sine_rnn_rollout.lua --weights sine.safetensors --data sine --steps 50
-- (--steps: the checkpoint remembers sine_rnn's 10).
-- Each forecast reads its window as a time loop of its own (time_unstack):
-- ten loops of 10 steps, each window computed from the forecasts before it.
model{name = "sine_rnn_rollout", batch = 32, steps = 50}

local x = input("x", {50, 1})         -- [32, 50, 1]: the window
local y = targets("y", {10, 1})       -- [32, 10, 1]: the 10 values after it

local rnn, dense = SimpleRNN(50, {activation = "relu"}), Dense(1)
local recent = slice(x, 41, 10, 2)    -- [32, 10, 1]: what sine_rnn reads
local forecasts = {}
for k = 1, 10 do
  local next_value = reshape(dense(rnn(time_unstack(recent))), {x.shape[1], 1, 1})
  forecasts[k] = next_value
  recent = concat({slice(recent, 2, 9, 2), next_value}, 2)
end
local forecast = concat(forecasts, 2) -- [32, 10, 1]

output("forecast", forecast)
loss(mse(forecast, y))
optimizer(SGD{lr = 0.01, momentum = 0.9})
