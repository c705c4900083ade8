-- expect: tests/bad_specs/hostile_input_keyword.lua:3: error: input name "int" may contain only letters, digits and _, must start with a lowercase letter and may not be a C or C++ keyword (it names a field of the generated C)
model{batch = 2, steps = 3}
local x = sequence("int", 4)
