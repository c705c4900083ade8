/*
 * autodiff.c - reverse-mode automatic differentiation, symbol to symbol.
 *
 * requires: unrolled, nodes in topological order with id == index.
 * produces: backward: a "grad.<param>" result for every trainable parameter.
 *
 * The pass walks the nodes from the loss back to the leaves.  Each node's
 * gradient is the sum (one ADDN) of the contributions its consumers made; the
 * op's grad rule (grad_* below, bound through ops.def) turns it into
 * contributions for its inputs by building ordinary graph nodes.  So the BPTT
 * graph is just more graph: the interpreter and the C emitter run it like any
 * other, and the gradient of a parameter shared by T steps is the ADDN of its
 * T contributions.  Only nodes that depend on a trainable parameter receive
 * gradients; ops flagged F_NODIFF stop the flow.
 */
#include "passes.h"

#include <stdlib.h>
#include <string.h>

/* Each op's gradient rule (grad_ID, defined below): fills dx[i], or leaves it
 * NULL where input i gets no gradient. */
typedef void GradRule(Graph *g, Node *n, Node *dy, Node **dx);
#define OP_RULE_TYPE GradRule
#define OP_RULE(id) grad_##id
#include "op_rules.h"

/* ---- helpers for the rules ---- */

static Node *mul(Graph *g, Node *a, Node *b) { return ir_binary(g, OP_MUL, a, b); }
static Node *sub(Graph *g, Node *a, Node *b) { return ir_binary(g, OP_SUB, a, b); }
static Node *div_(Graph *g, Node *a, Node *b) { return ir_binary(g, OP_DIV, a, b); }
static Node *scalar(Graph *g, Node *like, double v) { return ir_scalar(g, v, like->dtype); }

/* Sums a broadcast gradient back down to the shape of the input it came from. */
static Node *unbroadcast(Graph *g, Node *d, Node *x) {
  return ir_shape_eq(d->shape, x->shape) ? d : ir_shaped(g, OP_SUM_TO, d, x->shape);
}

/* x's shape with the last axis reduced to 1, for row-wise sums. */
static Shape rows(Node *x) {
  Shape s = x->shape;
  s.dim[s.rank - 1] = 1;
  return s;
}

/* ---- rules that add nothing ---- */

#define NO_GRAD(OPID)                                            \
  void grad_##OPID(Graph *g, Node *n, Node *dy, Node **dx) {   \
    (void)g, (void)n, (void)dy, (void)dx;                      \
  }
NO_GRAD(PARAM)
NO_GRAD(INPUT)
NO_GRAD(CONST)
NO_GRAD(DROPOUT_MASK)
NO_GRAD(STEP)
NO_GRAD(STOP_GRAD)
NO_GRAD(ONE_HOT)
NO_GRAD(ARGMAX)
NO_GRAD(EQUAL)

/* Time ops never reach autodiff: unroll replaced them. */
#define TIME_OP(OPID)                                                   \
  void grad_##OPID(Graph *g, Node *n, Node *dy, Node **dx) {          \
    (void)g, (void)dy, (void)dx;                                      \
    die("autodiff met time op %s (%%%d): unroll must run first", ir_ops[n->op].name, n->id); \
  }
TIME_OP(STATE)
TIME_OP(STEPS)
TIME_OP(LAST)
TIME_OP(TIME_SUM)
TIME_OP(TIME_STACK)
TIME_OP(TRUNCATE)
TIME_OP(REVERSE)
TIME_OP(VALID)
TIME_OP(FINAL)

/* ---- elementwise ---- */

void grad_NEG(Graph *g, Node *n, Node *dy, Node **dx) { (void)n, dx[0] = ir_unary(g, OP_NEG, dy); }
void grad_EXP(Graph *g, Node *n, Node *dy, Node **dx) { dx[0] = mul(g, dy, n); }
void grad_LOG(Graph *g, Node *n, Node *dy, Node **dx) { dx[0] = div_(g, dy, n->in[0]); }

void grad_SQRT(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = div_(g, mul(g, dy, scalar(g, n, 0.5)), n);
}

void grad_TANH(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = mul(g, dy, sub(g, scalar(g, n, 1), mul(g, n, n)));
}

void grad_SIGMOID(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = mul(g, dy, mul(g, n, sub(g, scalar(g, n, 1), n)));
}

void grad_RELU(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = mul(g, dy, ir_unary(g, OP_STEP, n->in[0]));
}

void grad_ADD(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = unbroadcast(g, dy, n->in[0]);
  dx[1] = unbroadcast(g, dy, n->in[1]);
}

