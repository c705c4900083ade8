-- A peephole LSTM (Gers & Schmidhuber, 2000) written from primitive ops, as a
-- user would: the input, forget and output gates also look at the cell.
--   i = sigmoid(W_i x + U_i h + p_i * c + b_i)
--   f = sigmoid(W_f x + U_f h + p_f * c + b_f)
--   c' = f * c + i * tanh(W_g x + U_g h + b_g)
--   o = sigmoid(W_o x + U_o h + p_o * c' + b_o)
--   h' = o * tanh(c')
-- Required by peephole_lstm.lua: a cell in a file of its own.

return layer("PeepholeLSTM", {return_sequences = false}, function(self, x, units)
  local features = x.shape[2]
  local k = 1 / math.sqrt(units)
  local W = self:param("weight_ih", {4 * units, features}, init.uniform(-k, k))
  local U = self:param("weight_hh", {4 * units, units}, init.orthogonal())
  local b = self:param("bias", {4 * units}, init.zeros())
  local peep = self:param("peephole", {3, units}, init.uniform(-k, k))
  local p_i, p_f, p_o = split(peep, 3, 1)

  local batch = x.shape[1]
  local h = state(zeros{batch, units})
  local c = state(zeros{batch, units})

  local zi, zf, zg, zo = split(linear(x, W, b) + linear(h, U), 4)
  local c2 = sigmoid(zf + p_f * c) * c + sigmoid(zi + p_i * c) * tanh(zg)
  local h2 = sigmoid(zo + p_o * c2) * tanh(c2)
  h:next(h2)
  c:next(c2)

  if self.opts.return_sequences then return h2 end
  return last(h2)
end, "peephole")
