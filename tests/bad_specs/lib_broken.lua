-- A helper with a syntax error, required by require_syntax_error.lua.
local M = {}
this is not Lua
return M
