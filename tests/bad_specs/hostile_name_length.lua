-- expect: tests/bad_specs/hostile_name_length.lua:3: error: input name "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." is 101 characters long; names have at most 100 (IR_MAX_NAME)
model{batch = 2, steps = 3}
local x = sequence(string.rep("x", 101), 4)
