-- expect: tests/bad_specs/no_os.lua:3: error: attempt to index a nil value (global 'os')
model{batch = 2, steps = 3}
os.execute("true")
