/*
 * ir.c - graphs, nodes, shapes and diagnostics.
 *
 * Every object of a graph lives in its arena: a list of large blocks carved
 * by a bump pointer and freed together by ir_graph_free.  Growable arrays
 * (nodes, params, ...) are re-carved from the arena when they double, which
 * wastes a little memory but keeps a single owner for everything.
 *
 * Node creation runs the op's shape rule immediately (ops.def, shape.c), so a
 * node never exists without a valid shape; the front end turns a failure
 * into an error at the spec line, passes treat it as a compiler bug.  A node
 * past IR_MAX_NODES or a tensor past IR_MAX_ELEMENTS is the user's size, not
 * a bug, wherever it is made: an error at the spec line, exit 1.
 */
#include "ir.h"
#include "alloc.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena ---- */

enum { ARENA_BLOCK = 1 << 20 };

typedef struct Block {
  struct Block *next;
  size_t used, size;
  max_align_t data[];
} Block;

struct Arena {
  Block *head;
};

void *ir_alloc(Graph *g, size_t size) {
  size = size_add(size, sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
  Block *b = g->arena->head;
  if (!b || b->used + size > b->size) {
    size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
    b = mem_alloc(size_add(sizeof(Block), cap), 1, "the graph");
    b->next = g->arena->head;
    b->used = 0;
    b->size = cap;
    g->arena->head = b;
  }
  void *p = (char *)b->data + b->used;
  b->used += size;
  memset(p, 0, size);
  return p;
}

char *ir_strdup(Graph *g, const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(ir_alloc(g, n), s, n);
}

char *ir_fmt(Graph *g, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return ir_strdup(g, buf);
}

/* Appends item to a growable array of elements of size `elem` held in g. */
static void *grow(Graph *g, void *arr, int n, int *cap, size_t elem) {
  if (n < *cap) return arr;
  int ncap = *cap ? *cap * 2 : 16; /* no overflow: node counts stop at IR_MAX_NODES */
  void *p = ir_alloc(g, size_mul((size_t)ncap, elem));
  if (n) memcpy(p, arr, (size_t)n * elem);
  *cap = ncap;
  return p;
}

#define PUSH(g, arr, n, cap, item)                              \
  do {                                                          \
    (arr) = grow((g), (arr), (n), &(cap), sizeof *(arr));       \
    (arr)[(n)++] = (item);                                      \
  } while (0)

/* ---- graphs ---- */

Graph *ir_graph_new(void) {
  Arena *a = mem_calloc(1, sizeof *a, "a graph");
  Graph tmp = {.arena = a};
  Graph *g = ir_alloc(&tmp, sizeof *g);
  g->arena = a;
  g->training = true;
  return g;
}

void ir_graph_free(Graph *g) {
  if (!g) return;
  Arena *a = g->arena;
  for (Block *b = a->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  free(a);
}

/* ---- time loops ---- */

static int new_loop(Graph *g, int steps, LoopFix by, Node *lengths) {
  TimeLoop l = {.parent = g->nloops, .size = 1, .steps = steps, .fixed_by = steps ? by : FIX_NONE, .fixed_at = g->loc,
                .lengths = lengths};
  PUSH(g, g->loops, g->nloops, g->caploops, l);
  return l.parent;
}

static int root(const Graph *g, int k) {
  while (g->loops[k].parent != k) k = g->loops[k].parent;
  return k;
}

int ir_loop_of(const Graph *g, const Node *n) { return root(g, n->loop); }
Node *ir_loop_lengths(const Graph *g, const Node *n) { return g->loops[ir_loop_of(g, n)].lengths; }

const Node *ir_sequence_of_lengths(const Graph *g, const Node *lengths) {
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    if (n->op == OP_STEPS && n->nin == 2 && n->in[1] == lengths && n->in[0]->op == OP_INPUT) return n->in[0];
  }
  return NULL;
}

int ir_loop_steps(const Graph *g, const Node *n) {
  int steps = g->loops[ir_loop_of(g, n)].steps;
  return steps ? steps : g->cfg.steps;
}

void ir_loop_fix(Graph *g, const Node *n, int steps) {
  TimeLoop *l = &g->loops[ir_loop_of(g, n)];
  if (l->steps) return;
  l->steps = steps, l->fixed_by = FIX_BY_REDUCTION, l->fixed_at = g->loc;
}

const char *ir_loop_why(Graph *g, const Node *n) {
  const TimeLoop *l = &g->loops[ir_loop_of(g, n)];
  static const char *what[] = {"", "the sequence", "the state", "the reduction over time"};
  if (l->fixed_by == FIX_NONE) return "a loop whose length nothing has fixed yet";
  return ir_fmt(g, "%s of line %d", what[l->fixed_by], l->fixed_at.line);
}

Node *ir_reduces_own_loop(const Graph *g, const Node *n, Node *r) {
  return r && (!n->seq || ir_loop_of(g, r->in[0]) == ir_loop_of(g, n)) ? r : NULL;
}

/* One loop of loops a and b (by size, so that chains stay short), or -1 if
 * their steps are fixed and differ, or their examples' lengths. */
static int join(Graph *g, int a, int b) {
  a = root(g, a), b = root(g, b);
  if (a == b) return a;
  TimeLoop *la = &g->loops[a], *lb = &g->loops[b];
  if (la->steps && lb->steps && la->steps != lb->steps) return -1;
  if (la->lengths && lb->lengths && la->lengths != lb->lengths) return -1;
  if (la->size < lb->size) {
    TimeLoop *t = la;
    la = lb, lb = t;
  }
  lb->parent = la->parent, la->size += lb->size;
  if (!la->steps) la->steps = lb->steps, la->fixed_by = lb->fixed_by, la->fixed_at = lb->fixed_at;
  if (!la->lengths) la->lengths = lb->lengths;
  return la->parent;
}

/* A new loop for a sequence, a state or a mask of lengths. */
static int loop_of_leaf(Graph *g, const Node *n) {
  if (n->op == OP_STATE) return new_loop(g, g->streaming ? g->cfg.steps : n->attr.len, FIX_BY_STATE, NULL);
  bool mask = n->op == OP_VALID || n->op == OP_FINAL;
  int steps = g->streaming ? g->cfg.steps : mask ? n->attr.len : n->in[0]->shape.dim[1];
  return new_loop(g, steps, FIX_BY_SEQUENCE, mask ? n->in[0] : n->nin > 1 ? n->in[1] : NULL);
}

static const char *mixed_loops(Graph *g, const Node *n, const Node *a, const Node *b) {
  const Node *la = ir_loop_lengths(g, a), *lb = ir_loop_lengths(g, b);
  if (la && lb && la != lb)
    snprintf(g->err, sizeof g->err, "%s: mixes two sequences of different lengths inputs ('%s' and '%s')",
             ir_ops[n->op].name, la->op == OP_INPUT ? la->attr.name : "computed", lb->op == OP_INPUT ? lb->attr.name : "computed");
  else
    snprintf(g->err, sizeof g->err, "%s: mixes the steps of two time loops: %d steps (%s) and %d steps (%s)",
             ir_ops[n->op].name, ir_loop_steps(g, a), ir_loop_why(g, a), ir_loop_steps(g, b), ir_loop_why(g, b));
  return g->err;
}

/* n's loop: a new one for a sequence, a state or a mask, else its inputs' joined. */
static const char *join_loops(Graph *g, Node *n) {
  if (n->op == OP_STEPS || n->op == OP_STATE || n->op == OP_VALID || n->op == OP_FINAL) {
    n->loop = loop_of_leaf(g, n);
    return NULL;
  }
  const Node *first = NULL;
  for (int i = 0; i < n->nin; i++) {
    const Node *x = n->in[i];
    if (!x->seq) continue;
    if (!first) {
      n->loop = root(g, (first = x)->loop);
      continue;
    }
    int k = join(g, n->loop, x->loop);
    if (k < 0) return mixed_loops(g, n, first, x);
    n->loop = k;
  }
  return NULL;
}

/* ---- nodes ---- */

static const char *shape_text(Shape s, char *buf, size_t len);

/* The user's sizes (see IR_MAX_NODES): reported at the spec line being
 * built (passes stamp the line of the nodes they replace). */
static void check_sizes(const Graph *g, const Node *n) {
  if (g->nnodes >= IR_MAX_NODES)
    ir_user_error((SrcLoc){.file = g->loc.file},
                  "the graph grows past %d nodes (the limit) at batch %d and %d steps; use fewer --steps",
                  IR_MAX_NODES, g->cfg.batch, g->cfg.steps);
  if (ir_numel(n->shape) > IR_MAX_ELEMENTS) {
    char shape[64];
    ir_user_error(g->loc, "a tensor of shape %s has %ld elements, more than the limit of %ld",
                  shape_text(n->shape, shape, sizeof shape), ir_numel(n->shape), (long)IR_MAX_ELEMENTS);
  }
}

Node *ir_try_node(Graph *g, OpKind op, int nin, Node *const *in, const Attr *attr) {
  const OpInfo *info = &ir_ops[op];
  if (info->arity >= 0 && nin != info->arity)
    die("op %s takes %d inputs, got %d", info->name, info->arity, nin);
  if (info->arity < 0 && nin < 1) die("op %s needs at least one input", info->name);
  Node *n = ir_alloc(g, sizeof *n);
  n->op = op;
  n->nin = nin;
  n->in = ir_alloc(g, (size_t)(nin ? nin : 1) * sizeof *n->in);
  for (int i = 0; i < nin; i++) {
    n->in[i] = in[i];
    n->seq |= in[i]->seq;
  }
  if (attr) n->attr = *attr;
  n->loc = g->loc;
  n->dtype = g->cfg.dtype;
  const char *err = info->shape(n);
  if (err) {
    snprintf(g->err, sizeof g->err, "%s", err);
    return NULL;
  }
  if (n->seq && join_loops(g, n)) return NULL;
  check_sizes(g, n);
  n->id = g->nnodes;
  PUSH(g, g->nodes, g->nnodes, g->capnodes, n);
  return n;
}

Node *ir_node(Graph *g, OpKind op, int nin, Node *const *in, const Attr *attr) {
  Node *n = ir_try_node(g, op, nin, in, attr);
  if (!n) die("%s: %s", ir_ops[op].name, g->err);
  return n;
}

Node *ir_unary(Graph *g, OpKind op, Node *a) { return ir_node(g, op, 1, &a, NULL); }

Node *ir_binary(Graph *g, OpKind op, Node *a, Node *b) {
  Node *in[2] = {a, b};
  return ir_node(g, op, 2, in, NULL);
}

Node *ir_const(Graph *g, double value, Shape shape, DType dt) {
  Attr at = {.value = value, .shape = shape};
  Node *n = ir_node(g, OP_CONST, 0, NULL, &at);
  n->dtype = dt;
  return n;
}

Node *ir_scalar(Graph *g, double value, DType dt) { return ir_const(g, value, ir_shape(0), dt); }

Node *ir_matmul(Graph *g, Node *a, Node *b, bool ta, bool tb) {
  Node *in[2] = {a, b};
  Attr at = {.ta = ta, .tb = tb};
  return ir_node(g, OP_MATMUL, 2, in, &at);
}

Node *ir_shaped(Graph *g, OpKind op, Node *a, Shape s) {
  Attr at = {.shape = s};
  return ir_node(g, op, 1, &a, &at);
}

Node *ir_slice(Graph *g, OpKind op, Node *a, int axis, int start, int len) {
  Attr at = {.axis = axis, .start = start, .len = len};
  return ir_node(g, op, 1, &a, &at);
}

Node *ir_param(Graph *g, const char *name, Shape s, Init init, bool trainable) {
  Attr at = {.name = ir_strdup(g, name), .init = init, .trainable = trainable, .shape = s};
  Node *n = ir_node(g, OP_PARAM, 0, NULL, &at);
  PUSH(g, g->params, g->nparams, g->capparams, n);
  return n;
}

Node *ir_input(Graph *g, const char *name, Shape s, DType dt) {
  Attr at = {.name = ir_strdup(g, name), .shape = s};
  Node *n = ir_node(g, OP_INPUT, 0, NULL, &at);
  n->dtype = dt;
  PUSH(g, g->inputs, g->ninputs, g->capinputs, n);
  return n;
}

void ir_add_result(Graph *g, Role role, const char *name, Node *n) {
  Result r = {role, ir_strdup(g, name), n};
  PUSH(g, g->results, g->nresults, g->capresults, r);
}

Node *ir_find_result(const Graph *g, Role role, const char *name) {
  for (int i = 0; i < g->nresults; i++)
    if (g->results[i].role == role && !strcmp(g->results[i].name, name)) return g->results[i].node;
  return NULL;
}

Node *ir_find_param(const Graph *g, const char *name) {
  for (int i = 0; i < g->nparams; i++)
    if (!strcmp(g->params[i]->attr.name, name)) return g->params[i];
  return NULL;
}

void ir_add_layer(Graph *g, Layer layer) { PUSH(g, g->layers, g->nlayers, g->caplayers, layer); }

OpKind ir_op_by_name(const char *name) {
  for (int op = 0; op < OP_COUNT; op++)
    if (!strcmp(ir_ops[op].name, name)) return (OpKind)op;
  return OP_COUNT;
}

/* ---- shapes and dtypes ---- */

Shape ir_shape(int rank, ...) {
  Shape s = {.rank = rank};
  va_list ap;
  va_start(ap, rank);
  for (int i = 0; i < rank; i++) s.dim[i] = va_arg(ap, int);
  va_end(ap);
  return s;
}

bool ir_shape_eq(Shape a, Shape b) {
  if (a.rank != b.rank) return false;
  for (int i = 0; i < a.rank; i++)
    if (a.dim[i] != b.dim[i]) return false;
  return true;
}

long ir_numel(Shape s) {
  size_t n = 1;
  for (int i = 0; i < s.rank; i++) n = size_mul(n, s.dim[i] > 0 ? (size_t)s.dim[i] : 0);
  return n > LONG_MAX ? LONG_MAX : (long)n; /* saturated: past every limit */
}

static const char *shape_text(Shape s, char *buf, size_t len) {
  int k = snprintf(buf, len, "[");
  for (int i = 0; i < s.rank; i++) k += snprintf(buf + k, len - (size_t)k, "%s%d", i ? ", " : "", s.dim[i]);
  snprintf(buf + k, len - (size_t)k, "]");
  return buf;
}

void ir_contiguous_strides(Shape s, long stride[static IR_MAXDIM]) {
  long st = 1;
  for (int i = s.rank - 1; i >= 0; i--) {
    stride[i] = st;
    st *= s.dim[i];
  }
}

bool ir_is_contiguous(Shape s, const long *stride) {
  long want[IR_MAXDIM];
  ir_contiguous_strides(s, want);
  for (int i = 0; i < s.rank; i++)
    if (s.dim[i] > 1 && stride[i] != want[i]) return false;
  return true;
}

void ir_broadcast_strides(Shape from, const long *from_stride, Shape to, long to_stride[static IR_MAXDIM]) {
  int lead = to.rank - from.rank;
  for (int i = to.rank - 1; i >= 0; i--) { /* downwards: reads only axes not yet written */
    int k = i - lead;
    to_stride[i] = k < 0 || from.dim[k] == 1 ? 0 : from_stride[k];
  }
}

const char *ir_shape_str(Graph *g, Shape s) {
  char buf[64];
  return ir_strdup(g, shape_text(s, buf, sizeof buf));
}

size_t ir_dtype_size(DType dt) { return dt == DT_F64 ? 8 : 4; }

const char *ir_dtype_name(DType dt) {
  static const char *names[] = {"f32", "f64", "i32"};
  return names[dt];
}

bool ir_is_float(DType dt) { return dt != DT_I32; }

/* ---- diagnostics ---- */

_Noreturn void ir_die(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "rnnc: internal error at %s:%d: ", file, line);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(70);
}

