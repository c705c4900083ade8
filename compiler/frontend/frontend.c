/*
 * frontend.c - runs a Lua spec in a sandbox and builds its forward graph.
 *
 * The spec is untrusted code.  It runs in a fresh lua_State with only the
 * base, string, table, math and utf8 libraries (no io, os, debug, load or
 * randomness), a counting allocator that caps its memory and a count hook
 * that caps its instructions and its wall-clock time.  Library functions that
 * loop inside C, where the hook cannot see them, charge their work to the
 * same instruction budget (lua_bounded.c).  A limit, once hit, cannot be
 * caught: the hook then runs at every instruction and raises the limit error
 * again, the allocator refuses all growth, and fe_load reports the limit
 * whatever the spec did with the error.  Finalizers (__gc) run with hooks
 * off, so no metatable with __gc may be set.  `require` loads the built-in
 * library (embedded from compiler/lib/, see cmake/embed_lua.cmake) or a spec
 * file next to the spec; nothing else can be read.
 *
 * Names a spec gives end up in generated C (struct fields, string literals,
 * comments), so each kind has a character set checked at the spec's line;
 * sizes (batch, steps, dimensions, elements, graph nodes) are checked there
 * against the limits of ir.h.
 *
 * The C side is small on purpose: a Tensor userdata wrapping a Node, and a
 * table `core` of primitives that the Lua library (lib/nn.lua) builds the
 * whole spec language on:
 *     core.op(name, {inputs}, {attrs})   any op of ops.def, by its name
 *     core.param, core.input, core.state, core.next
 *     core.config, core.optimizer, core.result, core.layer_begin/_end
 *     core.error(msg)                    a user error at the spec's line
 * Every node records the spec line that made it: the innermost stack frame
 * whose chunk is a user file ("@path"), so a node made inside the library
 * points at the user's call of the library, and so do errors.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "frontend.h"

#include "alloc.h"
#include "lua_bounded.h"
#include "readfile.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
  FE_MEMORY_LIMIT = 256 << 20, /* bytes the spec's Lua state may hold */
  FE_HOOK_EVERY = 10000,       /* instructions between two hook calls */
  FE_TIMED_ALLOC = 4096,       /* allocations of this many bytes or more check the deadline */
  FE_LAYER_DEPTH = 16,         /* layers inside layers whose names nodes record (deeper: the 16th's) */
};
static const long long FE_INSTRUCTION_LIMIT = 100000000;

static double fe_timeout = FE_DEFAULT_TIMEOUT; /* seconds; fe_set_timeout */

/* Names the streaming step gives its carried state (stream.c, codegen/entry.c):
 * inputs "state<k>", outputs "next_state<k>"; a spec's names may not start so. */
#define STATE_PREFIX "state"
#define NEXT_STATE_PREFIX "next_state"

/* The built-in library, embedded by cmake/embed_lua.cmake. */
extern const struct { const char *name; const char *source; } fe_lib[];
extern const int fe_nlib;

/* By node id, for core.time_mean: the time reduction a value is computed
 * from (nodes [0, upto) are known), and, for the nodes marked with the
 * current epoch, their mean over time. */
typedef struct {
  Node **from, **mean;
  unsigned *mark, epoch;
  int cap, upto;
} TimeMeans;

typedef struct {
  Graph *g;
  const FeOptions *opt;
  const char *spec;       /* the spec path as given */
  lua_State *L;
  bool configured;        /* model{} has run */
  size_t mem;             /* bytes held by Lua */
  long long instructions; /* run so far (and steps charged by lua_bounded.c) */
  double deadline;        /* fe_now() at which the spec has run too long */
  bool out_of_memory;     /* the allocator refused: it refuses all growth from now on */
  char limit_msg[800];    /* the instruction or time limit was hit: its message */
  const char *layer[FE_LAYER_DEPTH]; /* the names of the layers being built, innermost last */
  int depth;              /* layers being built (a layer whose build raised an error stays open) */
  TimeMeans tm;           /* core.time_mean's bookkeeping, by node id */
} Fe;

static const char FE_KEY = 'k';          /* registry: the Fe (light userdata) */
static const char FINAL_KEY = 'f';       /* field of an error table holding a finished message */
static const char NAMES_KEY = 'n';       /* registry: {name = true} of parameters and inputs */
static const char RESULTS_KEY = 'r';     /* registry: {name = true} of results */
static const char LAYERS_KEY = 'l';      /* registry: {name = true} of layers */
static const char NEXT_INDEX_KEY = 'i';  /* registry: {prefix = the next k to try for prefix..k} */
static const char *const TENSOR = "rnnc.Tensor";

static Fe *fe_of(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FE_KEY);
  Fe *fe = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return fe;
}

/* ---- locations and errors ---- */

/* The innermost frame running user code ("@file" chunks: the spec and the
 * files it requires), or {NULL, 0} when there is none; and the layer being
 * built, whose name generated code gives the layer's buffers. */
static SrcLoc user_loc(lua_State *L, Graph *g) {
  Fe *fe = fe_of(L);
  const char *layer = fe->depth ? fe->layer[(fe->depth < FE_LAYER_DEPTH ? fe->depth : FE_LAYER_DEPTH) - 1] : NULL;
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.source[0] == '@' && ar.currentline > 0)
      return (SrcLoc){ir_strdup(g, ar.source + 1), ar.currentline, layer, 0};
  }
  return (SrcLoc){NULL, 0, layer, 0};
}

/* Pushes "file:line: error: msg" for loc (or "spec: error: msg"). */
static void push_located(lua_State *L, SrcLoc loc, const char *spec, const char *msg) {
  if (loc.file)
    lua_pushfstring(L, "%s:%d: error: %s", loc.file, loc.line, msg);
  else
    lua_pushfstring(L, "%s: error: %s", spec, msg);
}

/* Raises a finished message.  It travels in a table under a light userdata
 * key, which a spec cannot make, so the message handler knows not to locate
 * it again and a spec's error({...}) cannot pass for one. */
static int raise_final(lua_State *L) {
  lua_createtable(L, 0, 1);
  lua_insert(L, -2);
  lua_rawsetp(L, -2, &FINAL_KEY);
  return lua_error(L);
}

/* A user error at the innermost user line. */
static int fe_error(lua_State *L, const char *fmt, ...) {
  char msg[700];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  Fe *fe = fe_of(L);
  push_located(L, user_loc(L, fe->g), fe->spec, msg);
  return raise_final(L);
}

/* Strips a Lua position ("chunk:12: ") from the front of msg. */
static const char *strip_position(const char *msg) {
  const char *colon = strchr(msg, ':');
  while (colon) {
    const char *p = colon + 1;
    while (*p >= '0' && *p <= '9') p++;
    if (p > colon + 1 && p[0] == ':' && p[1] == ' ') return p + 2;
    colon = strchr(colon + 1, ':');
  }
  return msg;
}

/* Message handler of the spec's pcall: turns any error into one located
 * message at the innermost user line. */
