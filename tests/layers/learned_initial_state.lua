-- A recurrent cell whose initial state is a parameter (state(h0 + zeros{B, H})):
-- the gradient reaches h0 through the first step.  Every entry point, the
-- streaming one too (it starts from h0 after NAME_reset).
model{name = "learned_initial_state", batch = 2, steps = 3}
local x = sequence("x", 3)
local y = targets("y", 2)
local Cell = layer("LearnedH0", {}, function(self, x, units)
  local W = self:param("weight_ih", {units, x.shape[2]}, init.uniform(-0.5, 0.5))
  local U = self:param("weight_hh", {units, units}, init.orthogonal())
  local h0 = self:param("h0", {units}, init.normal(0, 0.5))
  local h = state(h0 + zeros{x.shape[1], units})
  local h2 = tanh(linear(x, W) + linear(h, U))
  h:next(h2)
  return last(h2)
end, "cell")
local p = Dense(2)(Cell(4)(x))
output("p", p)
loss(mse(p, y))
optimizer(SGD{lr = 0.1, momentum = 0.9})
