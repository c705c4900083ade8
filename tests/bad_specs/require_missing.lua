-- expect: tests/bad_specs/require_missing.lua:3: error: cannot read the module file tests/bad_specs/no_such_cell.lua: cannot open: No such file or directory
model{batch = 2, steps = 3}
local Cell = require "no_such_cell"
