/*
 * test_ops.c - the op kernels, the interpreter and every gradient rule.
 *
 * Each test is a tiny program: build a graph, run it in the interpreter and
 * compare with values written next to it.
 *   values     hand-computed outputs of the kernels, in f32 and f64;
 *   gradients  for every differentiable op (and each transpose of matmul,
 *              each broadcasting pattern of the binary ops): the loss
 *              sum(op(x) * R) goes through autodiff, simplify and schedule,
 *              and every grad.<x> entry must match the central difference
 *              in f64; a deliberately wrong gradient must be caught;
 *   dropout    masks are a function of (seed, stream), scaled by 1/(1-p);
 *   bad data   an id out of range is an error message, not a crash;
 *   files      bind_run_interp binds leaves by name and stores results.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "check.h"
#include "interp.h"
#include "passes.h"
#include "rnnc_rand.h"

static double get(DType dt, const void *buf, long i) {
  switch (dt) {
  case DT_F32: return ((const float *)buf)[i];
  case DT_F64: return ((const double *)buf)[i];
  default: return ((const int32_t *)buf)[i];
  }
}

static void put(DType dt, void *buf, long i, double v) {
  switch (dt) {
  case DT_F32: ((float *)buf)[i] = (float)v; break;
  case DT_F64: ((double *)buf)[i] = v; break;
  default: ((int32_t *)buf)[i] = (int32_t)v; break;
  }
}

static Shape S(int rank, int d0, int d1, int d2) { return ir_shape(rank, d0, d1, d2); }

/* ---- (a) kernel values ---- */

enum { MAXLEAVES = 8 };

/* A graph under construction with the values of its leaves. */
typedef struct {
  Graph *g;
  Node *leaf[MAXLEAVES];
  const double *val[MAXLEAVES];
  int n;
} Case;

static Case new_case(DType dt) {
  Case t = {.g = ir_graph_new()};
  t.g->cfg.dtype = dt;
  return t;
}

/* A float parameter (or, with dt == DT_I32, an id input) holding vals. */
static Node *leaf(Case *t, DType dt, Shape s, const double *vals) {
  const char *name = ir_fmt(t->g, "x%d", t->n);
  Node *x = dt == DT_I32 ? ir_input(t->g, name, s, DT_I32) : ir_param(t->g, name, s, (Init){0}, true);
  t->leaf[t->n] = x;
  t->val[t->n++] = vals;
  return x;
}
static Node *fl(Case *t, Shape s, const double *vals) { return leaf(t, t->g->cfg.dtype, s, vals); }
static Node *ids(Case *t, Shape s, const double *vals) { return leaf(t, DT_I32, s, vals); }

static Node *op1(Case *t, OpKind op, Node *a, Attr at) { return ir_node(t->g, op, 1, &a, &at); }
static Node *op2(Case *t, OpKind op, Node *a, Node *b, Attr at) {
  Node *in[2] = {a, b};
  return ir_node(t->g, op, 2, in, &at);
}

/* Runs the case's graph for output y and compares y with want; frees the case. */
static void expect(Case *t, int line, const char *what, Node *y, const double *want) {
  ir_add_result(t->g, ROLE_OUTPUT, "y", y);
  pass_schedule(t->g);
  Interp *it = interp_new(t->g, 1);
  for (int k = 0; k < t->n; k++)
    for (long i = 0; i < ir_numel(t->leaf[k]->shape); i++)
      put(t->leaf[k]->dtype, interp_leaf(it, t->leaf[k]), i, t->val[k][i]);
  char err[512];
  int rc = interp_exec(it, err, sizeof err);
  CHECK_AT(line, rc == 0, "%s: %s", what, rc ? err : "");
  double tol = t->g->cfg.dtype == DT_F32 ? 1e-6 : 1e-12;
  for (long i = 0; !rc && i < ir_numel(y->shape); i++) {
    double v = get(y->dtype, interp_value(it, y), i);
    CHECK_AT(line, fabs(v - want[i]) <= tol * fmax(1, fabs(want[i])), "%s (%s) element %ld: got %.9g, want %.9g",
             what, ir_dtype_name(t->g->cfg.dtype), i, v, want[i]);
  }
  interp_free(it);
  ir_graph_free(t->g);
}
#define EXPECT(t, what, y, ...) expect((t), __LINE__, (what), (y), (const double[]){__VA_ARGS__})
#define V(...) ((const double[]){__VA_ARGS__})

static const double M23[] = {1, 2, 3, 4, 5, 6}; /* [[1,2,3],[4,5,6]] */

