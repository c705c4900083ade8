-- expect: tests/bad_specs/hostile_negative_len.lua:5: error: the spec ran more than 100 million Lua instructions (an endless loop?)
model{batch = 2, steps = 3}
-- table.insert charges the moves it makes; a __len below the position must not charge a negative count
for _ = 1, 1000 do table.insert(setmetatable({}, {__len = function() return -1000000000000 end}), 1, 0) end
while true do end
