-- expect: tests/bad_specs/hostile_tensor_gc.lua:4: error: the tensor metatable may not have __gc (finalizers run outside the spec's limits)
model{batch = 2, steps = 3}
rawset(core.tensor_mt, "__gc", function() while true do end end)
local x = sequence("x", 4)
