-- expect: tests/bad_specs/shape_mismatch.lua:6: error: matmul: inner dimensions differ: [2, 4] x [5, 3] (4 vs 5)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local W = input("w", {3})
local V = reshape(W, {2, 3})
local y = matmul(x, fill({5, 3}, 1))
