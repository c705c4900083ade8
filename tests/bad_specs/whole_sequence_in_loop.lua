-- expect: tests/bad_specs/whole_sequence_in_loop.lua:5: error: add: reads the result of last (line 5), which exists only after the last step, inside the time loop (reduce the per-step value first: last, time_sum, time_mean)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local y = Dense(4)(x)
local z = y + last(y)
output("z", last(z))
