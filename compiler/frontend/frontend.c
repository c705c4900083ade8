/*
 * frontend.c - runs a Lua spec in a sandbox and builds its forward graph.
 *
 * The spec is untrusted code.  It runs in a fresh lua_State with only the
 * base, string, table, math and utf8 libraries (no io, os, debug, load or
 * randomness), a counting allocator that caps its memory and a count hook
 * that caps its instructions.  `require` loads the built-in library (embedded
 * from compiler/lib/, see cmake/embed_lua.cmake) or a spec file next to the
 * spec; nothing else can be read.
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
#include "frontend.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  FE_MEMORY_LIMIT = 256 << 20,   /* bytes the spec's Lua state may hold */
  FE_HOOK_EVERY = 10000,         /* instructions between two hook calls */
  FE_INSTRUCTION_LIMIT = 10000,  /* ... times FE_HOOK_EVERY: 1e8 instructions */
};

/* The built-in library, embedded by cmake/embed_lua.cmake. */
extern const struct { const char *name; const char *source; } fe_lib[];
extern const int fe_nlib;

typedef struct {
  Graph *g;
  const FeOptions *opt;
  const char *spec;    /* the spec path as given */
  bool configured;     /* model{} has run */
  size_t mem;          /* bytes held by Lua */
  long hooks;          /* count-hook calls so far */
  bool out_of_memory;  /* the allocator refused */
} Fe;

static const char FE_KEY = 'k';          /* registry: the Fe (light userdata) */
static const char *const TENSOR = "rnnc.Tensor";

static Fe *fe_of(lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FE_KEY);
  Fe *fe = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return fe;
}

/* ---- locations and errors ---- */

/* The innermost frame running user code ("@file" chunks: the spec and the
 * files it requires), or {NULL, 0} when there is none. */
static SrcLoc user_loc(lua_State *L, Graph *g) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.source[0] == '@' && ar.currentline > 0)
      return (SrcLoc){ir_strdup(g, ar.source + 1), ar.currentline};
  }
  return (SrcLoc){NULL, 0};
}

/* Pushes "file:line: error: msg" for loc (or "spec: error: msg"). */
static void push_located(lua_State *L, SrcLoc loc, const char *spec, const char *msg) {
  if (loc.file)
    lua_pushfstring(L, "%s:%d: error: %s", loc.file, loc.line, msg);
  else
    lua_pushfstring(L, "%s: error: %s", spec, msg);
}

/* Raises a finished message.  It travels as a table {msg} so that the
 * message handler knows not to locate it again. */
static int raise_final(lua_State *L) {
  lua_createtable(L, 0, 1);
  lua_insert(L, -2);
  lua_setfield(L, -2, "msg");
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
  if (lua_istable(L, 1)) {
    lua_getfield(L, 1, "msg");
    return 1;
  }
  const char *msg = lua_tostring(L, 1);
  if (!msg) msg = luaL_typename(L, 1); /* error(non-string) */
  Fe *fe = fe_of(L);
  push_located(L, user_loc(L, fe->g), fe->spec, strip_position(msg));
  return 1;
}

/* ---- limits ---- */

static void *fe_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Fe *fe = ud;
  size_t held = ptr ? osize : 0;
  if (nsize == 0) {
    free(ptr);
    fe->mem -= held;
    return NULL;
  }
  if (nsize > held && fe->mem - held + nsize > FE_MEMORY_LIMIT) {
    fe->out_of_memory = true;
    return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (p) fe->mem = fe->mem - held + nsize;
  return p;
}

static void on_count(lua_State *L, lua_Debug *ar) {
  (void)ar;
  Fe *fe = fe_of(L);
  if (++fe->hooks < FE_INSTRUCTION_LIMIT) return;
  fe_error(L, "the spec ran more than %ld million Lua instructions (an endless loop?)",
           (long)FE_INSTRUCTION_LIMIT * FE_HOOK_EVERY / 1000000);
}

/* ---- tensors ---- */