void grad_SUB(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = unbroadcast(g, dy, n->in[0]);
  dx[1] = unbroadcast(g, ir_unary(g, OP_NEG, dy), n->in[1]);
}

void grad_MUL(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = unbroadcast(g, mul(g, dy, n->in[1]), n->in[0]);
  dx[1] = unbroadcast(g, mul(g, dy, n->in[0]), n->in[1]);
}

void grad_DIV(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *b = n->in[1];
  dx[0] = unbroadcast(g, div_(g, dy, b), n->in[0]);
  dx[1] = unbroadcast(g, ir_unary(g, OP_NEG, div_(g, mul(g, dy, n), b)), b);
}

void grad_POW(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *a = n->in[0], *b = n->in[1];
  Node *a_pow = ir_binary(g, OP_POW, a, sub(g, b, scalar(g, b, 1)));
  dx[0] = unbroadcast(g, mul(g, dy, mul(g, b, a_pow)), a);
  dx[1] = unbroadcast(g, mul(g, dy, mul(g, n, ir_unary(g, OP_LOG, a))), b);
}

/* d min(a, b): to a where a < b, to b where b < a; ties go to b. */
void grad_MIN(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *a = n->in[0], *b = n->in[1];
  Node *a_wins = ir_unary(g, OP_STEP, sub(g, b, a));
  dx[0] = unbroadcast(g, mul(g, dy, a_wins), a);
  dx[1] = unbroadcast(g, mul(g, dy, sub(g, scalar(g, a_wins, 1), a_wins)), b);
}

void grad_ADDN(Graph *g, Node *n, Node *dy, Node **dx) {
  (void)g;
  for (int i = 0; i < n->nin; i++) dx[i] = dy;
}

/* ---- linear algebra and shape ---- */

/* C = op(A) op(B) with op = optional transpose:
 *   dA = dC op(B)^T, laid out as A is;  dB = op(A)^T dC, laid out as B is. */
void grad_MATMUL(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *a = n->in[0], *b = n->in[1];
  bool ta = n->attr.ta, tb = n->attr.tb;
  dx[0] = ta ? ir_matmul(g, b, dy, tb, true) : ir_matmul(g, dy, b, false, !tb);
  dx[1] = tb ? ir_matmul(g, dy, a, true, ta) : ir_matmul(g, a, dy, !ta, false);
}

void grad_TRANSPOSE(Graph *g, Node *n, Node *dy, Node **dx) {
  (void)n;
  dx[0] = ir_unary(g, OP_TRANSPOSE, dy);
}

void grad_SUM_TO(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = ir_shaped(g, OP_BROADCAST_TO, dy, n->in[0]->shape);
}

void grad_BROADCAST_TO(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = ir_shaped(g, OP_SUM_TO, dy, n->in[0]->shape);
}

void grad_RESHAPE(Graph *g, Node *n, Node *dy, Node **dx) {
  dx[0] = ir_shaped(g, OP_RESHAPE, dy, n->in[0]->shape);
}

void grad_SLICE(Graph *g, Node *n, Node *dy, Node **dx) {
  int ax = n->attr.axis;
  dx[0] = ir_slice(g, OP_PAD, dy, ax, n->attr.start, n->in[0]->shape.dim[ax]);
}

void grad_PAD(Graph *g, Node *n, Node *dy, Node **dx) {
  int ax = n->attr.axis;
  dx[0] = ir_slice(g, OP_SLICE, dy, ax, n->attr.start, n->in[0]->shape.dim[ax]);
}

void grad_CONCAT(Graph *g, Node *n, Node *dy, Node **dx) {
  int ax = n->attr.axis, start = 0;
  for (int i = 0; i < n->nin; i++) {
    int len = n->in[i]->shape.dim[ax];
    dx[i] = ir_slice(g, OP_SLICE, dy, ax, start, len);
    start += len;
  }
}

/* A sequence read from a computed value (repeat_steps: an encoder's output)
 * sends each step's gradient back to its place on the time axis. */
void grad_SELECT(Graph *g, Node *n, Node *dy, Node **dx) {
  int ax = n->attr.axis;
  Shape one = n->in[0]->shape;
  one.dim[ax] = 1;
  dx[0] = ir_slice(g, OP_PAD, ir_shaped(g, OP_RESHAPE, dy, one), ax, n->attr.start, n->in[0]->shape.dim[ax]);
}

void grad_STACK(Graph *g, Node *n, Node *dy, Node **dx) {
  for (int i = 0; i < n->nin; i++) {
    Attr at = {.axis = n->attr.axis, .start = i};
    dx[i] = ir_node(g, OP_SELECT, 1, &dy, &at);
  }
}