static void test_elementwise(DType dt) {
  Case t;
  t = new_case(dt), EXPECT(&t, "neg", op1(&t, OP_NEG, fl(&t, S(1, 3, 0, 0), V(-1, .5, 2)), (Attr){0}), 1, -.5, -2);
  t = new_case(dt), EXPECT(&t, "exp", op1(&t, OP_EXP, fl(&t, S(1, 3, 0, 0), V(-1, .5, 2)), (Attr){0}),
                           0.36787944117144233, 1.6487212707001282, 7.38905609893065);
  t = new_case(dt), EXPECT(&t, "log", op1(&t, OP_LOG, fl(&t, S(1, 2, 0, 0), V(1, 2)), (Attr){0}), 0,
                           0.6931471805599453);
  t = new_case(dt), EXPECT(&t, "sqrt", op1(&t, OP_SQRT, fl(&t, S(1, 2, 0, 0), V(4, 2)), (Attr){0}), 2,
                           1.4142135623730951);
  t = new_case(dt), EXPECT(&t, "tanh", op1(&t, OP_TANH, fl(&t, S(1, 2, 0, 0), V(.5, -2)), (Attr){0}),
                           0.46211715726000974, -0.9640275800758169);
  t = new_case(dt), EXPECT(&t, "sigmoid", op1(&t, OP_SIGMOID, fl(&t, S(1, 3, 0, 0), V(-1, 0, 800)), (Attr){0}),
                           0.2689414213699951, 0.5, 1);
  t = new_case(dt), EXPECT(&t, "relu", op1(&t, OP_RELU, fl(&t, S(1, 3, 0, 0), V(-1, 0, 2)), (Attr){0}), 0, 0, 2);
  t = new_case(dt), EXPECT(&t, "step", op1(&t, OP_STEP, fl(&t, S(1, 3, 0, 0), V(-1, 0, 2)), (Attr){0}), 0, 0, 1);
  t = new_case(dt), EXPECT(&t, "stop_grad", op1(&t, OP_STOP_GRAD, fl(&t, S(0, 0, 0, 0), V(3)), (Attr){0}), 3);
  t = new_case(dt), EXPECT(&t, "const", ir_const(t.g, 2.5, S(1, 2, 0, 0), dt), 2.5, 2.5);
  t = new_case(dt);
  Node *in3[3] = {fl(&t, S(1, 2, 0, 0), V(1, 2)), fl(&t, S(1, 2, 0, 0), V(10, 20)), fl(&t, S(1, 2, 0, 0), V(100, 200))};
  EXPECT(&t, "addn", ir_node(t.g, OP_ADDN, 3, in3, NULL), 111, 222);
}

static void test_broadcasting(DType dt) {
  Case t;
  /* the fast paths: same shape, scalar, bias row; then column, outer, general */
  t = new_case(dt), EXPECT(&t, "add same", op2(&t, OP_ADD, fl(&t, S(2, 2, 3, 0), M23), fl(&t, S(2, 2, 3, 0), M23), (Attr){0}),
                           2, 4, 6, 8, 10, 12);
  t = new_case(dt), EXPECT(&t, "mul scalar", op2(&t, OP_MUL, fl(&t, S(2, 2, 3, 0), M23), fl(&t, S(0, 0, 0, 0), V(2)), (Attr){0}),
                           2, 4, 6, 8, 10, 12);
  t = new_case(dt), EXPECT(&t, "add bias row", op2(&t, OP_ADD, fl(&t, S(2, 2, 3, 0), M23), fl(&t, S(1, 3, 0, 0), V(10, 20, 30)), (Attr){0}),
                           11, 22, 33, 14, 25, 36);
  t = new_case(dt), EXPECT(&t, "sub row first", op2(&t, OP_SUB, fl(&t, S(1, 3, 0, 0), V(10, 20, 30)), fl(&t, S(2, 2, 3, 0), M23), (Attr){0}),
                           9, 18, 27, 6, 15, 24);
  t = new_case(dt), EXPECT(&t, "div column", op2(&t, OP_DIV, fl(&t, S(2, 2, 3, 0), M23), fl(&t, S(2, 2, 1, 0), V(1, 2)), (Attr){0}),
                           1, 2, 3, 2, 2.5, 3);
  t = new_case(dt), EXPECT(&t, "min outer", op2(&t, OP_MIN, fl(&t, S(2, 2, 1, 0), V(1, 5)), fl(&t, S(2, 1, 3, 0), V(0, 2, 9)), (Attr){0}),
                           0, 1, 1, 0, 2, 5);
  t = new_case(dt), EXPECT(&t, "pow scalar base", op2(&t, OP_POW, fl(&t, S(0, 0, 0, 0), V(2)), fl(&t, S(1, 3, 0, 0), V(0, 3, -1)), (Attr){0}),
                           1, 8, 0.5);
  t = new_case(dt), EXPECT(&t, "add strided [2,1,2]+[3,1]",
                           op2(&t, OP_ADD, fl(&t, S(3, 2, 1, 2), V(1, 2, 3, 4)), fl(&t, S(2, 3, 1, 0), V(10, 20, 30)), (Attr){0}),
                           11, 12, 21, 22, 31, 32, 13, 14, 23, 24, 33, 34);
  t = new_case(dt), EXPECT(&t, "broadcast_to row", op1(&t, OP_BROADCAST_TO, fl(&t, S(1, 3, 0, 0), V(1, 2, 3)), (Attr){.shape = S(2, 2, 3, 0)}),
                           1, 2, 3, 1, 2, 3);
  t = new_case(dt), EXPECT(&t, "broadcast_to column", op1(&t, OP_BROADCAST_TO, fl(&t, S(2, 2, 1, 0), V(1, 2)), (Attr){.shape = S(2, 2, 3, 0)}),
                           1, 1, 1, 2, 2, 2);
}