static void push_tensor(lua_State *L, Node *n) {
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

/* __index: the fields shape, rank, dtype, seq, op, name; otherwise the
 * methods table the library keeps in the metatable. */
static int tensor_index(lua_State *L) {
  Node *n = check_tensor(L, 1, "value");
  const char *key = lua_tostring(L, 2);
  if (key && !strcmp(key, "shape")) push_shape(L, n->shape);
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

static double check_number(lua_State *L, int idx, const char *what) {
  if (lua_type(L, idx) != LUA_TNUMBER)
    fe_error(L, "%s must be a number, got %s", what, luaL_typename(L, idx));
  return lua_tonumber(L, idx);
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

/* ---- core.op ---- */

static void op_attr(lua_State *L, const char *key, int v, void *ud) {
  Attr *a = ud;
  if (!strcmp(key, "value")) a->value = check_number(L, v, "value");
  else if (!strcmp(key, "shape")) a->shape = check_shape(L, v, "shape");
  else if (!strcmp(key, "axis")) a->axis = check_int(L, v, "axis");
  else if (!strcmp(key, "start") || !strcmp(key, "index")) a->start = check_int(L, v, key);
  else if (!strcmp(key, "len") || !strcmp(key, "depth") || !strcmp(key, "size"))
    a->len = check_int(L, v, key);
  else if (!strcmp(key, "ta")) a->ta = lua_toboolean(L, v);
  else if (!strcmp(key, "tb")) a->tb = lua_toboolean(L, v);
  else fe_error(L, "unknown op option '%s'", key);
}

/* Makes a node at the current user line; a shape error is reported there. */
static Node *make_node(lua_State *L, OpKind op, int nin, Node **in, const Attr *attr) {
  Fe *fe = fe_of(L);
  fe->g->loc = user_loc(L, fe->g);
  Node *n = ir_try_node(fe->g, op, nin, in, attr);
  if (!n) fe_error(L, "%s", fe->g->err);
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
  if (op == OP_TIME_STACK) attr.len = fe->g->cfg.steps;
  Node *n = make_node(L, op, nin, in, &attr);
  if (op == OP_CONST) n->dtype = fe->g->cfg.dtype;
  push_tensor(L, n);
  return 1;
}

/* ---- leaves ---- */

static bool name_taken(Graph *g, const char *name) {
  for (int i = 0; i < g->nparams; i++)
    if (!strcmp(g->params[i]->attr.name, name)) return true;
  for (int i = 0; i < g->ninputs; i++)
    if (!strcmp(g->inputs[i]->attr.name, name)) return true;
  return false;
}

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
  const char *name = check_string(L, 1, "parameter name");
  Shape s = check_shape(L, 2, "parameter shape");
  Init init = {check_init_kind(L, check_string(L, 3, "initialiser")), luaL_optnumber(L, 4, 0),
               luaL_optnumber(L, 5, 0)};
  if (name_taken(fe->g, name)) fe_error(L, "the name '%s' is already used", name);
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
  const char *name = check_string(L, 1, "input name");
  const char *dt = check_string(L, 2, "input dtype");
  if (strcmp(dt, "float") && strcmp(dt, "int32")) fe_error(L, "input dtype must be 'float' or 'int32', got '%s'", dt);
  Shape s = check_shape(L, 3, "input shape");
  if (name_taken(fe->g, name)) fe_error(L, "the name '%s' is already used", name);
  fe->g->loc = user_loc(L, fe->g);
  Node *n = ir_input(fe->g, name, s, strcmp(dt, "int32") ? fe->g->cfg.dtype : DT_I32);
  n->attr.max = lua_isnoneornil(L, 4) ? 0 : check_int(L, 4, "id bound");
  n->attr.target = lua_toboolean(L, 5);
  push_tensor(L, n);
  return 1;
}

/* ---- recurrence ---- */

/* core.state(initial) -> a per-step tensor: `initial` at step 0, then
 * whatever core.next gives it. */
static int core_state(lua_State *L) {
  need_config(L);
  Node *init = check_tensor(L, 1, "the initial value of a state");
  push_tensor(L, make_node(L, OP_STATE, 1, &init, NULL));
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

/* ---- model settings ---- */

static bool is_ident(const char *s, const char *extra) {
  if (!*s || (*s >= '0' && *s <= '9')) return false;
  for (; *s; s++)
    if (!(((*s | 32) >= 'a' && (*s | 32) <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          strchr(extra, *s)))
      return false;
  return true;
}

static const struct {
  const char *name;
  size_t offset;
  int min;
} int_fields[] = {{"batch", offsetof(ModelConfig, batch), 1},
                  {"steps", offsetof(ModelConfig, steps), 1},
                  {"epochs", offsetof(ModelConfig, epochs), 1},
                  {"tbptt", offsetof(ModelConfig, tbptt), 0}};

static void config_field(lua_State *L, const char *key, int v, void *ud) {
  ModelConfig *c = ud;
  Fe *fe = fe_of(L);
  if (!strcmp(key, "name")) {
    const char *s = check_string(L, v, "name");
    if (!is_ident(s, "")) fe_error(L, "model name '%s' must be a C identifier (letters, digits, _)", s);
    c->name = ir_strdup(fe->g, s);
    return;
  }
  for (size_t i = 0; i < sizeof int_fields / sizeof int_fields[0]; i++)
    if (!strcmp(key, int_fields[i].name)) {
      int n = check_int(L, v, key);
      if (n < int_fields[i].min) fe_error(L, "model: %s must be at least %d, got %d", key, int_fields[i].min, n);
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
  const char *name = check_string(L, 2, "result name");
  Node *n = check_tensor(L, 3, name);
  for (int i = 0; i < fe->g->nresults; i++)
    if (!strcmp(fe->g->results[i].name, name)) fe_error(L, "a result named '%s' is already defined", name);
  if (role == ROLE_LOSS && n->shape.rank != 0)
    fe_error(L, "the loss must be a single number, got shape %s", ir_shape_str(fe->g, n->shape));
  if (!ir_is_float(n->dtype) && role != ROLE_OUTPUT) fe_error(L, "%s '%s' must be a float value", roles[role], name);
  if (role == ROLE_LOSS && lua_isstring(L, 4)) fe->g->cfg.loss_kind = ir_strdup(fe->g, lua_tostring(L, 4));
  ir_add_result(fe->g, role, name, n);
  return 0;
}

/* ---- layers (for summary) ---- */

/* The numbers at the front of table t (a layer's arguments), up to LAYER_MAX_ARGS. */
static int layer_args(lua_State *L, int t, double *args) {
  int n = 0;
  if (!lua_istable(L, t)) return 0;
  for (; n < LAYER_MAX_ARGS; n++) {
    int isnum;
    lua_geti(L, t, n + 1);
    double v = lua_tonumberx(L, -1, &isnum);
    lua_pop(L, 1);
    if (!isnum) break;
    args[n] = v;
  }
  return n;
}

/* core.layer_begin(kind, name or nil, prefix, args) -> the layer's unique name */
static int core_layer_begin(lua_State *L) {
  need_config(L);
  Fe *fe = fe_of(L);
  Graph *g = fe->g;
  const char *kind = check_string(L, 1, "layer kind");
  const char *name = lua_isnoneornil(L, 2) ? NULL : check_string(L, 2, "layer name");
  const char *prefix = luaL_optstring(L, 3, kind);
  for (int i = 0; name && i < g->nlayers; i++)
    if (!strcmp(g->layers[i].name, name)) fe_error(L, "the layer name '%s' is already used", name);
  for (int k = 1; !name; k++) {
    const char *candidate = ir_fmt(g, "%s%d", prefix, k);
    bool used = false;
    for (int i = 0; i < g->nlayers; i++) used |= !strcmp(g->layers[i].name, candidate);
    if (!used) name = candidate;
  }
  Layer l = {.name = ir_strdup(g, name), .kind = ir_strdup(g, kind), .first_param = g->nparams};
  l.nargs = layer_args(L, 4, l.args);
  ir_add_layer(g, l);
  lua_pushstring(L, name);
  return 1;
}

/* core.layer_end(output): closes the innermost layer */
static int core_layer_end(lua_State *L) {
  Graph *g = fe_of(L)->g;
  Layer *l = &g->layers[g->nlayers - 1];
  l->out = check_tensor(L, 1, "a layer's output");
  l->nparams = g->nparams - l->first_param;
  return 0;
}

static int core_error(lua_State *L) { return fe_error(L, "%s", luaL_checkstring(L, 1)); }

/* ---- the sandbox ---- */

static int lib_print(lua_State *L) {
  int n = lua_gettop(L);
  for (int i = 1; i <= n; i++) fprintf(stderr, "%s%s", i > 1 ? "\t" : "", luaL_tolstring(L, i, NULL));
  fputc('\n', stderr);
  return 0;
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

static char *read_whole(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 14, n = 0;
  char *buf = malloc(cap);
  for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += k;
    if (n == cap) {
      char *nb = cap < (64u << 20) ? realloc(buf, cap *= 2) : NULL;
      if (!nb) free(buf);
      buf = nb;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

/* Pushes the chunk of a user file, named "@path" so that positions in it
 * say path:line.  A missing file is an error at the current user line. */
static void load_file(lua_State *L, const char *path, const char *what) {
  size_t len = 0;
  char *src = read_whole(path, &len);
  if (!src) fe_error(L, "cannot read %s %s", what, path);
  int rc = luaL_loadbufferx(L, src, len, lua_pushfstring(L, "@%s", path), "t");
  free(src);
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
}

static void open_core(lua_State *L) {
  static const luaL_Reg core[] = {
      {"op", core_op},         {"param", core_param},           {"input", core_input},
      {"state", core_state},   {"next", core_next},             {"config", core_config},
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
  Fe fe = {.g = ir_graph_new(), .opt = o, .spec = path};
  fe.g->training = o->training;
  lua_State *L = lua_newstate(fe_alloc, &fe);
  if (!L) die("cannot create a Lua state");
  lua_pushlightuserdata(L, &fe);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &FE_KEY);
  lua_sethook(L, on_count, LUA_MASKCOUNT, FE_HOOK_EVERY);
  lua_pushcfunction(L, on_error);
  lua_pushcfunction(L, run_spec);
  lua_pushlightuserdata(L, &fe);
  int rc = lua_pcall(L, 1, 0, 1);
  if (rc != LUA_OK) {
    if (fe.out_of_memory || rc == LUA_ERRMEM)
      fprintf(stderr, "%s: error: the spec used more than %d MB of memory (the limit)\n", path,
              FE_MEMORY_LIMIT >> 20);
    else
      fprintf(stderr, "%s\n", lua_isstring(L, -1) ? lua_tostring(L, -1) : "error in the spec");
    lua_close(L);
    ir_graph_free(fe.g);
    return NULL;
  }
  lua_close(L);
  return fe.g;
}
