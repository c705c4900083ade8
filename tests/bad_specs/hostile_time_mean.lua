-- expect: tests/bad_specs/hostile_time_mean.lua:11: error: the graph has more than 262144 nodes, layers and results (IR_MAX_SPEC_NODES, the limit of a spec)
-- time_mean of a value that mixes per-step and whole-sequence terms rebuilds
-- the mixed part; asked again and again beside a large graph, its work must
-- stay that of the nodes it makes (bounded by the node limit), not a sweep of
-- the whole graph per call.
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local h = x
for i = 1, 150000 do h = h + x end
local mixed = x + last(x)
for i = 1, 1e7 do local _ = time_mean(mixed) end
