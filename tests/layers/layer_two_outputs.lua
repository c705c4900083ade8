-- A layer() whose build function returns two tensors: a minimal gated
-- cell's per-step output and the last value of its cell state; both reach
-- the loss (the second was once dropped without a word).
model{name = "layer_two_outputs", batch = 2, steps = 3}
local x = sequence("x", 3)
local y = targets("y", 2)
local Cell = layer("TwoOut", {}, function(self, x, units)
  local W = self:param("weight_ih", {2 * units, x.shape[2]}, init.uniform(-0.5, 0.5))
  local U = self:param("weight_hh", {2 * units, units}, init.uniform(-0.5, 0.5))
  local h = state(zeros{x.shape[1], units})
  local c = state(zeros{x.shape[1], units})
  local f, g = split(linear(x, W) + linear(h, U), 2)
  local c2 = sigmoid(f) * c + tanh(g)
  local h2 = tanh(c2)
  h:next(h2)
  c:next(c2)
  return h2, last(c2)
end, "twoout")
local h, c = Cell(4)(x)
local p = Dense(2)(concat({last(h), c}))
output("p", p)
loss(mse(p, y))
