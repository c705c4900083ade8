-- stop_gradient in the recurrence (part of the state's path is cut) and in
-- the loss (a target computed by the model itself): gradcheck's finite
-- differences hold each stop_gradient at its value, as the gradient does.
model{name = "stop_gradient", batch = 2, steps = 4}
local x = sequence("x", 3)
local y = targets("y", 2)
local Cell = layer("HalfCut", {}, function(self, x, units)
  local W = self:param("weight_ih", {units, x.shape[2]}, init.uniform(-0.6, 0.6))
  local U = self:param("weight_hh", {units, units}, init.uniform(-0.6, 0.6))
  local h = state(zeros{x.shape[1], units})
  local h2 = tanh(linear(x, W) + linear(h, U) + 0.5 * stop_gradient(h))
  h:next(h2)
  return last(h2)
end, "halfcut")
local p = Dense(2)(Cell(4)(x))
output("p", p)
loss(mse(p, y) + mean(p * stop_gradient(p)))
