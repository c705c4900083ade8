-- expect: tests/bad_specs/require_escape.lua:2: error: require: bad module name '../../etc/passwd' (letters, digits, _ and . only)
local m = require "../../etc/passwd"
