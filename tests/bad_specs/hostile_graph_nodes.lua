-- expect: tests/bad_specs/hostile_graph_nodes.lua:4: error: the graph has more than 262144 nodes, layers and results (IR_MAX_SPEC_NODES, the limit of a spec)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
for i = 1, 1e7 do x = x + x end