static int on_error(lua_State *L) {
  if (lua_istable(L, 1) && lua_rawgetp(L, 1, &FINAL_KEY) == LUA_TSTRING) return 1;
  const char *msg = lua_tostring(L, 1);
  if (!msg) msg = luaL_typename(L, 1); /* error(non-string) */
  Fe *fe = fe_of(L);
  push_located(L, user_loc(L, fe->g), fe->spec, strip_position(msg));
  return 1;
}

/* ---- limits ---- */

static double fe_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void fe_set_timeout(double seconds) { fe_timeout = seconds; }

static void on_count(lua_State *L, lua_Debug *ar);

/* From now on the hook runs before every instruction, so a pcall that caught
 * a limit error gets it again at its next instruction. */
static void trip(Fe *fe) { lua_sethook(fe->L, on_count, LUA_MASKCOUNT, 1); }

/* Past the deadline, sets the time-limit message and trips. */
static bool past_deadline(Fe *fe) {
  if (fe_now() <= fe->deadline) return false;
  snprintf(fe->limit_msg, sizeof fe->limit_msg, "%s: error: the spec ran longer than %g s (--spec-timeout)", fe->spec,
           fe_timeout);
  trip(fe);
  return true;
}

/* Lua's allocator: caps the bytes held.  Large allocations are also where
 * few instructions can take long (string.rep, table.concat, gsub), so they
 * check the deadline too; the hook raises the error at the next instruction. */
static void *fe_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Fe *fe = ud;
  size_t held = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    fe->mem -= held;
    return NULL;
  }
  if (nsize > held && (fe->out_of_memory || fe->mem - held + nsize > FE_MEMORY_LIMIT)) {
    if (!fe->out_of_memory && fe->L) trip(fe);
    fe->out_of_memory = true;
    return NULL;
  }
  if (nsize >= FE_TIMED_ALLOC && fe->L && !fe->limit_msg[0]) past_deadline(fe);
  void *p = realloc(ptr, nsize);
  if (p) fe->mem = fe->mem - held + nsize;
  return p;
}

/* Raises the limit error that was hit (again). */
static int raise_limit(lua_State *L, Fe *fe) {
  if (fe->out_of_memory) lua_pushnil(L); /* fe_load prints the message; pushing text needs memory */
  else lua_pushstring(L, fe->limit_msg);
  return raise_final(L);
}

/* Hits the instruction or time limit when the spec is past either. */
static void check_budget(lua_State *L, Fe *fe) {
  if (fe->out_of_memory || fe->limit_msg[0]) raise_limit(L, fe);
  if (fe->instructions > FE_INSTRUCTION_LIMIT) {
    char msg[200];
    snprintf(msg, sizeof msg, "the spec ran more than %lld million Lua instructions (an endless loop?)",
             FE_INSTRUCTION_LIMIT / 1000000);
    push_located(L, user_loc(L, fe->g), fe->spec, msg);
    snprintf(fe->limit_msg, sizeof fe->limit_msg, "%s", lua_tostring(L, -1));
    trip(fe);
  } else if (!past_deadline(fe))
    return;
  raise_limit(L, fe);
}

static void on_count(lua_State *L, lua_Debug *ar) {
  (void)ar;
  Fe *fe = fe_of(L);
  fe->instructions += FE_HOOK_EVERY;
  check_budget(L, fe);
}

/* lua_bounded.c's charge: work a library function does inside C. */
static void charge_steps(lua_State *L, lua_Integer steps) {
  Fe *fe = fe_of(L);
  /* never negative: a charge must not give a spec back its budget */
  fe->instructions += steps < 0 ? 0 : steps <= FE_INSTRUCTION_LIMIT ? (long long)steps : FE_INSTRUCTION_LIMIT + 1;
  check_budget(L, fe);
}

/* ---- tensors ---- */

/* Does the table at idx have a __gc field?  Raw, as Lua looks for it. */
static bool has_gc(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  lua_pushliteral(L, "__gc");
  bool gc = lua_rawget(L, idx) != LUA_TNIL;
  lua_pop(L, 1);
  return gc;
}

/* The spec can reach the tensor metatable (core.tensor_mt): it must not
 * have made tensors finalizable. */
static void push_tensor(lua_State *L, Node *n) {
  luaL_getmetatable(L, TENSOR);
  if (has_gc(L, -1)) fe_error(L, "the tensor metatable may not have __gc (finalizers run outside the spec's limits)");
  lua_pop(L, 1);
  Node **ud = lua_newuserdatauv(L, sizeof *ud, 0);
  *ud = n;
  luaL_setmetatable(L, TENSOR);
}

static Node *to_tensor(lua_State *L, int idx) {
  Node **ud = luaL_testudata(L, idx, TENSOR);
  return ud ? *ud : NULL;
}

static Node *check_tensor(lua_State *L, int idx, const char *what) {
  Node *n = to_tensor(L, idx);
  if (!n) fe_error(L, "%s must be a tensor, got %s", what, luaL_typename(L, idx));
  return n;
}

