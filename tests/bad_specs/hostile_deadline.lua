-- expect: tests/bad_specs/hostile_deadline.lua: error: the spec ran longer than 1 s (--spec-timeout)
-- args: --spec-timeout 1
model{batch = 2, steps = 3}
-- few instructions, each slow (large allocations): the wall clock stops it
while true do pcall(string.rep, "x", 1e7) end
