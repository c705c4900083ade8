-- expect: tests/bad_specs/size_batch.lua:2: error: model: batch is 2000000; at most 1048576 are allowed (IR_MAX_BATCH)
model{batch = 2000000, steps = 3}
