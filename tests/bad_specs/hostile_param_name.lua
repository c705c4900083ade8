-- expect: tests/bad_specs/hostile_param_name.lua:4: error: parameter name "scale1.w*/" may contain only names of letters, digits and _ (not starting with a digit) joined by dots
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local Scale = layer("scale", {}, function(self, x) return x * self:param("w*/", {4}, init.zeros()) end)
local h = Scale()(x)
