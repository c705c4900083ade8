-- expect: tests/bad_specs/duplicate_layer_name.lua:5: error: the layer name 'enc' is already used
model{batch = 2, steps = 3}
local x = sequence("x", 4)
local a = LSTM(4, {name = "enc", return_sequences = true})(x)
local b = LSTM(4, {name = "enc"})(a)