static void test_sum_to(DType dt) {
  static const double c8[] = {1, 2, 3, 4, 5, 6, 7, 8}; /* [2,2,2] */
  Case t;
  t = new_case(dt), EXPECT(&t, "transpose", op1(&t, OP_TRANSPOSE, fl(&t, S(2, 2, 3, 0), M23), (Attr){0}), 1, 4, 2, 5, 3, 6);
  t = new_case(dt), EXPECT(&t, "sum_to [1,3]", op1(&t, OP_SUM_TO, fl(&t, S(2, 2, 3, 0), M23), (Attr){.shape = S(2, 1, 3, 0)}), 5, 7, 9);
  t = new_case(dt), EXPECT(&t, "sum_to [3]", op1(&t, OP_SUM_TO, fl(&t, S(2, 2, 3, 0), M23), (Attr){.shape = S(1, 3, 0, 0)}), 5, 7, 9);
  t = new_case(dt), EXPECT(&t, "sum_to [2,1]", op1(&t, OP_SUM_TO, fl(&t, S(2, 2, 3, 0), M23), (Attr){.shape = S(2, 2, 1, 0)}), 6, 15);
  t = new_case(dt), EXPECT(&t, "sum_to []", op1(&t, OP_SUM_TO, fl(&t, S(2, 2, 3, 0), M23), (Attr){.shape = S(0, 0, 0, 0)}), 21);
  t = new_case(dt), EXPECT(&t, "sum_to [2,1] of [2,2,2]", op1(&t, OP_SUM_TO, fl(&t, S(3, 2, 2, 2), c8), (Attr){.shape = S(2, 2, 1, 0)}), 14, 22);
  t = new_case(dt), EXPECT(&t, "sum_to [2,1,2]", op1(&t, OP_SUM_TO, fl(&t, S(3, 2, 2, 2), c8), (Attr){.shape = S(3, 2, 1, 2)}), 4, 6, 12, 14);
}

static void test_matmul(DType dt) {
  /* A = [[1,2,3],[4,5,6]], B = [[7,8],[9,10],[11,12]]; A B = [[58,64],[139,154]] */
  static const double a[] = {1, 2, 3, 4, 5, 6}, at[] = {1, 4, 2, 5, 3, 6};
  static const double b[] = {7, 8, 9, 10, 11, 12}, bt[] = {7, 9, 11, 8, 10, 12};
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++) {
      Case t = new_case(dt);
      Node *x = ta ? fl(&t, S(2, 3, 2, 0), at) : fl(&t, S(2, 2, 3, 0), a);
      Node *y = tb ? fl(&t, S(2, 2, 3, 0), bt) : fl(&t, S(2, 3, 2, 0), b);
      EXPECT(&t, ta ? tb ? "matmul ta tb" : "matmul ta" : tb ? "matmul tb" : "matmul",
             ir_matmul(t.g, x, y, ta, tb), 58, 64, 139, 154);
    }
}