static void push_shape(lua_State *L, Shape s) {
  lua_createtable(L, s.rank, 0);
  for (int i = 0; i < s.rank; i++) {
    lua_pushinteger(L, s.dim[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* __index: the fields shape, rank, dtype, seq, op, name, and for a per-step
 * value steps and lengths (its time loop's: nil if it has none); otherwise
 * the methods table the library keeps in the metatable. */
static int tensor_index(lua_State *L) {
  Node *n = check_tensor(L, 1, "value");
  const char *key = lua_tostring(L, 2);
  const Graph *g = fe_of(L)->g;
  if (key && n->seq && !strcmp(key, "steps")) lua_pushinteger(L, ir_loop_steps(g, n));
  else if (key && n->seq && !strcmp(key, "lengths") && ir_loop_lengths(g, n)) push_tensor(L, ir_loop_lengths(g, n));
  else if (key && !strcmp(key, "shape")) push_shape(L, n->shape);
  else if (key && !strcmp(key, "rank")) lua_pushinteger(L, n->shape.rank);
  else if (key && !strcmp(key, "dtype")) lua_pushstring(L, ir_dtype_name(n->dtype));
  else if (key && !strcmp(key, "seq")) lua_pushboolean(L, n->seq);
  else if (key && !strcmp(key, "op")) lua_pushstring(L, ir_ops[n->op].name);
  else if (key && !strcmp(key, "name") && n->attr.name) lua_pushstring(L, n->attr.name);
  else {
    luaL_getmetafield(L, 1, "methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
  }
  return 1;
}

static int tensor_tostring(lua_State *L) {
  Node *n = check_tensor(L, 1, "value");
  Fe *fe = fe_of(L);
  lua_pushfstring(L, "tensor %s %s %s%s", ir_ops[n->op].name, ir_shape_str(fe->g, n->shape),
                  ir_dtype_name(n->dtype), n->seq ? " (per step)" : "");
  return 1;
}

/* ---- reading Lua values ---- */

static int check_int(lua_State *L, int idx, const char *what) {
  int isint;
  lua_Integer v = lua_tointegerx(L, idx, &isint);
  if (!isint) fe_error(L, "%s must be an integer, got %s", what, luaL_typename(L, idx));
  if (v < -(1 << 30) || v > (1 << 30)) fe_error(L, "%s is out of range: %lld", what, (long long)v);
  return (int)v;
}

/* Lua's 0/0 prints as "-nan" on some machines, "nan" here everywhere. */
static const char *nonfinite_str(double v) { return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf"; }

static double number_of(lua_State *L, int idx, const char *what) {
  if (lua_type(L, idx) != LUA_TNUMBER)
    fe_error(L, "%s must be a number, got %s", what, luaL_typename(L, idx));
  return lua_tonumber(L, idx);
}

/* Every setting is finite: an inf or NaN learning rate, clip norm or
 * initialiser bound only shows up later, as NaN weights. */
static double check_number(lua_State *L, int idx, const char *what) {
  double v = number_of(L, idx, what);
  if (!isfinite(v)) fe_error(L, "%s must be a finite number, got %s", what, nonfinite_str(v));
  return v;
}

static const char *check_string(lua_State *L, int idx, const char *what) {
  if (lua_type(L, idx) != LUA_TSTRING)
    fe_error(L, "%s must be a string, got %s", what, luaL_typename(L, idx));
  return lua_tostring(L, idx);
}

static Shape check_shape(lua_State *L, int idx, const char *what) {
  if (!lua_istable(L, idx)) fe_error(L, "%s must be a table of dimensions, got %s", what,
                                     luaL_typename(L, idx));
  Shape s = {.rank = (int)lua_rawlen(L, idx)};
  if (s.rank > IR_MAXDIM) fe_error(L, "%s has %d dimensions; at most %d are supported", what, s.rank,
                                   IR_MAXDIM);
  for (int i = 0; i < s.rank; i++) {
    lua_rawgeti(L, idx, i + 1);
    s.dim[i] = check_int(L, -1, what);
    if (s.dim[i] <= 0) fe_error(L, "%s: dimension %d is %d; dimensions must be positive", what, i + 1,
                                s.dim[i]);
    if (s.dim[i] > IR_MAX_EXTENT)
      fe_error(L, "%s: dimension %d is %d; dimensions are at most %d (IR_MAX_EXTENT)", what, i + 1, s.dim[i],
               IR_MAX_EXTENT);
    lua_pop(L, 1);
  }
  return s;
}

/* Calls fn(L, key, value index) for every string key of the table at idx;
 * anything but a string key is an error. */
static void each_option(lua_State *L, int idx, const char *what,
                        void (*fn)(lua_State *L, const char *key, int value, void *ud), void *ud) {
  if (lua_isnoneornil(L, idx)) return;
  if (!lua_istable(L, idx)) fe_error(L, "%s must be a table, got %s", what, luaL_typename(L, idx));
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) fe_error(L, "%s: option names must be strings", what);
    fn(L, lua_tostring(L, -2), lua_gettop(L), ud);
    lua_pop(L, 1);
  }
}

/* ---- names and sizes ---- */

/* [A-Za-z_][A-Za-z0-9_]* plus the characters of extra. */
static bool is_ident(const char *s, const char *extra) {
  if (!*s || (*s >= '0' && *s <= '9')) return false;
  for (; *s; s++)
    if (!(((*s | 32) >= 'a' && (*s | 32) <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          strchr(extra, *s)))
      return false;
  return true;
}

/* Where generated C puts a name, which decides its character set (README,
 * "The spec language"). */
typedef enum {
  NAME_PLAIN, /* model and layer names: C identifiers (C names start with them) */
  NAME_PATH,  /* parameter names: plain names joined by dots, "lstm1.weight_ih" */
  NAME_FIELD, /* input, output and metric names: fields of generated structs */
} NameKind;

/* Keywords of C (to C23) and C++ that start with a lowercase letter, and the
 * lowercase object-like macro of <math.h>: none can name a struct field.
 * (Fields start with a lowercase letter, which rules out the macros of the
 * C headers, NULL, NAN, SIZE_MAX, ..., and the reserved _Names.) */
static const char *const c_reserved[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case",
    "catch", "char", "char16_t", "char32_t", "char8_t", "class", "co_await", "co_return", "co_yield",
    "compl", "concept", "const", "const_cast", "consteval", "constexpr", "constinit", "continue",
    "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit",
    "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline", "int", "long",
    "math_errhandling", "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
    "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
    "requires", "restrict", "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local", "throw", "true", "try",
    "typedef", "typeid", "typename", "typeof", "typeof_unqual", "union", "unsigned", "using",
    "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq"};

enum { QUOTED_SIZE = 256 }; /* a name shown in a message: at most 60 bytes, each up to 4 characters */

/* s (len bytes) for an error message: quoted, with control and non-ASCII
 * bytes escaped and long names cut, so a hostile name cannot garble the
 * terminal. */
static const char *quote(char out[QUOTED_SIZE], const char *s, size_t len) {
  size_t n = 0;
  out[n++] = '"';
  for (size_t i = 0; i < len && i < 60; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 32 && c < 127 && c != '"' && c != '\\') out[n++] = (char)c;
    else n += (size_t)snprintf(out + n, 5, "\\x%02X", c);
  }
  snprintf(out + n, QUOTED_SIZE - n, len > 60 ? "...\"" : "\"");
  return out;
}

static bool is_field(const char *s) {
  if (!(*s >= 'a' && *s <= 'z') || !is_ident(s, "")) return false;
  for (size_t i = 0; i < sizeof c_reserved / sizeof c_reserved[0]; i++)
    if (!strcmp(s, c_reserved[i])) return false;
  return true;
}

static bool is_path(const char *s) {
  char part[IR_MAX_NAME + 1];
  for (const char *dot; (dot = strchr(s, '.')); s = dot + 1) {
    snprintf(part, sizeof part, "%.*s", (int)(dot - s), s);
    if (!is_ident(part, "")) return false;
  }
  return is_ident(s, "");
}

/* Checks that the name s (len bytes, from the spec) fits its kind; `what`
 * names it in the error ("layer"). */
static void check_name(lua_State *L, const char *what, const char *s, size_t len, NameKind kind) {
  static const char *const rule[] = {
      [NAME_PLAIN] = "may contain only letters, digits and _, and may not start with a digit",
      [NAME_PATH] = "may contain only names of letters, digits and _ (not starting with a digit) joined by dots",
      [NAME_FIELD] = ("may contain only letters, digits and _, must start with a lowercase letter and may not be "
                      "a C or C++ keyword (it names a field of the generated C)")};
  char q[QUOTED_SIZE];
  if (len > IR_MAX_NAME)
    fe_error(L, "%s name %s is %zu characters long; names have at most %d (IR_MAX_NAME)", what,
             quote(q, s, len), len, IR_MAX_NAME);
  bool ok = strlen(s) == len && (kind == NAME_PLAIN ? is_ident(s, "") : kind == NAME_PATH ? is_path(s) : is_field(s));
  if (!ok) fe_error(L, "%s name %s %s", what, quote(q, s, len), rule[kind]);
}

/* The name at idx (a string), checked. */
static const char *check_name_at(lua_State *L, int idx, const char *what, NameKind kind) {
  check_string(L, idx, lua_pushfstring(L, "%s name", what));
  lua_pop(L, 1);
  size_t len;
  const char *s = lua_tolstring(L, idx, &len);
  check_name(L, what, s, len, kind);
  return s;
}

/* Records name in the registry set `set`; false when it is already there. */
static bool claim_name(lua_State *L, const char *set, const char *name) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, set);
  bool taken = lua_getfield(L, -1, name) != LUA_TNIL;
  lua_pop(L, 1);
  if (!taken) lua_pushboolean(L, 1), lua_setfield(L, -2, name);
  lua_pop(L, 1);
  return !taken;
}

/* Every node, layer and result counts toward IR_MAX_SPEC_NODES: a spec's
 * graph lives in C memory, outside the Lua memory limit. */
static void count_graph_object(lua_State *L) {
  Graph *g = fe_of(L)->g;
  if ((long)g->nnodes + g->nlayers + g->nresults >= IR_MAX_SPEC_NODES)
    fe_error(L, "the graph has more than %d nodes, layers and results (IR_MAX_SPEC_NODES, the limit of a spec)",
             IR_MAX_SPEC_NODES);
}

/* A value of shape s (per step, over `steps` steps when it varies over
 * time) may hold at most IR_MAX_ELEMENTS elements; the product is checked
 * factor by factor so that it cannot overflow. */
static void check_elements(lua_State *L, const char *what, Shape s, int steps) {
  long n = steps;
  for (int i = 0; i < s.rank && n <= IR_MAX_ELEMENTS; i++)
    n = s.dim[i] > IR_MAX_ELEMENTS / n ? IR_MAX_ELEMENTS + 1L : n * s.dim[i];
  if (n <= IR_MAX_ELEMENTS) return;
  Fe *fe = fe_of(L);
  fe_error(L, "%s: %s%s has more than %ld elements (IR_MAX_ELEMENTS)", what, ir_shape_str(fe->g, s),
           steps > 1 ? ir_fmt(fe->g, " over %d steps", steps) : "", (long)IR_MAX_ELEMENTS);
}

/* ---- core.op ---- */

static void op_attr(lua_State *L, const char *key, int v, void *ud) {
  Attr *a = ud;
  if (!strcmp(key, "value")) {
    /* a constant may be infinite (a -inf mask); dropout's p is checked by its shape rule */
    a->value = number_of(L, v, "value");
    if (isnan(a->value)) fe_error(L, "a constant must be a number or an infinity, got nan");
  }
  else if (!strcmp(key, "shape")) a->shape = check_shape(L, v, "shape");
  else if (!strcmp(key, "axis")) a->axis = check_int(L, v, "axis");
  else if (!strcmp(key, "start") || !strcmp(key, "index")) a->start = check_int(L, v, key);
  else if (!strcmp(key, "len") || !strcmp(key, "depth") || !strcmp(key, "size"))
    a->len = check_int(L, v, key);
  else if (!strcmp(key, "ta")) a->ta = lua_toboolean(L, v);
  else if (!strcmp(key, "tb")) a->tb = lua_toboolean(L, v);
  else fe_error(L, "unknown op option '%s'", key);
}

/* The steps of per-step x's loop, fixed now if still open: a reduction over
 * time (time_stack, time_mean) of a loop that no sequence joined runs the
 * model's steps. */
static int fix_steps(lua_State *L, Node *x) {
  Graph *g = fe_of(L)->g;
  g->loc = user_loc(L, g);
  ir_loop_fix(g, x, g->cfg.steps);
  return ir_loop_steps(g, x);
}

/* Makes a node at the current user line; a shape error is reported there. */
static Node *make_node(lua_State *L, OpKind op, int nin, Node **in, const Attr *attr) {
  Fe *fe = fe_of(L);
  count_graph_object(L);
  fe->g->loc = user_loc(L, fe->g);
  Node *n = ir_try_node(fe->g, op, nin, in, attr);
  if (!n) fe_error(L, "%s", fe->g->err);
  check_elements(L, ir_ops[op].name, n->shape, n->seq ? ir_loop_steps(fe->g, n) : 1);
  return n;
}

static void need_config(lua_State *L) {
  if (!fe_of(L)->configured) fe_error(L, "call model{batch = ..., steps = ...} before building the graph");
}

/* core.op(name, {inputs...}, {attrs}) -> tensor */
static int core_op(lua_State *L) {
  need_config(L);
  Fe *fe = fe_of(L);
  const char *name = check_string(L, 1, "op name");
  OpKind op = ir_op_by_name(name);
  if (op == OP_COUNT) fe_error(L, "unknown op '%s'", name);
  const OpInfo *info = &ir_ops[op];
  if (op == OP_PARAM || op == OP_INPUT || op == OP_STATE || op == OP_TRUNCATE)
    fe_error(L, "op '%s' cannot be made with op(); use param(), input(), state() or model{tbptt}", name);
  luaL_checktype(L, 2, LUA_TTABLE);
  int nin = (int)lua_rawlen(L, 2);
  if (info->arity >= 0 && nin != info->arity)
    fe_error(L, "%s takes %d input%s, got %d", name, info->arity, info->arity == 1 ? "" : "s", nin);
  if (info->arity < 0 && nin < 1) fe_error(L, "%s needs at least one input", name);
  Node **in = ir_alloc(fe->g, (size_t)(nin ? nin : 1) * sizeof *in);
  for (int i = 0; i < nin; i++) {
    lua_rawgeti(L, 2, i + 1);
    int at = lua_gettop(L);
    in[i] = check_tensor(L, at, lua_pushfstring(L, "%s: input %d", name, i + 1));
    lua_pop(L, 2);
  }
  Attr attr = {0};
  each_option(L, 3, name, op_attr, &attr);
  if (info->flags & F_RANDOM) attr.stream = fe->g->nstreams++;
  if (op == OP_TIME_STACK && in[0]->seq) attr.len = fix_steps(L, in[0]);
  Node *n = make_node(L, op, nin, in, &attr);
  if (op == OP_CONST) n->dtype = fe->g->cfg.dtype;
  push_tensor(L, n);
  return 1;
}

/* ---- leaves ---- */

static InitKind check_init_kind(lua_State *L, const char *s) {
  static const char *names[] = {"zeros", "const", "uniform", "normal", "orthogonal", "glorot"};
  for (int i = 0; i < 6; i++)
    if (!strcmp(s, names[i])) return (InitKind)i;
  fe_error(L, "unknown initialiser '%s' (zeros, const, uniform, normal, orthogonal, glorot)", s);
  return INIT_ZEROS;
}

/* core.param(name, shape, init_kind, a, b) -> tensor */
static int core_param(lua_State *L) {
  need_config(L);
  Fe *fe = fe_of(L);
  const char *name = check_name_at(L, 1, "parameter", NAME_PATH);
  Shape s = check_shape(L, 2, "parameter shape");
  Init init = {check_init_kind(L, check_string(L, 3, "initialiser")), 0, 0};
  if (!lua_isnoneornil(L, 4)) init.a = check_number(L, 4, "an initialiser's argument");
  if (!lua_isnoneornil(L, 5)) init.b = check_number(L, 5, "an initialiser's argument");
  if (!claim_name(L, &NAMES_KEY, name)) fe_error(L, "the name '%s' is already used", name);
  check_elements(L, name, s, 1);
  count_graph_object(L);
  if ((init.kind == INIT_ORTHOGONAL || init.kind == INIT_GLOROT) && s.rank < 2)
    fe_error(L, "parameter '%s': the %s initialiser needs a matrix, got rank %d", name,
             init.kind == INIT_GLOROT ? "glorot" : "orthogonal", s.rank);
  fe->g->loc = user_loc(L, fe->g);
  push_tensor(L, ir_param(fe->g, name, s, init, true));
  return 1;
}

/* core.input(name, dtype, shape, max, is_target) -> tensor */
static int core_input(lua_State *L) {
  need_config(L);
  Fe *fe = fe_of(L);
  const char *name = check_name_at(L, 1, "input", NAME_FIELD);
  if (!strncmp(name, STATE_PREFIX, strlen(STATE_PREFIX)))
    fe_error(L, "input name '%s' is reserved: names beginning with '%s' hold the streaming step's state", name,
             STATE_PREFIX);
  const char *dt = check_string(L, 2, "input dtype");
  if (strcmp(dt, "float") && strcmp(dt, "int32")) fe_error(L, "input dtype must be 'float' or 'int32', got '%s'", dt);
  Shape s = check_shape(L, 3, "input shape");
  if (!claim_name(L, &NAMES_KEY, name)) fe_error(L, "the name '%s' is already used", name);
  check_elements(L, name, s, 1);
  count_graph_object(L);
  fe->g->loc = user_loc(L, fe->g);
  Node *n = ir_input(fe->g, name, s, strcmp(dt, "int32") ? fe->g->cfg.dtype : DT_I32);
  n->attr.max = lua_isnoneornil(L, 4) ? 0 : check_int(L, 4, "id bound");
  n->attr.target = lua_toboolean(L, 5);
  push_tensor(L, n);
  return 1;
}

/* ---- recurrence ---- */

/* core.state(initial [, steps]) -> a per-step tensor: `initial` at step 0,
 * then whatever core.next gives it; in a loop of `steps` steps, or of the
 * steps of the sequences its values meet. */
static int core_state(lua_State *L) {
  need_config(L);
  Node *init = check_tensor(L, 1, "the initial value of a state");
  Attr at = {0};
  if (!lua_isnoneornil(L, 2)) {
    at.len = check_int(L, 2, "state: steps");
    if (at.len < 1 || at.len > IR_MAX_STEPS)
      fe_error(L, "state: steps must be in [1, %d] (IR_MAX_STEPS), got %d", IR_MAX_STEPS, at.len);
  }
  push_tensor(L, make_node(L, OP_STATE, 1, &init, &at));
  return 1;
}

/* core.next(state, value): the state's value at the next step. */
static int core_next(lua_State *L) {
  Fe *fe = fe_of(L);
  Node *s = check_tensor(L, 1, "next: the state");
  Node *v = check_tensor(L, 2, "next: the value");
  if (s->op != OP_STATE) fe_error(L, "next: only a state (made by state(...)) has a next value; got %s",
                                  ir_ops[s->op].name);
  if (s->back) fe_error(L, "next: this state (line %d) already has its next value (line %d)",
                        s->loc.line, s->back->loc.line);
  if (!ir_shape_eq(s->shape, v->shape) || s->dtype != v->dtype)
    fe_error(L, "next: the state (line %d) is %s %s but its next value is %s %s", s->loc.line,
             ir_shape_str(fe->g, s->shape), ir_dtype_name(s->dtype), ir_shape_str(fe->g, v->shape),
             ir_dtype_name(v->dtype));
  s->back = v;
  return 0;
}

/* ---- means over time (core.time_mean) ---- */

/* The mean over the steps of a per-step x, time_sum(x) * (1 / steps). */
static Node *mean_over_time(lua_State *L, Node *x) {
  Fe *fe = fe_of(L);
  Attr c = {.value = 1.0 / fix_steps(L, x)};
  Node *sum = make_node(L, OP_TIME_SUM, 1, &x, NULL);
  Node *scale = make_node(L, OP_CONST, 0, NULL, &c);
  scale->dtype = fe->g->cfg.dtype;
  Node *in[2] = {sum, scale};
  return make_node(L, OP_MUL, 2, in, NULL);
}

/* Whether the mean over time commutes with n on its per-step inputs (n is
 * affine in them, jointly): seq[k] says which of its first two inputs vary
 * over time. */
static bool commutes_with_mean(const Node *n, const bool *seq) {
  switch (n->op) {
  case OP_ADD: case OP_SUB: case OP_NEG: case OP_SUM_TO: case OP_RESHAPE: case OP_BROADCAST_TO: case OP_SLICE:
  case OP_PAD: case OP_CONCAT: return true;
  case OP_MUL: return !(seq[0] && seq[1]);
  case OP_DIV: return !seq[1];
  default: return false;
  }
}

/* Brings fe->tm up to every node made so far: from[id], the time reduction
 * a node's value is computed from, if any; for a per-step node, only one of
 * its own loop (an encoder's last state is an initial value to its decoder).
 * Ids are in creation order, so inputs come first.  Each node is looked at
 * once over the whole spec. */
static void tm_extend(Fe *fe) {
  TimeMeans *tm = &fe->tm;
  Graph *g = fe->g;
  if (g->nnodes > tm->cap) {
    int cap = g->nnodes * 2;
    tm->from = mem_realloc(tm->from, (size_t)cap, sizeof *tm->from, "the time means of the front end");
    tm->mean = mem_realloc(tm->mean, (size_t)cap, sizeof *tm->mean, "the time means of the front end");
    tm->mark = mem_realloc(tm->mark, (size_t)cap, sizeof *tm->mark, "the time means of the front end");
    memset(tm->mark + tm->cap, 0, (size_t)(cap - tm->cap) * sizeof *tm->mark);
    tm->cap = cap;
  }
  for (; tm->upto < g->nnodes; tm->upto++) {
    Node *v = g->nodes[tm->upto];
    Node *from = ir_ops[v->op].flags & F_TIME_REDUCE ? v : NULL;
    for (int k = 0; k < v->nin && !from; k++) from = ir_reduces_own_loop(g, v, tm->from[v->in[k]->id]);
    tm->from[tm->upto] = from;
  }
}

static void tm_free(TimeMeans *tm) { free(tm->from), free(tm->mean), free(tm->mark); }

static int by_id(const void *a, const void *b) {
  int x = (*(Node *const *)a)->id, y = (*(Node *const *)b)->id;
  return (x > y) - (x < y);
}

/* core.time_mean(x): the mean of a per-step x over the steps.  When x also
 * reads values that exist only after the last step (mse(h, y) + mse(last(h),
 * z): a per-step loss term plus a last-step one), the mean is taken term by
 * term: x is rebuilt with each per-step part p that reads no such value
 * replaced by mean(p).  That is the mean of x as long as every op between
 * them is affine in its per-step inputs (+, -, sums, reshapes, slices,
 * scaling by a value that does not vary over time); anything else is an
 * error at that op's line.  The mixed per-step values rebuilt are left
 * unused (unroll does not copy them).  The work and memory are those of the
 * nodes it rebuilds (the cone of mixed values under x), made anew, so the
 * spec's node limit bounds them. */
static int core_time_mean(lua_State *L) {
  need_config(L);
  Fe *fe = fe_of(L);
  TimeMeans *tm = &fe->tm;
  Node *x = check_tensor(L, 1, "time_mean: the value");
  tm_extend(fe);
  if (!x->seq || !tm->from[x->id]) { /* time_sum gives its own error for a value that does not vary */
    push_tensor(L, x->seq ? mean_over_time(L, x) : make_node(L, OP_TIME_SUM, 1, &x, NULL));
    return 1;
  }
  /* the cone: mixed values (per-step, reading a reduction) x reaches through mixed values */
  unsigned epoch = ++tm->epoch;
  int n = 0, cap = 16;
  Node **cone = ir_alloc(fe->g, (size_t)cap * sizeof *cone); /* in the graph: a Lua error may end this */
  cone[n++] = x, tm->mark[x->id] = epoch;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < cone[i]->nin; k++) {
      Node *u = cone[i]->in[k];
      if (!u->seq || !tm->from[u->id] || tm->mark[u->id] == epoch) continue;
      if (n == cap) {
        Node **more = ir_alloc(fe->g, (size_t)(cap *= 2) * sizeof *more);
        memcpy(more, cone, (size_t)n * sizeof *more);
        cone = more;
      }
      cone[n++] = u, tm->mark[u->id] = epoch;
    }
  qsort(cone, (size_t)n, sizeof *cone, by_id); /* inputs before the values that read them */
  for (int i = 0; i < n; i++) {
    Node *v = cone[i];
    bool seq[2] = {v->nin > 0 && v->in[0]->seq, v->nin > 1 && v->in[1]->seq};
    if (v->op == OP_STATE || !commutes_with_mean(v, seq)) {
      const Node *from = tm->from[v->id];
      char msg[700];
      snprintf(msg, sizeof msg, "%s: a mean over the steps cannot be taken term by term here: this per-step value "
               "reads %s (line %d), which exists only after the last step, through %s; reduce the per-step part "
               "first (time_mean(...) + ..., or last, time_sum)", ir_ops[v->op].name, ir_ops[from->op].name,
               from->loc.line, ir_ops[v->op].name);
      push_located(L, v->loc, fe->spec, msg);
      return raise_final(L);
    }
    Node **in = ir_alloc(fe->g, (size_t)(v->nin ? v->nin : 1) * sizeof *in);
    for (int k = 0; k < v->nin; k++) {
      Node *u = v->in[k];
      in[k] = !u->seq ? u : tm->mark[u->id] == epoch ? tm->mean[u->id] : mean_over_time(L, u);
    }
    tm->mean[v->id] = make_node(L, v->op, v->nin, in, &v->attr);
  }
  push_tensor(L, tm->mean[x->id]);
  return 1;
}

/* ---- model settings ---- */

static const struct {
  const char *name;
  size_t offset;
  int min, max;
  const char *limit; /* the name of max */
} int_fields[] = {{"batch", offsetof(ModelConfig, batch), 1, IR_MAX_BATCH, "IR_MAX_BATCH"},
                  {"steps", offsetof(ModelConfig, steps), 1, IR_MAX_STEPS, "IR_MAX_STEPS"},
                  {"epochs", offsetof(ModelConfig, epochs), 1, IR_MAX_EPOCHS, "IR_MAX_EPOCHS"},
                  {"tbptt", offsetof(ModelConfig, tbptt), 0, IR_MAX_STEPS, "IR_MAX_STEPS"}};

static void config_field(lua_State *L, const char *key, int v, void *ud) {
  ModelConfig *c = ud;
  Fe *fe = fe_of(L);
  if (!strcmp(key, "name")) {
    c->name = ir_strdup(fe->g, check_name_at(L, v, "model", NAME_PLAIN));
    return;
  }
  for (size_t i = 0; i < sizeof int_fields / sizeof int_fields[0]; i++)
    if (!strcmp(key, int_fields[i].name)) {
      int n = check_int(L, v, key);
      if (n < int_fields[i].min) fe_error(L, "model: %s must be at least %d, got %d", key, int_fields[i].min, n);
      if (n > int_fields[i].max)
        fe_error(L, "model: %s is %d; at most %d are allowed (%s)", key, n, int_fields[i].max, int_fields[i].limit);
      *(int *)((char *)c + int_fields[i].offset) = n;
      return;
    }
  if (!strcmp(key, "clip_norm")) {
    c->clip_norm = check_number(L, v, key);
    if (!(c->clip_norm >= 0)) fe_error(L, "clip_norm must be >= 0");
  } else if (!strcmp(key, "dtype")) {
    const char *s = check_string(L, v, "dtype");
    if (strcmp(s, "f32") && strcmp(s, "f64")) fe_error(L, "dtype must be 'f32' or 'f64', got '%s'", s);
    c->dtype = strcmp(s, "f32") ? DT_F64 : DT_F32;
  } else
    fe_error(L, "model: unknown option '%s' (name, batch, steps, dtype, epochs, tbptt, clip_norm)", key);
}

/* core.config{...} -> the effective settings (command-line overrides win). */
static int core_config(lua_State *L) {
  Fe *fe = fe_of(L);
  if (fe->configured) fe_error(L, "model{} is given twice");
  ModelConfig *c = &fe->g->cfg;
  *c = (ModelConfig){.name = "model", .dtype = DT_F32, .epochs = 1};
  each_option(L, 1, "model", config_field, c);
  if (fe->opt->batch > 0) c->batch = fe->opt->batch;
  if (fe->opt->steps > 0) c->steps = fe->opt->steps;
  if (fe->opt->dtype >= 0) c->dtype = (DType)fe->opt->dtype;
  if (!c->batch || !c->steps) fe_error(L, "model{} needs batch and steps (both fixed: the code is shape-specialised)");
  fe->configured = true;
  lua_createtable(L, 0, 6);
  lua_pushstring(L, c->name), lua_setfield(L, -2, "name");
  lua_pushinteger(L, c->batch), lua_setfield(L, -2, "batch");
  lua_pushinteger(L, c->steps), lua_setfield(L, -2, "steps");
  lua_pushstring(L, ir_dtype_name(c->dtype)), lua_setfield(L, -2, "dtype");
  lua_pushboolean(L, fe->g->training), lua_setfield(L, -2, "training");
  return 1;
}

static void optimizer_field(lua_State *L, const char *key, int v, void *ud) {
  OptConfig *o = ud;
  static const struct { const char *name; size_t offset; } fields[] = {
      {"lr", offsetof(OptConfig, lr)},       {"momentum", offsetof(OptConfig, momentum)},
      {"weight_decay", offsetof(OptConfig, weight_decay)}, {"beta1", offsetof(OptConfig, beta1)},
      {"beta2", offsetof(OptConfig, beta2)}, {"eps", offsetof(OptConfig, eps)}};
  if (!strcmp(key, "kind")) return;
  if (!strcmp(key, "nesterov")) {
    o->nesterov = lua_toboolean(L, v);
    return;
  }
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
    if (!strcmp(key, fields[i].name)) {
      double x = check_number(L, v, key);
      if (!(x >= 0)) fe_error(L, "optimizer: %s must be >= 0, got %g", key, x);
      *(double *)((char *)o + fields[i].offset) = x;
      return;
    }
  fe_error(L, "optimizer: unknown option '%s'", key);
}

/* core.optimizer{kind = "sgd"|"adam", lr = ..., ...} (the library fills defaults) */
static int core_optimizer(lua_State *L) {
  need_config(L);
  Fe *fe = fe_of(L);
  OptConfig *o = &fe->g->cfg.opt;
  if (o->kind != OPT_NONE) fe_error(L, "optimizer(...) is given twice");
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "kind");
  const char *kind = check_string(L, -1, "optimizer kind");
  if (!strcmp(kind, "sgd")) o->kind = OPT_SGD;
  else if (!strcmp(kind, "adam")) o->kind = OPT_ADAM;
  else fe_error(L, "unknown optimizer '%s'", kind);
  lua_pop(L, 1);
  each_option(L, 1, "optimizer", optimizer_field, o);
  if (fe->opt->lr > 0) o->lr = fe->opt->lr;
  if (!(o->lr > 0)) fe_error(L, "optimizer: lr must be positive");
  if (o->kind == OPT_ADAM && (o->beta1 >= 1 || o->beta2 >= 1)) fe_error(L, "Adam: betas must be below 1");
  return 0;
}

/* core.result(role, name, tensor[, loss_kind]) */
static int core_result(lua_State *L) {
  static const char *roles[] = {"loss", "output", "metric", NULL};
  Fe *fe = fe_of(L);
  Role role = (Role)luaL_checkoption(L, 1, NULL, roles);
  const char *name = check_name_at(L, 2, roles[role], NAME_FIELD);
  if (!strncmp(name, NEXT_STATE_PREFIX, strlen(NEXT_STATE_PREFIX)))
    fe_error(L, "%s name '%s' is reserved: names beginning with '%s' hold the streaming step's state", roles[role],
             name, NEXT_STATE_PREFIX);
  Node *n = check_tensor(L, 3, name);
  if (!claim_name(L, &RESULTS_KEY, name)) fe_error(L, "a result named '%s' is already defined", name);
  count_graph_object(L);
  if (role == ROLE_LOSS && n->shape.rank != 0)
    fe_error(L, "the loss must be a single number, got shape %s", ir_shape_str(fe->g, n->shape));
  if (!ir_is_float(n->dtype) && role != ROLE_OUTPUT) fe_error(L, "%s '%s' must be a float value", roles[role], name);
  if (role == ROLE_LOSS && lua_isstring(L, 4)) fe->g->cfg.loss_kind = ir_strdup(fe->g, lua_tostring(L, 4));
  ir_add_result(fe->g, role, name, n);
  return 0;
}

/* ---- layers (for summary) ---- */

/* The numbers at the front of table t (the arguments of a layer of that
 * kind), up to LAYER_MAX_ARGS; all finite. */
static int layer_args(lua_State *L, int t, const char *kind, double *args) {
  int n = 0;
  if (!lua_istable(L, t)) return 0;
  for (; n < LAYER_MAX_ARGS; n++) {
    int isnum;
    lua_geti(L, t, n + 1);
    double v = lua_tonumberx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum) break;
    if (!isfinite(v)) fe_error(L, "%s: argument %d must be a finite number, got %s", kind, n + 1, nonfinite_str(v));
    args[n] = v;
  }
  return n;
}

