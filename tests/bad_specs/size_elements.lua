-- expect: tests/bad_specs/size_elements.lua:3: error: x: [4096, 4096, 4096] has more than 268435456 elements (IR_MAX_ELEMENTS)
model{batch = 4096, steps = 4096}
local x = sequence("x", 4096)
