-- A finite loss whose gradient is infinite: d sqrt(b) / db at b = 0.  The
-- first update makes b infinite or NaN while the loss it reported was
-- finite; only the check of the parameters sees it (tests/nonfinite/train.sh).
model{name = "sqrt_param", batch = 8, steps = 8}

local x = sequence("x", 1)
local y = targets("y", 1)

local Offset = layer("Offset", {}, function(self, v) return v + sqrt(self:param("b", {1}, init.zeros())) end)
local prediction = Offset()(Dense(1)(SimpleRNN(16)(x)))

output("prediction", prediction)
loss(mse(prediction, y))
optimizer(SGD{lr = 1e-2})
