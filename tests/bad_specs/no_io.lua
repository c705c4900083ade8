-- expect: tests/bad_specs/no_io.lua:3: error: attempt to index a nil value (global 'io')
model{batch = 2, steps = 3}
local f = io.open("/etc/passwd")