/* The first unused name prefix<k>, k = 1, 2, ...; each prefix remembers
 * where its search stopped, so n layers cost O(n) and not O(n^2). */
static const char *next_layer_name(lua_State *L, const char *prefix) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &NEXT_INDEX_KEY);
  lua_getfield(L, -1, prefix);
  lua_Integer k = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 1;
  lua_pop(L, 1);
  const char *name;
  for (;; k++) {
    name = lua_pushfstring(L, "%s%I", prefix, k);
    check_name(L, "layer", name, strlen(name), NAME_PLAIN);
    if (claim_name(L, &LAYERS_KEY, name)) break;
    lua_pop(L, 1);
  }
  lua_pushinteger(L, k + 1);
  lua_setfield(L, -3, prefix);
  return ir_strdup(fe_of(L)->g, name);
}

/* core.layer_begin(kind, name or nil, prefix, args) -> the layer's unique name */
static int core_layer_begin(lua_State *L) {
  need_config(L);
  Fe *fe = fe_of(L);
  Graph *g = fe->g;
  const char *kind = check_string(L, 1, "layer kind");
  const char *name = lua_isnoneornil(L, 2) ? NULL : check_name_at(L, 2, "layer", NAME_PLAIN);
  if (name && !claim_name(L, &LAYERS_KEY, name)) fe_error(L, "the layer name '%s' is already used", name);
  if (!name) name = next_layer_name(L, luaL_optstring(L, 3, kind));
  count_graph_object(L);
  Layer l = {.name = ir_strdup(g, name), .kind = ir_strdup(g, kind), .first_param = g->nparams};
  l.nargs = layer_args(L, 4, kind, l.args);
  ir_add_layer(g, l);
  if (fe->depth < FE_LAYER_DEPTH) fe->layer[fe->depth] = l.name;
  fe->depth++;
  lua_pushstring(L, name);
  return 1;
}