/* ---- softmax family ---- */

/* y = softmax(x): dx = y * (dy - sum(dy * y)) row-wise. */
void grad_SOFTMAX(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *dot = ir_shaped(g, OP_SUM_TO, mul(g, dy, n), rows(n));
  dx[0] = mul(g, n, sub(g, dy, dot));
}

/* y = log_softmax(x): dx = dy - exp(y) * sum(dy) row-wise. */
void grad_LOG_SOFTMAX(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *total = ir_shaped(g, OP_SUM_TO, dy, rows(n));
  dx[0] = sub(g, dy, mul(g, ir_unary(g, OP_EXP, n), total));
}

/* ---- integer data ---- */

void grad_GATHER(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *in[2] = {n->in[1], dy};
  Attr at = {.len = n->in[0]->shape.dim[0]};
  dx[0] = ir_node(g, OP_SCATTER_ADD, 2, in, &at);
}

void grad_SCATTER_ADD(Graph *g, Node *n, Node *dy, Node **dx) {
  Node *in[2] = {dy, n->in[0]};
  dx[1] = ir_node(g, OP_GATHER, 2, in, NULL);
}

/* ---- the pass ---- */

typedef struct {
  Node **terms;
  int n, cap;
} Terms;

static void add_term(Terms *t, Node *d) {
  t->terms = mem_grow(t->terms, t->n, &t->cap, sizeof *t->terms, "the gradient terms of a node");
  t->terms[t->n++] = d;
}

static Node *total(Graph *g, Terms *t) {
  return t->n == 1 ? t->terms[0] : ir_node(g, OP_ADDN, t->n, t->terms, NULL);
}

/* needs[i]: node i depends on a trainable parameter through differentiable ops. */
static bool *find_needs(Graph *g, int n) {
  bool *needs = mem_calloc((size_t)n, sizeof *needs, "the nodes autodiff differentiates");
  for (int i = 0; i < n; i++) {
    Node *x = g->nodes[i];
    if (x->op == OP_PARAM) needs[i] = x->attr.trainable;
    else if (!(ir_ops[x->op].flags & F_NODIFF))
      for (int k = 0; k < x->nin; k++) needs[i] |= needs[x->in[k]->id];
  }
  return needs;
}

static void backprop(Graph *g, Node *x, Node *dy, const bool *needs, Terms *terms) {
  Node **dx = mem_calloc((size_t)x->nin, sizeof *dx, "the gradients of a node's inputs");
  g->loc = x->loc;
  op_rules[x->op](g, x, dy, dx);
  for (int k = 0; k < x->nin; k++) {
    Node *in = x->in[k];
    if (!dx[k] || !needs[in->id]) continue;
    if (!ir_shape_eq(dx[k]->shape, in->shape))
      die("grad rule of %s gives input %d shape %s, expected %s", ir_ops[x->op].name, k,
          ir_shape_str(g, dx[k]->shape), ir_shape_str(g, in->shape));
    add_term(&terms[in->id], dx[k]);
  }
  free(dx);
}

void pass_autodiff(Graph *g) {
  Node *loss = ir_find_result(g, ROLE_LOSS, "loss");
  if (!loss) die("autodiff: the graph has no loss");
  int n = g->nnodes;
  bool *needs = find_needs(g, n);
  Terms *terms = mem_calloc((size_t)n, sizeof *terms, "the gradient terms of every node");
  Node **grad = mem_calloc((size_t)n, sizeof *grad, "the gradients of every node");
  g->loc = loss->loc;
  add_term(&terms[loss->id], ir_const(g, 1, loss->shape, loss->dtype));
  for (int i = loss->id; i >= 0; i--) {
    Node *x = g->nodes[i];
    if (!terms[i].n || !needs[i]) continue;
    g->loc = x->loc;
    grad[i] = total(g, &terms[i]);
    if (x->op != OP_PARAM) backprop(g, x, grad[i], needs, terms);
  }
  for (int i = 0; i < g->nparams; i++) {
    Node *p = g->params[i];
    if (!p->attr.trainable) continue;
    g->loc = p->loc;
    Node *d = grad[p->id] ? grad[p->id] : ir_const(g, 0, p->shape, p->dtype);
    ir_add_result(g, ROLE_GRAD, ir_fmt(g, "grad.%s", p->attr.name), d);
  }
  for (int i = 0; i < n; i++) free(terms[i].terms);
  free(terms);
  free(grad);
  free(needs);
}
