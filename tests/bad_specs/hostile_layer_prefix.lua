-- expect: tests/bad_specs/hostile_layer_prefix.lua:4: error: layer name "x\x0Ay1" may contain only letters, digits and _, and may not start with a digit
model{batch = 2, steps = 3}
local Id = layer("x\ny", {}, function(self, x) return x end)
local h = Id()(sequence("x", 4))
