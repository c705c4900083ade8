-- expect: tests/bad_specs/bidirectional_static.lua:4: error: Bidirectional: expected a sequence (from sequence() or a recurrent layer with return_sequences = true)
model{batch = 2, steps = 4}
local x = input("x", 3)
local h = Bidirectional(GRU(4))(x)
