-- expect: tests/bad_specs/reverse_static.lua:4: error: reverse: input does not vary over time steps; reverse reads a per-step value (a sequence, a recurrent layer's output with return_sequences) from its last step to its first
model{batch = 2, steps = 4}
local x = input("x", 3)
local r = reverse(x)