int ir_errorf(char *err, size_t errlen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static void show_formatted(const char *fmt, va_list ap) {
  char msg[4096];
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  ir_show(stderr, msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

_Noreturn void ir_user_error(SrcLoc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (loc.file && loc.line > 0)
    fprintf(stderr, "%s:%d: error: ", loc.file, loc.line);
  else if (loc.file)
    fprintf(stderr, "%s: error: ", loc.file);
  else
    fprintf(stderr, "rnnc: error: ");
  show_formatted(fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

void ir_report(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("rnnc: error: ", stderr);
  show_formatted(fmt, ap);
  va_end(ap);
}

void ir_show(void *file, const char *s, size_t len) {
  FILE *f = file;
  for (size_t k = 0; k < len; k++) {
    unsigned char c = (unsigned char)s[k];
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) fprintf(f, "\\%03d", c);
    else fputc(c, f);
  }
}

/* ---- printing ---- */

/* The Attr fields an op's attrs column (ops.def) may name, and how each shows. */
typedef enum { SHOW_NAME, SHOW_REAL, SHOW_FLAG, SHOW_INT, SHOW_LONG } Show;
static const struct {
  const char *field;
  Show show;
  size_t offset;
} shown_attrs[] = {
    {"name", SHOW_NAME, offsetof(Attr, name)}, {"value", SHOW_REAL, offsetof(Attr, value)},
    {"ta", SHOW_FLAG, offsetof(Attr, ta)},     {"tb", SHOW_FLAG, offsetof(Attr, tb)},
    {"axis", SHOW_INT, offsetof(Attr, axis)},  {"start", SHOW_INT, offsetof(Attr, start)},
    {"len", SHOW_INT, offsetof(Attr, len)},    {"stream", SHOW_LONG, offsetof(Attr, stream)},
};

/* One item of the attrs column: `field`, or `label=field` (label non-NULL). */
static void print_attr(FILE *f, const Attr *a, const char *label, const char *field) {
  size_t i = 0, count = sizeof shown_attrs / sizeof *shown_attrs;
  while (i < count && strcmp(shown_attrs[i].field, field)) i++;
  if (i == count) die("ops.def shows '%s', which is no field of Attr", field);
  const void *at = (const char *)a + shown_attrs[i].offset;
  const char *key = label ? label : field;
  switch (shown_attrs[i].show) {
  case SHOW_NAME: fprintf(f, " '%s'", *(const char *const *)at); break;
  case SHOW_REAL: fprintf(f, " %s%s%g", label ? label : "", label ? "=" : "", *(const double *)at); break;
  case SHOW_FLAG:
    if (*(const bool *)at) fprintf(f, " %s", field);
    break;
  case SHOW_INT: fprintf(f, " %s=%d", key, *(const int *)at); break;
  case SHOW_LONG: fprintf(f, " %s=%ld", key, *(const long *)at); break;
  }
}

void ir_print_attrs(const Node *n, void *file) {
  FILE *f = file;
  for (const char *s = ir_ops[n->op].attrs; *s; s += strspn(s, " ")) {
    char item[32], *eq;
    size_t len = strcspn(s, " ");
    snprintf(item, sizeof item, "%.*s", (int)len, s);
    s += len;
    if ((eq = strchr(item, '='))) {
      *eq = '\0';
      print_attr(f, &n->attr, item, eq + 1);
    } else {
      print_attr(f, &n->attr, NULL, item);
    }
  }
}

void ir_json_string(void *file, const char *s) {
  FILE *f = file;
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

void ir_print(const Graph *g, void *file) {
  FILE *f = file;
  for (int i = 0; i < g->nnodes; i++) {
    const Node *n = g->nodes[i];
    fprintf(f, "%%%d = %s(", n->id, ir_ops[n->op].name);
    for (int k = 0; k < n->nin; k++) fprintf(f, "%s%%%d", k ? ", " : "", n->in[k]->id);
    fprintf(f, ")");
    ir_print_attrs(n, f);
    if (n->back) fprintf(f, " back=%%%d", n->back->id);
    fprintf(f, " [");
    for (int k = 0; k < n->shape.rank; k++) fprintf(f, "%s%d", k ? ", " : "", n->shape.dim[k]);
    fprintf(f, "] %s%s", ir_dtype_name(n->dtype), n->seq ? " seq" : "");
    if (n->loc.file) fprintf(f, "  %s:%d", n->loc.file, n->loc.line);
    fputc('\n', f);
  }
  for (int i = 0; i < g->nresults; i++) {
    static const char *roles[] = {"loss", "output", "metric", "grad", "update"};
    const Result *r = &g->results[i];
    fprintf(f, "%s '%s' = %%%d\n", roles[r->role], r->name, r->node->id);
  }
}
