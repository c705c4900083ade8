-- expect: tests/bad_specs/no_model.lua:3: error: call model{batch = ..., steps = ...} before building the graph
-- Everything needs the batch size and the sequence length first.
local x = core.op("const", {}, {value = 1, shape = {2}})