static void test_shape_ops(DType dt) {
  Case t;
  t = new_case(dt), EXPECT(&t, "reshape", op1(&t, OP_RESHAPE, fl(&t, S(2, 2, 3, 0), M23), (Attr){.shape = S(2, 3, 2, 0)}), 1, 2, 3, 4, 5, 6);
  t = new_case(dt), EXPECT(&t, "slice axis 1", op1(&t, OP_SLICE, fl(&t, S(2, 2, 3, 0), M23), (Attr){.axis = 1, .start = 1, .len = 2}),
                           2, 3, 5, 6);
  t = new_case(dt), EXPECT(&t, "slice axis 0", op1(&t, OP_SLICE, fl(&t, S(2, 2, 3, 0), M23), (Attr){.axis = 0, .start = 1, .len = 1}),
                           4, 5, 6);
  t = new_case(dt), EXPECT(&t, "pad axis 0", op1(&t, OP_PAD, fl(&t, S(2, 2, 3, 0), M23), (Attr){.axis = 0, .start = 1, .len = 4}),
                           0, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 0);
  t = new_case(dt), EXPECT(&t, "pad axis 1", op1(&t, OP_PAD, fl(&t, S(2, 2, 3, 0), M23), (Attr){.axis = 1, .start = 0, .len = 4}),
                           1, 2, 3, 0, 4, 5, 6, 0);
  t = new_case(dt), EXPECT(&t, "concat axis 1", op2(&t, OP_CONCAT, fl(&t, S(2, 2, 3, 0), M23), fl(&t, S(2, 2, 1, 0), V(7, 8)), (Attr){.axis = 1}),
                           1, 2, 3, 7, 4, 5, 6, 8);
  t = new_case(dt), EXPECT(&t, "concat axis 0", op2(&t, OP_CONCAT, fl(&t, S(2, 2, 3, 0), M23), fl(&t, S(2, 1, 3, 0), V(7, 8, 9)), (Attr){.axis = 0}),
                           1, 2, 3, 4, 5, 6, 7, 8, 9);
  t = new_case(dt), EXPECT(&t, "select axis 1", op1(&t, OP_SELECT, fl(&t, S(2, 2, 3, 0), M23), (Attr){.axis = 1, .start = 2}), 3, 6);
  t = new_case(dt), EXPECT(&t, "select axis 0", op1(&t, OP_SELECT, fl(&t, S(2, 2, 3, 0), M23), (Attr){.axis = 0, .start = 1}), 4, 5, 6);
  t = new_case(dt), EXPECT(&t, "stack axis 0", op2(&t, OP_STACK, fl(&t, S(1, 3, 0, 0), V(1, 2, 3)), fl(&t, S(1, 3, 0, 0), V(4, 5, 6)), (Attr){.axis = 0}),
                           1, 2, 3, 4, 5, 6);
  t = new_case(dt), EXPECT(&t, "stack axis 1", op2(&t, OP_STACK, fl(&t, S(1, 3, 0, 0), V(1, 2, 3)), fl(&t, S(1, 3, 0, 0), V(4, 5, 6)), (Attr){.axis = 1}),
                           1, 4, 2, 5, 3, 6);
}

static void test_softmax(DType dt) {
  /* rows [1,2,3], [1000,1001,1002] (shifted: same result, no overflow), [0,0,0] */
  static const double x[] = {1, 2, 3, 1000, 1001, 1002, 0, 0, 0};
  Case t = new_case(dt);
  EXPECT(&t, "softmax", op1(&t, OP_SOFTMAX, fl(&t, S(2, 3, 3, 0), x), (Attr){0}),
         0.09003057317038046, 0.24472847105479767, 0.6652409557748219,
         0.09003057317038046, 0.24472847105479767, 0.6652409557748219, 1 / 3.0, 1 / 3.0, 1 / 3.0);
  t = new_case(dt);
  EXPECT(&t, "log_softmax", op1(&t, OP_LOG_SOFTMAX, fl(&t, S(2, 3, 3, 0), x), (Attr){0}),
         -2.4076059644443806, -1.4076059644443804, -0.4076059644443803,
         -2.4076059644443806, -1.4076059644443804, -0.4076059644443803,
         -1.0986122886681098, -1.0986122886681098, -1.0986122886681098);
}

static void test_int_data(DType dt) {
  Case t;
  t = new_case(dt), EXPECT(&t, "one_hot", op1(&t, OP_ONE_HOT, ids(&t, S(1, 3, 0, 0), V(2, 0, 1)), (Attr){.len = 3}),
                           0, 0, 1, 1, 0, 0, 0, 1, 0);
  t = new_case(dt), EXPECT(&t, "gather", op2(&t, OP_GATHER, fl(&t, S(2, 3, 2, 0), M23), ids(&t, S(1, 3, 0, 0), V(2, 2, 0)), (Attr){0}),
                           5, 6, 5, 6, 1, 2);
  t = new_case(dt), EXPECT(&t, "scatter_add", op2(&t, OP_SCATTER_ADD, ids(&t, S(1, 3, 0, 0), V(2, 2, 0)), fl(&t, S(2, 3, 2, 0), M23), (Attr){.len = 4}),
                           5, 6, 0, 0, 4, 6, 0, 0);
  t = new_case(dt), EXPECT(&t, "argmax (first max wins)", op1(&t, OP_ARGMAX, fl(&t, S(2, 2, 3, 0), V(1, 3, 3, 5, 0, -1)), (Attr){0}), 1, 0);
  t = new_case(dt), EXPECT(&t, "equal", op2(&t, OP_EQUAL, ids(&t, S(1, 3, 0, 0), V(1, 2, 3)), ids(&t, S(1, 3, 0, 0), V(1, 0, 3)), (Attr){0}),
                           1, 0, 1);
}

/* ---- (b) finite-difference gradients ---- */

