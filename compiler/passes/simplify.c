/*
 * simplify.c - constant folding, algebraic identities, common subexpressions.
 *
 * requires: backward or later (STOP_GRAD is dropped: its job is done;
 * unless keep_stop_grad, for gradcheck's finite differences, which hold
 * each STOP_GRAD's value, as the gradient does).
 * produces: the same stage; replaced nodes become dead (pass_schedule drops
 * them).
 *
 * One forward sweep in topological order.  Each node first has its inputs
 * redirected to their replacements, then may itself be replaced:
 *   - an elementwise op on constant fills is folded to a fill, computed by
 *     the caller's ScalarEval (the pipeline passes the interpreter's kernels
 *     run on scalars), so folding and running can never disagree;
 *   - x+0, x-0 (x broadcast if 0 is wider), x*1, x/1, -(-x), single-input addn, shape ops that do not
 *     change the shape, and broadcast/sum of a fill become simpler nodes;
 *   - zeros propagate: x*0, a matmul with a zero operand, a slice or pad of
 *     zeros are zeros, and addn drops zero terms.  The zero initial state
 *     of every recurrence makes these common at step 0 (and in its
 *     gradient).  x*0 = 0 ignores x = inf/nan, as every optimising compiler
 *     of this kind does;
 *   - a sum of pads into disjoint places (a split's gradient) is a concat;
 *     a sum of transposes is the transpose of the sum;
 *   - a product with one_hot(ids, V) is a gather or a scatter_add of rows by
 *     id: of its R*V*N multiply-adds all but R*N are by zero (a character
 *     model's input projection, and the weight gradient BPTT makes of it).
 *     Out-of-range ids give zero rows in one_hot and gather and are skipped by
 *     scatter_add, so the values are the same;
 *   - a node equal to an earlier one (same op, inputs and attributes) is
 *     replaced by it; random masks are never merged.
 * Results are redirected last.
 */
#include "passes.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool is_fill(const Node *n, double v) { return n && n->op == OP_CONST && n->attr.value == v; }

/* Folds an elementwise op whose inputs are all fills. */
static Node *fold(Graph *g, Node *n, ScalarEval *eval) {
  if (!(ir_ops[n->op].flags & F_EWISE) || n->nin > 2) return NULL;
  double operand[2];
  for (int k = 0; k < n->nin; k++) {
    if (n->in[k]->op != OP_CONST) return NULL;
    operand[k] = n->in[k]->attr.value;
  }
  return ir_const(g, eval(n, operand), n->shape, n->dtype);
}

static Node *zeros_like(Graph *g, const Node *n) { return ir_const(g, 0, n->shape, n->dtype); }

/* addn without its zero terms (NULL: nothing to drop). */
static Node *drop_zero_terms(Graph *g, Node *n) {
  int k = 0;
  for (int i = 0; i < n->nin; i++) k += !is_fill(n->in[i], 0);
  if (k == n->nin) return NULL;
  if (k == 0) return zeros_like(g, n);
  Node **kept = mem_alloc((size_t)k, sizeof *kept, "the terms of a sum");
  k = 0;
  for (int i = 0; i < n->nin; i++)
    if (!is_fill(n->in[i], 0)) kept[k++] = n->in[i];
  Node *y = k == 1 ? kept[0] : ir_node(g, OP_ADDN, k, kept, NULL);
  free(kept);
  return y;
}

/* addn of pads of one axis into disjoint places (the gradient of a split:
 * one pad per gate) -> concat of the pieces, with zeros in the gaps: one
 * write of the result instead of a zero-filled copy per term and their sum.
 * NULL when n is not such a sum. */
static int by_start(const void *a, const void *b) {
  int x = (*(Node *const *)a)->attr.start, y = (*(Node *const *)b)->attr.start;
  return (x > y) - (x < y);
}

static Node *pads_to_concat(Graph *g, Node *n) {
  int m = n->nin, axis = n->in[0]->attr.axis;
  for (int i = 0; i < m; i++)
    if (n->in[i]->op != OP_PAD || n->in[i]->attr.axis != axis) return NULL;
  Node **pad = mem_alloc((size_t)m, sizeof *pad, "the terms of a sum");
  Node **piece = mem_alloc(2 * (size_t)m + 1, sizeof *piece, "the pieces of a concat");
  memcpy(pad, n->in, (size_t)m * sizeof *pad);
  qsort(pad, (size_t)m, sizeof *pad, by_start);
  int np = 0, at = 0;
  for (int i = 0; i <= m && np >= 0; i++) {
    int start = i < m ? pad[i]->attr.start : n->shape.dim[axis];
    if (start < at) np = -1; /* overlapping terms add up */
    else if (start > at) {
      Shape gap = n->shape;
      gap.dim[axis] = start - at;
      piece[np++] = ir_const(g, 0, gap, n->dtype);
    }
    if (np >= 0 && i < m) piece[np++] = pad[i]->in[0], at = start + pad[i]->in[0]->shape.dim[axis];
  }
  Node *y = np < 0 ? NULL : ir_node(g, OP_CONCAT, np, piece, &(Attr){.axis = axis});
  free(pad);
  free(piece);
  return y;
}

