-- expect: tests/bad_specs/unknown_layer_option.lua:4: error: LSTM: unknown option 'return_sequence' (known: bias_hh_init, bias_ih_init, go_backwards, initial_state, name, return_sequences, return_state, weight_hh_init, weight_ih_init)
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local h = LSTM(8, {return_sequence = true})(x)
