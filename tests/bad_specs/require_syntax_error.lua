-- expect: tests/bad_specs/lib_broken.lua:3: error: syntax error near 'is'
model{batch = 2, steps = 3}
local Cell = require "lib_broken"
