-- expect: tests/bad_specs/hostile_state_chain.lua: error: unrolling 160000 per-step nodes over 40 steps makes 6400000 nodes, more than the limit of 4194304; use fewer --steps
-- goal: predict
-- A chain of 80,000 states, each one's next value reading the next state
-- (made later): what a result needs is found by one walk (pass_needed, run by
-- verify, unroll and the streaming step), not by a sweep per link of the chain,
-- which took minutes.
model{batch = 1, steps = 40}
local x = sequence("x", 1)
local s = {}
local n = 80000
for i = 1, n do s[i] = state(zeros{x.shape[1], 1}) end
for i = 1, n - 1 do s[i]:next(s[i + 1] + x) end
s[n]:next(x)
output("h", last(s[1]))
