-- expect: tests/bad_specs/hostile_xpcall_return.lua:5: error: the spec ran more than 100 million Lua instructions (an endless loop?)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
loss(time_mean(sum(x)))
xpcall(function() while true do end end, function() return "swallowed" end)
