-- expect: tests/bad_specs/reverse_in_own_recurrence.lua:6: error: reverse: step 1 of this value depends on itself (a recurrence cannot read the reverse of a sequence it computes: its step t would need its step T-1-t)
model{batch = 2, steps = 4}
local x = sequence("x", 3)
local h = state(zeros{2, 3})
local h2 = tanh(x + h)
local back = reverse(h2)
h:next(h2 + back)
loss(mean(last(h2)))
optimizer(SGD{lr = 0.1})
