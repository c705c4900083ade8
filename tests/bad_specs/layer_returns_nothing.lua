-- expect: tests/bad_specs/layer_returns_nothing.lua:9: error: Forgetful: the build function returned nothing; a layer returns its output tensor(s)
-- goal: loss
-- A build function that forgets its return statement.
model{batch = 2, steps = 3}
local x = sequence("x", 2)
local Forgetful = layer("Forgetful", {}, function(_, x)
  local _ = Dense(3)(x)
end)
local h = Forgetful()(x)
loss(mean(last(h)))
