-- expect: tests/bad_specs/layer_result_not_tensor.lua:10: error: Twice: result 2 of the build function is table, not a tensor
-- goal: loss
-- A layer returns its outputs as tensors (several are fine:
-- tests/layers/layer_two_outputs.lua); anything else is an error at the call.
model{batch = 2, steps = 3}
local x = sequence("x", 2)
local Twice = layer("Twice", {}, function(_, x)
  return x * 2, {x}
end)
local a, b = Twice()(x)
loss(mean(last(a)))
