-- expect: tests/bad_specs/hostile_memory_pcall.lua: error: the spec used more than 256 MB of memory (the limit)
model{batch = 2, steps = 3}
local t = {}
for i = 1, 1e12 do pcall(function() t[#t + 1] = string.rep("x", 1 << 20) .. i end) end
