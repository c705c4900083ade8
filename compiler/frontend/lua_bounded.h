/*
 * lua_bounded.h - string and table library functions whose work inside one
 * C call is charged to the spec's budget (see lua_bounded.c).
 */
#ifndef RNNC_LUA_BOUNDED_H
#define RNNC_LUA_BOUNDED_H

#include <lua.h>

/* Called with the steps of work a library function is about to do (or has
 * done); raises a Lua error when the budget is spent. */
typedef void (*LbCharge)(lua_State *L, lua_Integer steps);

/* Replaces string.find, match, gmatch, gsub, rep and table.insert, remove,
 * move (the libraries must be open) with versions that call fn. */
void lb_open(lua_State *L, LbCharge fn);

#endif
