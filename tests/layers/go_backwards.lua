-- go_backwards reads the sequence from its last step to its first and keeps
-- its outputs in that order (Keras); reverse() reads any per-step value so.
-- A Bidirectional user layer (a minimal gated unit written with layer())
-- averages its two directions; its backward copy has parameters of its own.
model{name = "go_backwards", batch = 2, steps = 5}
local x = sequence("x", 3)
local y = targets("y", 2, {per_step = true})
local h = SimpleRNN(4, {go_backwards = true, return_sequences = true})(x)
local MGU = layer("MGU", {}, function(self, x, units)
  local k = 1 / math.sqrt(units)
  local W = self:param("weight_ih", {2 * units, x.shape[2]}, init.uniform(-k, k))
  local U = self:param("weight_hh", {2 * units, units}, init.uniform(-k, k))
  local b = self:param("bias", {2 * units}, init.uniform(-k, k))
  local s = state(zeros{x.shape[1], units})
  local xf, xn = split(linear(x, W, b), 2)
  local U_f, U_n = split(U, 2, 1)
  local f = sigmoid(xf + linear(s, U_f))
  local n = tanh(xn + linear(f * s, U_n))
  local s2 = (1 - f) * s + f * n
  s:next(s2)
  return s2
end, "mgu")
local m = Bidirectional(MGU(3), {merge = "ave"})(reverse(h))
local p = Dense(2)(m)
output("p", p)
loss(mse(p, y))
optimizer(SGD{lr = 0.1, momentum = 0.9})
