-- expect: tests/bad_specs/unknown_model_option.lua:2: error: model: unknown option 'batch_size' (name, batch, steps, dtype, epochs, tbptt, clip_norm)
model{batch_size = 2, steps = 3}
