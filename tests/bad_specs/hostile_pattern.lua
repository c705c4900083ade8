-- expect: tests/bad_specs/hostile_pattern.lua:4: error: the spec ran more than 100 million Lua instructions (an endless loop?)
model{batch = 2, steps = 3}
-- exponential backtracking inside one C call, charged to the instruction limit
local m = string.rep("a", 40):match(string.rep("a*", 30) .. "b")
