-- expect: tests/bad_specs/hostile_metric_name.lua:4: error: metric name "acc */" may contain only letters, digits and _, must start with a lowercase letter and may not be a C or C++ keyword (it names a field of the generated C)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
metric("acc */", time_sum(sum(x)))