/* core.layer_end(output): closes the innermost layer */
static int core_layer_end(lua_State *L) {
  Fe *fe = fe_of(L);
  Graph *g = fe->g;
  if (fe->depth > 0) fe->depth--;
  Layer *l = &g->layers[g->nlayers - 1];
  l->out = check_tensor(L, 1, "a layer's output");
  l->nparams = g->nparams - l->first_param;
  return 0;
}

static int core_error(lua_State *L) { return fe_error(L, "%s", luaL_checkstring(L, 1)); }

/* ---- the sandbox ---- */

/* print(...) to stderr, as Lua's print does, through ir_show: a spec must
 * not drive the terminal (escape sequences can retitle a window, move the
 * cursor, hide text). */
static int lib_print(lua_State *L) {
  int n = lua_gettop(L);
  for (int i = 1; i <= n; i++) {
    size_t len;
    const char *s = luaL_tolstring(L, i, &len);
    if (i > 1) fputc('\t', stderr);
    ir_show(stderr, s, len);
    lua_pop(L, 1);
  }
  fputc('\n', stderr);
  return 0;
}

/* setmetatable(t, mt) refusing a metatable with a raw __gc field: Lua runs
 * finalizers with hooks off (an endless one would hang lua_close), and in
 * Lua 5.4 only setting such a metatable marks an object for finalization. */
