-- expect: tests/bad_specs/hostile_input_name.lua:3: error: input name "x\x22; system(\x22id" may contain only letters, digits and _, must start with a lowercase letter and may not be a C or C++ keyword (it names a field of the generated C)
model{batch = 2, steps = 3}
local x = sequence("x\"; system(\"id", 4)
