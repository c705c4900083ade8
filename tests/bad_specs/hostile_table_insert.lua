-- expect: tests/bad_specs/hostile_table_insert.lua:3: error: the spec ran more than 100 million Lua instructions (an endless loop?)
model{batch = 2, steps = 3}
table.insert(setmetatable({}, {__len = function() return math.maxinteger - 1 end}), 1, 0)
