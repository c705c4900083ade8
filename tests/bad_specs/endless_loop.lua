-- expect: tests/bad_specs/endless_loop.lua:4: error: the spec ran more than 100 million Lua instructions (an endless loop?)
model{batch = 2, steps = 3}
local n = 0
while true do n = n + 1 end
