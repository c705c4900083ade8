-- expect: tests/bad_specs/memory_hog.lua: error: the spec used more than 256 MB of memory (the limit)
local t = {}
for i = 1, 1e9 do t[i] = string.rep("x", 64) .. i end
