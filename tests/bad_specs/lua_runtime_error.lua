-- expect: tests/bad_specs/lua_runtime_error.lua:4: error: attempt to perform arithmetic on a nil value (local 'units')
model{batch = 2, steps = 3}
local units
local h = LSTM(units * 2)(sequence("x", 4))