static int lib_setmetatable(lua_State *L) {
  if (lua_istable(L, 2) && has_gc(L, 2))
    fe_error(L, "setmetatable: a metatable with __gc is not allowed (finalizers run outside the spec's limits)");
  lua_settop(L, 2);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/* Raises the syntax error on the stack top ("file:12: msg") as
 * "file:12: error: msg", located in the file that has it. */
static int raise_syntax_error(lua_State *L) {
  const char *msg = lua_tostring(L, -1), *rest = strip_position(msg);
  if (rest == msg) return raise_final(L);
  lua_pushlstring(L, msg, (size_t)(rest - msg - 2));
  lua_pushfstring(L, "%s: error: %s", lua_tostring(L, -1), rest);
  return raise_final(L);
}

/* Pushes the chunk of a user file, named "@path" so that positions in it
 * say path:line.  A missing file is an error at the current user line. */
static void load_file(lua_State *L, const char *path, const char *what) {
  FileBytes src = {0};
  char err[512];
  if (file_append(&src, path, what, IR_MAX_SPEC_BYTES, err, sizeof err)) {
    free(src.p);
    fe_error(L, "cannot read %s %s", what, err);
  }
  int rc = luaL_loadbufferx(L, src.p, src.n, lua_pushfstring(L, "@%s", path), "t");
  free(src.p);
  lua_remove(L, -2);
  if (rc != LUA_OK) raise_syntax_error(L);
}

/* require(name): the built-in library module `name`, or the file
 * <spec dir>/<name with . as />.lua; each runs once. */
static int lib_require(lua_State *L) {
  Fe *fe = fe_of(L);
  const char *name = check_string(L, 1, "require: the module name");
  if (!is_ident(name, ".")) fe_error(L, "require: bad module name '%s' (letters, digits, _ and . only)", name);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  char file[256];
  snprintf(file, sizeof file, "%s.lua", name);
  int lib = 0;
  while (lib < fe_nlib && strcmp(fe_lib[lib].name, file)) lib++;
  if (lib < fe_nlib) {
    const char *chunk = lua_pushfstring(L, "=[rnnc]/%s", file);
    if (luaL_loadbufferx(L, fe_lib[lib].source, strlen(fe_lib[lib].source), chunk, "t") != LUA_OK)
      die("built-in library %s: %s", file, lua_tostring(L, -1));
    lua_remove(L, -2);
  } else {
    const char *slash = strrchr(fe->spec, '/');
    int dirlen = slash ? (int)(slash - fe->spec + 1) : 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, fe->spec, (size_t)dirlen);
    luaL_addgsub(&b, name, ".", "/");
    luaL_addstring(&b, ".lua");
    luaL_pushresult(&b);
    load_file(L, lua_tostring(L, -1), "the module file");
    lua_remove(L, -2);
  }
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, name);
  return 1;
}

