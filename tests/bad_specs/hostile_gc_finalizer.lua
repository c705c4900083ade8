-- expect: tests/bad_specs/hostile_gc_finalizer.lua:3: error: setmetatable: a metatable with __gc is not allowed (finalizers run outside the spec's limits)
model{batch = 2, steps = 3}
setmetatable({}, {__gc = function() while true do end end})
