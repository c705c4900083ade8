-- expect: tests/bad_specs/no_load.lua:2: error: attempt to call a nil value (global 'load')
load("return 1")()