/* addn(transpose(x_1), ..., transpose(x_k)) -> transpose(addn(x_1, ..., x_k)):
 * one copy instead of k (NULL when some term is not a transpose). */
static Node *transposes_to_transpose(Graph *g, Node *n) {
  for (int i = 0; i < n->nin; i++)
    if (n->in[i]->op != OP_TRANSPOSE) return NULL;
  Node **inner = mem_alloc((size_t)n->nin, sizeof *inner, "the terms of a sum");
  for (int i = 0; i < n->nin; i++) inner[i] = n->in[i]->in[0];
  Node *y = ir_unary(g, OP_TRANSPOSE, ir_node(g, OP_ADDN, n->nin, inner, NULL));
  free(inner);
  return y;
}

static Node *scatter_add(Graph *g, Node *ids, Node *rows, int depth) {
  Node *in[2] = {ids, rows};
  Attr at = {.len = depth};
  return ir_node(g, OP_SCATTER_ADD, 2, in, &at);
}

static Node *transposed(Graph *g, Node *x, bool t) { return t ? ir_unary(g, OP_TRANSPOSE, x) : x; }

/* matmul(a, b) ta tb with a one-hot operand O = one_hot(ids) [R, V]:
 *   O  W  = gather(W, ids)                  (rows of W by id)
 *   O^T W = scatter_add(ids, W)             (rows of W added at their ids)
 *   W^T O = (O^T W)^T
 * NULL for anything else (a product with O^T on the right). */
static Node *one_hot_product(Graph *g, Node *n) {
  Node *a = n->in[0], *b = n->in[1];
  bool ta = n->attr.ta, tb = n->attr.tb;
  if (a->op == OP_ONE_HOT) {
    Node *w = transposed(g, b, tb), *in[2] = {w, a->in[0]};
    return ta ? scatter_add(g, a->in[0], w, a->attr.len) : ir_node(g, OP_GATHER, 2, in, NULL);
  }
  if (b->op == OP_ONE_HOT && !tb)
    return ir_unary(g, OP_TRANSPOSE, scatter_add(g, b->in[0], transposed(g, a, !ta), b->attr.len));
  return NULL;
}

/* x as a value of n's shape: itself, or broadcast to it (a view). */
static Node *full(Graph *g, Node *x, const Node *n) {
  return ir_shape_eq(x->shape, n->shape) ? x : ir_shaped(g, OP_BROADCAST_TO, x, n->shape);
}

/* Returns a simpler node computing the same value, or NULL. */
static Node *identity(Graph *g, Node *n) {
  Node *a = n->nin > 0 ? n->in[0] : NULL, *b = n->nin > 1 ? n->in[1] : NULL;
  bool a_full = a && ir_shape_eq(a->shape, n->shape), b_full = b && ir_shape_eq(b->shape, n->shape);
  switch (n->op) {
  case OP_ADD:
    if (is_fill(b, 0)) return full(g, a, n);
    if (is_fill(a, 0)) return full(g, b, n);
    return NULL;
  case OP_SUB: return is_fill(b, 0) ? full(g, a, n) : NULL;
  case OP_MUL:
    if (is_fill(a, 0) || is_fill(b, 0)) return zeros_like(g, n);
    if (is_fill(b, 1) && a_full) return a;
    if (is_fill(a, 1) && b_full) return b;
    return NULL;
  case OP_MATMUL:
    return is_fill(a, 0) || is_fill(b, 0) ? zeros_like(g, n) : one_hot_product(g, n);
  case OP_SLICE:
  case OP_PAD:
    return is_fill(a, 0) || is_fill(b, 0) ? zeros_like(g, n) : NULL;
  case OP_DIV: return is_fill(b, 1) && a_full ? a : NULL;
  case OP_NEG: return a->op == OP_NEG ? a->in[0] : NULL;
  case OP_ADDN: {
    Node *y = n->nin == 1 ? a : drop_zero_terms(g, n);
    if (!y) y = pads_to_concat(g, n);
    return y ? y : transposes_to_transpose(g, n);
  }
  case OP_STOP_GRAD: return a;
  case OP_RESHAPE:
  case OP_BROADCAST_TO:
  case OP_SUM_TO:
    if (a_full) return a;
    if (a->op == OP_CONST && n->op != OP_SUM_TO) return ir_const(g, a->attr.value, n->shape, n->dtype);
    if (a->op == OP_CONST)
      return ir_const(g, a->attr.value * (double)(ir_numel(a->shape) / ir_numel(n->shape)), n->shape,
                      n->dtype);
    return NULL;
  default: return NULL;
  }
}

