-- expect: tests/bad_specs/hostile_pcall_limit.lua:4: error: the spec ran more than 100 million Lua instructions (an endless loop?)
model{batch = 2, steps = 3}
-- the limit error cannot be caught: every later instruction raises it again
for i = 1, 1e12 do pcall(function() while true do end end) end
