-- expect: tests/bad_specs/hostile_model_name.lua:2: error: model name "m*/ int x; /*" may contain only letters, digits and _, and may not start with a digit
model{name = "m*/ int x; /*", batch = 2, steps = 3}
