-- goal: grad
-- Truncated BPTT: with tbptt = 2 over 4 steps, the state's gradient is cut
-- after steps 2 (a stop_grad in the unrolled graph), so no gradient crosses
-- from step 3 back into steps 1-2 through the recurrence.
model{name = "tbptt", batch = 1, steps = 4, tbptt = 2}
local x = sequence("x", 1)
local s = state(zeros{1, 1})
local w = Dense(1, {bias = false})
local h = tanh(w(s) + x)
s:next(h)
loss(sum(time_sum(h)))
