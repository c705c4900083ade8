-- expect: tests/bad_specs/lib_bad_cell.lua:6: error: matmul: inner dimensions differ: [2, 4] x [3, 7] (4 vs 3)
model{batch = 2, steps = 3}
local Cell = require "lib_bad_cell"
local h = Cell(7)(sequence("x", 4))