typedef enum {
  ANY,       /* U(-1, 1) */
  POSITIVE,  /* U(0.5, 2): bases of log, sqrt, pow; divisors */
  AWAY,      /* +-U(0.2, 1): away from relu's kink */
  GRID,      /* multiples of 0.2 ... */
  GRID_HALF, /* ... and those plus 0.1: min never meets a tie */
  IDS,       /* int32 ids in [0, bound) with repeats */
} Domain;

enum { MAXIN = 3 };

typedef struct {
  const char *name;
  OpKind op;
  Attr attr;
  int nin;
  Shape in[MAXIN];
  Domain dom[MAXIN];
} GradCase;

static double draw(Domain d, uint64_t stream, long i, int bound) {
  double u = rnnc_uniform(42, stream, (uint64_t)i);
  switch (d) {
  case POSITIVE: return 0.5 + 1.5 * u;
  case AWAY: return (i % 2 ? -1 : 1) * (0.2 + 0.8 * u);
  case GRID: return 0.2 * floor(u * 10 - 5);
  case GRID_HALF: return 0.2 * floor(u * 10 - 5) + 0.1;
  case IDS: return (double)((i * i) % bound);
  default: return 2 * u - 1;
  }
}

static bool grad_tested[OP_COUNT];

/* Builds loss = sum(op(x) * R) and differentiates it; x[k] are trainable
 * PARAMs (or id INPUTs), R a non-trainable PARAM. */
static Graph *grad_graph(const GradCase *c, Node **x) {
  Graph *g = ir_graph_new();
  g->cfg.dtype = DT_F64;
  for (int k = 0; k < c->nin; k++) {
    const char *name = ir_fmt(g, "x%d", k);
    x[k] = c->dom[k] == IDS ? ir_input(g, name, c->in[k], DT_I32)
                            : ir_param(g, name, c->in[k], (Init){0}, true);
  }
  Node *y = ir_node(g, c->op, c->nin, x, &c->attr);
  x[c->nin] = ir_param(g, "r", y->shape, (Init){0}, false);
  Node *loss = ir_shaped(g, OP_SUM_TO, ir_binary(g, OP_MUL, y, x[c->nin]), ir_shape(0));
  ir_add_result(g, ROLE_LOSS, "loss", loss);
  pass_autodiff(g);
  pass_simplify(g, interp_scalar, false);
  pass_schedule(g);
  return g;
}

static double run_loss(Interp *it, const Node *loss) {
  char err[512];
  if (interp_exec(it, err, sizeof err)) {
    fprintf(stderr, "test_ops: %s\n", err);
    exit(1);
  }
  return *(const double *)interp_value(it, loss);
}

/* The worst relative error |a-n| / max(|a|, |n|, 1e-3) of the analytic
 * gradient a[0..count) of the leaf values p against the central difference
 * of the loss; each a is first scaled by (1 + wrong) and shifted by wrong. */
static double fd_error(Interp *it, const Node *loss, double *p, const double *a, long count,
                       double wrong) {
  double worst = 0, h = 1e-6;
  for (long i = 0; i < count; i++) {
    double v = p[i];
    p[i] = v + h;
    double up = run_loss(it, loss);
    p[i] = v - h;
    double down = run_loss(it, loss);
    p[i] = v;
    double ai = a[i] * (1 + wrong) + wrong, num = (up - down) / (2 * h);
    double e = fabs(ai - num) / fmax(fmax(fabs(ai), fabs(num)), 1e-3);
    worst = isnan(e) || e > worst ? e : worst; /* a NaN must fail, not vanish in fmax */
  }
  return worst;
}

/* The worst error over every entry of every grad.<x> of case c. */
static double grad_error(const GradCase *c, double wrong) {
  Node *x[MAXIN + 1];
  Graph *g = grad_graph(c, x);
  Interp *it = interp_new(g, 1);
  int bound = c->op == OP_GATHER ? c->in[0].dim[0] : c->attr.len; /* of IDS */
  for (int k = 0; k <= c->nin; k++) {
    Domain d = k < c->nin ? c->dom[k] : ANY;
    for (long i = 0; i < ir_numel(x[k]->shape); i++)
      put(x[k]->dtype, interp_leaf(it, x[k]), i, draw(d, (uint64_t)k, i, bound));
  }
  const Node *loss = ir_find_result(g, ROLE_LOSS, "loss");
  run_loss(it, loss);
  /* copied before any perturbed run overwrites the result buffers */
  double *analytic[MAXIN] = {0}, worst = 0;
  for (int k = 0; k < c->nin; k++) {
    if (c->dom[k] == IDS) continue;
    size_t size = (size_t)ir_numel(x[k]->shape) * sizeof(double);
    const Node *gn = ir_find_result(g, ROLE_GRAD, ir_fmt(g, "grad.%s", x[k]->attr.name));
    analytic[k] = memcpy(malloc(size), interp_value(it, gn), size);
  }
  for (int k = 0; k < c->nin; k++) {
    if (!analytic[k]) continue;
    double err = fd_error(it, loss, interp_leaf(it, x[k]), analytic[k], ir_numel(x[k]->shape), wrong);
    worst = isnan(err) || err > worst ? err : worst;
    free(analytic[k]);
  }
  interp_free(it);
  ir_graph_free(g);
  return worst;
}

