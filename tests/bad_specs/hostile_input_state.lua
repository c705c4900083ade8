-- expect: tests/bad_specs/hostile_input_state.lua:3: error: input name 'state0' is reserved: names beginning with 'state' hold the streaming step's state
model{batch = 2, steps = 3}
local x = sequence("state0", 4)