/* ---- common subexpressions ---- */

static bool same_attr(const Attr *a, const Attr *b) {
  return ((!a->name && !b->name) || (a->name && b->name && !strcmp(a->name, b->name))) &&
         a->value == b->value && ir_shape_eq(a->shape, b->shape) && a->axis == b->axis &&
         a->start == b->start && a->len == b->len && a->ta == b->ta && a->tb == b->tb &&
         a->stream == b->stream && a->trainable == b->trainable;
}

static bool same_node(const Node *a, const Node *b) {
  if (a->op != b->op || a->nin != b->nin || a->dtype != b->dtype || !ir_shape_eq(a->shape, b->shape))
    return false;
  for (int k = 0; k < a->nin; k++)
    if (a->in[k] != b->in[k]) return false;
  return same_attr(&a->attr, &b->attr);
}

static uint64_t hash_node(const Node *n) {
  uint64_t h = 1469598103934665603u ^ (uint64_t)n->op;
  for (int k = 0; k < n->nin; k++) h = (h ^ (uint64_t)n->in[k]->id) * 1099511628211u;
  uint64_t bits;
  memcpy(&bits, &n->attr.value, sizeof bits);
  h = (h ^ bits) * 1099511628211u;
  return (h ^ (uint64_t)(n->attr.axis * 31 + n->attr.start * 17 + n->attr.len)) * 1099511628211u;
}

typedef struct {
  Node **slot;
  size_t mask;
} Table;

/* addn is commutative: sorted inputs let equal sums meet in the table (the
 * gradients of bias_ih and bias_hh are one sum in two orders). */
static int by_id(const void *a, const void *b) {
  int x = (*(Node *const *)a)->id, y = (*(Node *const *)b)->id;
  return (x > y) - (x < y);
}

/* qsort: a weight's gradient sums one term per step. */
static void sort_terms(Node *n) { qsort(n->in, (size_t)n->nin, sizeof *n->in, by_id); }

/* The earlier node equal to n, or n itself after recording it. */
static Node *intern(Table *t, Node *n) {
  if (n->op == OP_PARAM || n->op == OP_INPUT || (ir_ops[n->op].flags & F_RANDOM)) return n;
  for (size_t i = hash_node(n) & t->mask;; i = (i + 1) & t->mask) {
    if (!t->slot[i]) return t->slot[i] = n;
    if (same_node(t->slot[i], n)) return t->slot[i];
  }
}

void pass_simplify(Graph *g, ScalarEval *eval, bool keep_stop_grad) {
  int n = g->nnodes;
  size_t cap = 16;
  while (cap < 2 * (size_t)n + 2) cap *= 2;
  Table t = {mem_calloc(cap, sizeof(Node *), "the table of common subexpressions"), cap - 1};
  Node **repl = mem_calloc((size_t)n + 1, sizeof *repl, "the replacements of nodes");
  for (int i = 0; i < n; i++) {
    Node *x = g->nodes[i];
    for (int k = 0; k < x->nin; k++)
      if (x->in[k]->id < n && repl[x->in[k]->id]) x->in[k] = repl[x->in[k]->id];
    if (x->op == OP_ADDN) sort_terms(x);
    g->loc = x->loc;
    Node *y = fold(g, x, eval);
    if (!y && !(keep_stop_grad && x->op == OP_STOP_GRAD)) y = identity(g, x);
    if (y) y = intern(&t, y); /* a fresh fill may equal an earlier one */
    else y = intern(&t, x);
    if (y != x) repl[i] = y;
  }
  for (int i = 0; i < g->nresults; i++) {
    Node *r = g->results[i].node;
    if (r->id < n && repl[r->id]) g->results[i].node = repl[r->id];
  }
  free(t.slot);
  free(repl);
}