static void check_grad(const GradCase *c) {
  double err = grad_error(c, 0);
  CHECK(err < 1e-6, "gradient of %s: max rel err %.2e", c->name, err);
  grad_tested[c->op] = true;
}

#define SH(...) {__VA_ARGS__}

static const GradCase grad_cases[] = {
    {"neg", OP_NEG, {0}, 1, {SH(2, {3, 4})}, {ANY}},
    {"exp", OP_EXP, {0}, 1, {SH(2, {3, 4})}, {ANY}},
    {"log", OP_LOG, {0}, 1, {SH(2, {3, 4})}, {POSITIVE}},
    {"sqrt", OP_SQRT, {0}, 1, {SH(2, {3, 4})}, {POSITIVE}},
    {"tanh", OP_TANH, {0}, 1, {SH(2, {3, 4})}, {ANY}},
    {"sigmoid", OP_SIGMOID, {0}, 1, {SH(2, {3, 4})}, {ANY}},
    {"relu", OP_RELU, {0}, 1, {SH(2, {3, 4})}, {AWAY}},
    {"addn", OP_ADDN, {0}, 3, {SH(2, {3, 4}), SH(2, {3, 4}), SH(2, {3, 4})}, {ANY, ANY, ANY}},
    {"matmul", OP_MATMUL, {0}, 2, {SH(2, {3, 4}), SH(2, {4, 2})}, {ANY, ANY}},
    {"matmul ta", OP_MATMUL, {.ta = true}, 2, {SH(2, {4, 3}), SH(2, {4, 2})}, {ANY, ANY}},
    {"matmul tb", OP_MATMUL, {.tb = true}, 2, {SH(2, {3, 4}), SH(2, {2, 4})}, {ANY, ANY}},
    {"matmul ta tb", OP_MATMUL, {.ta = true, .tb = true}, 2, {SH(2, {4, 3}), SH(2, {2, 4})}, {ANY, ANY}},
    {"transpose", OP_TRANSPOSE, {0}, 1, {SH(2, {3, 4})}, {ANY}},
    {"sum_to [1,4]", OP_SUM_TO, {.shape = SH(2, {1, 4})}, 1, {SH(2, {3, 4})}, {ANY}},
    {"sum_to [3,1]", OP_SUM_TO, {.shape = SH(2, {3, 1})}, 1, {SH(2, {3, 4})}, {ANY}},
    {"sum_to []", OP_SUM_TO, {.shape = SH(0, {0})}, 1, {SH(2, {3, 4})}, {ANY}},
    {"sum_to [3,1] of [2,3,4]", OP_SUM_TO, {.shape = SH(2, {3, 1})}, 1, {SH(3, {2, 3, 4})}, {ANY}},
    {"broadcast_to row", OP_BROADCAST_TO, {.shape = SH(2, {3, 4})}, 1, {SH(1, {4})}, {ANY}},
    {"broadcast_to column", OP_BROADCAST_TO, {.shape = SH(2, {3, 4})}, 1, {SH(2, {3, 1})}, {ANY}},
    {"broadcast_to scalar", OP_BROADCAST_TO, {.shape = SH(3, {2, 3, 2})}, 1, {SH(0, {0})}, {ANY}},
    {"reshape", OP_RESHAPE, {.shape = SH(2, {2, 6})}, 1, {SH(2, {3, 4})}, {ANY}},
    {"slice axis 1", OP_SLICE, {.axis = 1, .start = 1, .len = 2}, 1, {SH(2, {3, 4})}, {ANY}},
    {"slice axis 0", OP_SLICE, {.axis = 0, .start = 2, .len = 1}, 1, {SH(2, {3, 4})}, {ANY}},
    {"pad axis 0", OP_PAD, {.axis = 0, .start = 1, .len = 5}, 1, {SH(2, {3, 4})}, {ANY}},
    {"pad axis 1", OP_PAD, {.axis = 1, .start = 2, .len = 7}, 1, {SH(2, {3, 4})}, {ANY}},
    {"concat axis 1", OP_CONCAT, {.axis = 1}, 2, {SH(2, {3, 2}), SH(2, {3, 4})}, {ANY, ANY}},
    {"concat axis 0", OP_CONCAT, {.axis = 0}, 3, {SH(2, {1, 4}), SH(2, {3, 4}), SH(2, {2, 4})}, {ANY, ANY, ANY}},
    {"select axis 1", OP_SELECT, {.axis = 1, .start = 2}, 1, {SH(3, {2, 4, 3})}, {ANY}},
    {"select axis 0", OP_SELECT, {.axis = 0, .start = 1}, 1, {SH(2, {3, 4})}, {ANY}},
    {"stack axis 0", OP_STACK, {.axis = 0}, 2, {SH(2, {3, 4}), SH(2, {3, 4})}, {ANY, ANY}},
    {"stack axis 2", OP_STACK, {.axis = 2}, 3, {SH(2, {3, 4}), SH(2, {3, 4}), SH(2, {3, 4})}, {ANY, ANY, ANY}},
    {"softmax", OP_SOFTMAX, {0}, 1, {SH(2, {3, 4})}, {ANY}},
    {"log_softmax", OP_LOG_SOFTMAX, {0}, 1, {SH(2, {3, 4})}, {ANY}},
    {"gather", OP_GATHER, {0}, 2, {SH(2, {5, 3}), SH(2, {2, 3})}, {ANY, IDS}},
    {"scatter_add", OP_SCATTER_ADD, {.len = 5}, 2, {SH(2, {2, 3}), SH(3, {2, 3, 4})}, {IDS, ANY}},
};