static void open_sandbox(lua_State *L) {
  static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base},       {LUA_TABLIBNAME, luaopen_table},
                                  {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
                                  {LUA_UTF8LIBNAME, luaopen_utf8},  {NULL, NULL}};
  for (const luaL_Reg *lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  static const char *const removed[] = {"dofile", "loadfile", "load", "collectgarbage", "require", NULL};
  for (const char *const *p = removed; *p; p++) lua_pushnil(L), lua_setglobal(L, *p);
  lua_getglobal(L, "string"), lua_pushnil(L), lua_setfield(L, -2, "dump"), lua_pop(L, 1);
  lua_getglobal(L, "math");
  lua_pushnil(L), lua_setfield(L, -2, "random");
  lua_pushnil(L), lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
  lua_register(L, "print", lib_print);
  lua_register(L, "require", lib_require);
  lua_getglobal(L, "setmetatable");
  lua_pushcclosure(L, lib_setmetatable, 1);
  lua_setglobal(L, "setmetatable");
  lb_open(L, charge_steps);
  const void *const sets[] = {&NAMES_KEY, &RESULTS_KEY, &LAYERS_KEY, &NEXT_INDEX_KEY};
  for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) lua_newtable(L), lua_rawsetp(L, LUA_REGISTRYINDEX, sets[i]);
}

