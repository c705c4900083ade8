-- expect: tests/bad_specs/loops_cycle.lua:7: error: last: a value of the whole sequence that its own steps need (through another time loop): the loop would need its end before its start
-- Each of two loops reads the other's end: the first loop's steps need the
-- second's last state, whose steps need the first loop's last value.
model{batch = 2, steps = 4}
local x = sequence("x", 1)
local s = state(zeros{2, 1}, {steps = 3})
local e = x + last(s)
s:next(s + last(e))
loss(mean(last(e)))
optimizer(SGD{lr = 0.1})
