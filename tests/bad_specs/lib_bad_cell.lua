-- A user cell with a wrong parameter shape, required by error_in_required_cell.lua:
-- the error points here, at the line that multiplies.
return layer("BadCell", {}, function(self, x, units)
  local W = self:param("w", {3, units}, init.zeros())
  local h = state(zeros{2, units})
  local y = tanh(matmul(x, W) + h)
  h:next(y)
  return last(y)
end)
