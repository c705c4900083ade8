-- expect: tests/bad_specs/hostile_output_name.lua:4: error: output name "NAN" may contain only letters, digits and _, must start with a lowercase letter and may not be a C or C++ keyword (it names a field of the generated C)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
output("NAN", last(x))