static void open_core(lua_State *L) {
  static const luaL_Reg core[] = {
      {"op", core_op},         {"param", core_param},           {"input", core_input},
      {"state", core_state},   {"next", core_next},             {"config", core_config},
      {"time_mean", core_time_mean},
      {"optimizer", core_optimizer}, {"result", core_result},   {"layer_begin", core_layer_begin},
      {"layer_end", core_layer_end}, {"error", core_error},     {NULL, NULL}};
  luaL_newmetatable(L, TENSOR);
  lua_pushcfunction(L, tensor_index), lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, tensor_tostring), lua_setfield(L, -2, "__tostring");
  lua_newtable(L), lua_setfield(L, -2, "methods");
  lua_pop(L, 1);
  luaL_newlib(L, core);
  luaL_getmetatable(L, TENSOR), lua_setfield(L, -2, "tensor_mt");
  lua_setglobal(L, "core");
}

/* The protected part: library, then spec. */
static int run_spec(lua_State *L) {
  Fe *fe = lua_touserdata(L, 1);
  open_sandbox(L);
  open_core(L);
  lua_getglobal(L, "require");
  lua_pushstring(L, "nn");
  lua_call(L, 1, 0);
  load_file(L, fe->spec, "the spec");
  lua_call(L, 0, 0);
  if (!fe->configured) {
    lua_pushfstring(L, "%s: error: the spec never calls model{batch = ..., steps = ...}", fe->spec);
    return raise_final(L);
  }
  return 0;
}

Graph *fe_load(const char *path, const FeOptions *o) {
  Fe fe = {.g = ir_graph_new(), .opt = o, .spec = path, .deadline = fe_now() + fe_timeout};
  fe.g->training = o->training;
  fe.g->streaming = o->stream;
  lua_State *L = lua_newstate(fe_alloc, &fe);
  if (!L) die("cannot create a Lua state");
  fe.L = L;
  lua_pushlightuserdata(L, &fe);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &FE_KEY);
  lua_sethook(L, on_count, LUA_MASKCOUNT, FE_HOOK_EVERY);
  lua_pushcfunction(L, on_error);
  lua_pushcfunction(L, run_spec);
  lua_pushlightuserdata(L, &fe);
  int rc = lua_pcall(L, 1, 0, 1);
  if (rc != LUA_OK || fe.out_of_memory || fe.limit_msg[0]) { /* a limit counts even when the spec caught it */
    if (fe.out_of_memory || rc == LUA_ERRMEM)
      fprintf(stderr, "%s: error: the spec used more than %d MB of memory (the limit)\n", path,
              FE_MEMORY_LIMIT >> 20);
    else {
      size_t len = 0;
      const char *msg = fe.limit_msg[0] ? fe.limit_msg : lua_isstring(L, -1) ? lua_tolstring(L, -1, &len) : "error in the spec";
      ir_show(stderr, msg, len ? len : strlen(msg));
      fputc('\n', stderr);
    }
    lua_close(L);
    tm_free(&fe.tm);
    ir_graph_free(fe.g);
    return NULL;
  }
  lua_close(L);
  tm_free(&fe.tm);
  return fe.g;
}