/* Each binary op against each broadcasting pattern. */
static void test_binary_grads(void) {
  static const struct { OpKind op; Domain a, b; } ops[] = {
      {OP_ADD, ANY, ANY}, {OP_SUB, ANY, ANY}, {OP_MUL, ANY, ANY},
      {OP_DIV, ANY, POSITIVE}, {OP_POW, POSITIVE, ANY}, {OP_MIN, GRID, GRID_HALF},
  };
  static const struct { const char *name; Shape a, b; } pats[] = {
      {"same", SH(2, {3, 4}), SH(2, {3, 4})},     {"bias row", SH(2, {3, 4}), SH(1, {4})},
      {"row first", SH(1, {4}), SH(2, {3, 4})},   {"column", SH(2, {3, 4}), SH(2, {3, 1})},
      {"scalar", SH(2, {3, 4}), SH(0, {0})},      {"scalar first", SH(0, {0}), SH(2, {3, 4})},
      {"outer", SH(2, {3, 1}), SH(2, {1, 4})},    {"strided", SH(3, {2, 1, 4}), SH(2, {3, 1})},
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    for (size_t j = 0; j < sizeof pats / sizeof pats[0]; j++) {
      char name[80];
      snprintf(name, sizeof name, "%s %s", ir_ops[ops[i].op].name, pats[j].name);
      GradCase c = {name, ops[i].op, {0}, 2, {pats[j].a, pats[j].b}, {ops[i].a, ops[i].b}};
      check_grad(&c);
    }
}

static void test_grads(void) {
  for (size_t i = 0; i < sizeof grad_cases / sizeof grad_cases[0]; i++) check_grad(&grad_cases[i]);
  test_binary_grads();
  for (int op = 0; op < OP_COUNT; op++)
    if (!(ir_ops[op].flags & (F_NODIFF | F_LEAF | F_TIME)))
      CHECK(grad_tested[op], "no gradient check for differentiable op %s", ir_ops[op].name);
  /* the check itself must be able to fail: a gradient off by 1e-4 is caught */
  GradCase wrong = {"matmul", OP_MATMUL, {0}, 2, {SH(2, {3, 4}), SH(2, {4, 2})}, {ANY, ANY}};
  double err = grad_error(&wrong, 1e-4);
  CHECK(err > 1e-6, "a wrong gradient passed the check (max rel err %.2e)", err);
}

/* ---- (c) dropout masks ---- */

/* The mask of a [40, 50] tensor with drop probability p. */
static float *dropout_mask(uint64_t seed, long stream, double p) {
  Graph *g = ir_graph_new();
  g->cfg.dtype = DT_F32;
  Node *x = ir_param(g, "x", S(2, 40, 50, 0), (Init){0}, true);
  Node *m = ir_node(g, OP_DROPOUT_MASK, 1, &x, &(Attr){.value = p, .stream = stream});
  ir_add_result(g, ROLE_OUTPUT, "mask", m);
  pass_schedule(g);
  Interp *it = interp_new(g, seed);
  char err[512];
  CHECK(interp_exec(it, err, sizeof err) == 0, "dropout mask: %s", err);
  float *out = malloc(2000 * sizeof *out);
  memcpy(out, interp_value(it, m), 2000 * sizeof *out);
  interp_free(it);
  ir_graph_free(g);
  return out;
}

static void test_dropout(void) {
  float *a = dropout_mask(7, 5, 0.3), *b = dropout_mask(7, 5, 0.3);
  float *other_seed = dropout_mask(8, 5, 0.3), *other_stream = dropout_mask(7, 6, 0.3);
  CHECK(!memcmp(a, b, 2000 * sizeof *a), "dropout: same seed and stream give different masks");
  CHECK(memcmp(a, other_seed, 2000 * sizeof *a), "dropout: another seed gives the same mask");
  CHECK(memcmp(a, other_stream, 2000 * sizeof *a), "dropout: another stream gives the same mask");
  int kept = 0, bad = 0;
  for (int i = 0; i < 2000; i++) {
    kept += a[i] != 0;
    bad += a[i] != 0 && a[i] != (float)(1 / 0.7);
  }
  CHECK(bad == 0, "dropout: %d kept elements are not scaled by 1/(1-p)", bad);
  CHECK(kept > 0.65 * 2000 && kept < 0.75 * 2000, "dropout: kept %d of 2000 with p = 0.3", kept);
  free(a), free(b), free(other_seed), free(other_stream);
}

/* ---- (d) bad data ---- */

static void expect_data_error(int line, OpKind op, Shape table, const double *idv, Attr at, const char *want) {
  Graph *g = ir_graph_new();
  g->cfg.dtype = DT_F64;
  g->loc = (SrcLoc){.file = "spec.lua", .line = 9};
  Node *labels = ir_input(g, "labels", S(1, 3, 0, 0), DT_I32), *y;
  if (op == OP_GATHER) {
    Node *in[2] = {ir_param(g, "table", table, (Init){0}, true), labels};
    y = ir_node(g, op, 2, in, &at);
  } else {
    y = ir_node(g, op, 1, &labels, &at);
  }
  ir_add_result(g, ROLE_OUTPUT, "y", y);
  pass_schedule(g);
  Interp *it = interp_new(g, 1);
  for (int i = 0; i < 3; i++) ((int32_t *)interp_leaf(it, labels))[i] = (int32_t)idv[i];
  char err[512] = "";
  int rc = interp_exec(it, err, sizeof err);
  CHECK_AT(line, rc == -1, "%s of bad ids returned %d", ir_ops[op].name, rc);
  CHECK_AT(line, !strcmp(err, want), "message\n  got:  %s\n  want: %s", err, want);
  interp_free(it);
  ir_graph_free(g);
}

static void test_bad_data(void) {
  expect_data_error(__LINE__, OP_ONE_HOT, S(0, 0, 0, 0), V(1, 7, 2), (Attr){.len = 4},
                    "spec.lua:9: one_hot: id 7 at element 1 of input 'labels' is out of range [0, 4)");
  expect_data_error(__LINE__, OP_GATHER, S(2, 5, 2, 0), V(0, 4, -1), (Attr){0},
                    "spec.lua:9: gather: id -1 at element 2 of input 'labels' is out of range [0, 5)");
}

/* ---- (e) bind_run_interp: leaves bound from files, results stored by name ---- */

static void test_run(void) {
  Graph *g = ir_graph_new();
  g->cfg.dtype = DT_F64;
  Node *w = ir_param(g, "lin.weight", S(2, 2, 2, 0), (Init){0}, true);
  Node *x = ir_input(g, "x", S(2, 1, 2, 0), DT_F64);
  ir_add_result(g, ROLE_OUTPUT, "y", ir_matmul(g, x, w, false, true));
  pass_schedule(g);
  StFile wf, xf, out;
  st_init(&wf), st_init(&xf), st_init(&out);
  st_add(&wf, "lin.weight", ST_F32, 2, (const int64_t[]){2, 2}, (const float[]){1, 2, 3, 4});
  st_add(&xf, "x", ST_F64, 2, (const int64_t[]){1, 2}, (const double[]){10, 100});
  char err[512] = "";
  int rc = bind_run_interp(g, &wf, &xf, 1, &out, err, sizeof err);
  CHECK(rc == 0, "bind_run_interp: %s", err);
  const StTensor *y = st_find(&out, "y");
  CHECK(y && y->dtype == ST_F64 && st_numel(y) == 2, "bind_run_interp: no [1, 2] f64 result 'y'");
  if (y) CHECK(((double *)y->data)[0] == 210 && ((double *)y->data)[1] == 430, "bind_run_interp: wrong y");
  rc = bind_run_interp(g, &xf, &xf, 1, &out, err, sizeof err);
  CHECK(rc == -1 && strstr(err, "lin.weight") && strstr(err, "is missing"),
        "bind_run_interp with a missing weight: rc %d, message '%s'", rc, err);
  st_free(&wf), st_free(&xf), st_free(&out);
  ir_graph_free(g);
}

int main(void) {
  check_keep_going = true; /* each check is a value of its own: report them all */
  for (DType dt = DT_F32; dt <= DT_F64; dt++) {
    test_elementwise(dt);
    test_broadcasting(dt);
    test_sum_to(dt);
    test_matmul(dt);
    test_shape_ops(dt);
    test_softmax(dt);
    test_int_data(dt);
  }
  test_grads();
  test_dropout();
  test_bad_data();
  test_run();
  return check_done("test_ops");
}
