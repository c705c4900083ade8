/*
 * interp.c - the reference interpreter: one kernel per op, one buffer per node.
 *
 * Leaves (filled by the caller through interp_leaf) have buffers of their
 * own from interp_new.  The first interp_exec lays out every other value in
 * one block by liveness (lay_out, placing with ir/freelist.c as generated
 * code's arena does): an intermediate's place is taken from the node that
 * makes it to its last consumer and then reused, a result's or a held
 * value's stays.  The block is allocated once and every run after the first
 * reuses it: a training or benchmark loop allocates nothing per run, and a
 * caller can change a leaf and run again.
 *
 * Kernels are written once for both float types: a DEF(T, S) macro body is
 * instantiated by FOR_FLOATS as name_f (float) and name_d (double), and
 * BY_DTYPE calls the instance matching a node's dtype.  <tgmath.h> makes
 * exp, log, ... resolve to the float or double function from T.  Pure data
 * movement (slices, concatenation, gathers) copies bytes and never needs T.
 *
 * Broadcasting: Runs lay up to two operands over a contiguous domain.
 * Axes of size 1 are dropped and neighbouring axes merged while every
 * operand stays contiguous across them, so the common cases become one long
 * loop with no index arithmetic: same shapes and a scalar operand collapse to
 * one run over all elements, a bias row to one run per row.  Whatever is left
 * is the general strided path: runs along the last axis (operand stride 0 or
 * 1), each started at offsets computed from the run's index.
 */
#include "alloc.h"
#include "freelist.h"
#include "interp.h"
#define RNNC_RAND_DROPOUT
#include "rnnc_rand.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

#define RNNC_MATH_EXP
#define RNNC_MATH_TANH
#define RNNC_MATH_TANH_CALL
#include "rnnc_math.h"

/* exp and tanh: in f32 rnnc_math.h's (vectorizable; generated code uses the
 * same, so the backends agree), in f64 libm's; the result keeps a's type, so
 * that an expression around it computes in the kernel's precision too. */
#define EXP_OF(a) _Generic((a), float: rnnc_expf, default: exp)(a)
#define TANH_OF(a) _Generic((a), float: rnnc_tanhf, default: tanh)(a)

/* Instantiates DEF(T, S) for each float type; S suffixes the names it defines. */
#define FOR_FLOATS(DEF) DEF(float, f) DEF(double, d)
/* Calls the instance of fn for float type dt. */
#define BY_DTYPE(dt, fn, ...) ((dt) == DT_F64 ? fn##_d(__VA_ARGS__) : fn##_f(__VA_ARGS__))

typedef void Kernel(InterpCtx *c, const Node *n, void *out, void *const *in);
#define OP_RULE_TYPE Kernel
#define OP_RULE(id) interp_##id
#include "op_rules.h"

#define KERNEL(ID) void interp_##ID(InterpCtx *c, const Node *n, void *out, void *const *in)

void interp_fail(InterpCtx *c, const Node *n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err, sizeof c->err, fmt, ap);
  va_end(ap);
  c->failed = n;
}

static size_t bytes(const Node *n) { return size_mul((size_t)ir_numel(n->shape), ir_dtype_size(n->dtype)); }

/* Element i of a buffer of elements of es bytes. */
static void *at(const void *buf, long i, size_t es) { return (char *)buf + (size_t)i * es; }

/* ---- kernels that never run ---- */

/* The caller fills PARAM and INPUT buffers; unroll removes the time ops. */
#define NEVER_RUN(ID, why)                                                                   \
  KERNEL(ID) {                                                                               \
    (void)c, (void)out, (void)in;                                                            \
    die("interpreter asked to run %s (node %%%d): %s", ir_ops[n->op].name, n->id, why);      \
  }
NEVER_RUN(PARAM, "leaves are filled by the caller")
NEVER_RUN(INPUT, "leaves are filled by the caller")
NEVER_RUN(STATE, "time ops exist only before unroll")
NEVER_RUN(STEPS, "time ops exist only before unroll")
NEVER_RUN(LAST, "time ops exist only before unroll")
NEVER_RUN(TIME_SUM, "time ops exist only before unroll")
NEVER_RUN(TIME_STACK, "time ops exist only before unroll")
NEVER_RUN(TRUNCATE, "time ops exist only before unroll")
NEVER_RUN(REVERSE, "time ops exist only before unroll")
NEVER_RUN(VALID, "time ops exist only before unroll")
NEVER_RUN(FINAL, "time ops exist only before unroll")

/* ---- fills ---- */

#define DEF_FILLS(T, S)                                                                      \
  static void fill_##S(T *o, long count, double v) {                                         \
    for (long i = 0; i < count; i++) o[i] = (T)v;                                            \
  }                                                                                          \
  static void dropout_##S(T *o, long count, uint64_t seed, long stream, double p) {          \
    for (long i = 0; i < count; i++)                                                         \
      o[i] = (T)rnnc_dropout_scale(seed, (uint64_t)stream, (uint64_t)i, p);                  \
  }
FOR_FLOATS(DEF_FILLS)

KERNEL(CONST) {
  (void)c, (void)in;
  BY_DTYPE(n->dtype, fill, out, ir_numel(n->shape), n->attr.value);
}

/* The mask depends only on (seed, stream, index): in[0] gives the shape. */
KERNEL(DROPOUT_MASK) {
  (void)in;
  BY_DTYPE(n->dtype, dropout, out, ir_numel(n->shape), c->seed, n->attr.stream, n->attr.value);
}

/* ---- broadcasting: runs ---- */

typedef struct {
  int rank;                  /* >= 1; runs go along the last axis */
  long dim[IR_MAXDIM];
  long stride[2][IR_MAXDIM]; /* per operand, in elements; 0 along a broadcast axis */
  long len, runs;            /* elements per run, number of runs */
} Runs;

/* Lays nops operands, each broadcastable to dom, over the contiguous domain dom. */
static Runs lay_runs(Shape dom, int nops, const Shape *ops) {
  long st[2][IR_MAXDIM];
  for (int k = 0; k < nops; k++) {
    ir_contiguous_strides(ops[k], st[k]);
    ir_broadcast_strides(ops[k], st[k], dom, st[k]);
  }
  Runs p = {0};
  for (int i = 0; i < dom.rank; i++) {
    if (dom.dim[i] == 1) continue;
    bool merge = p.rank > 0;
    for (int k = 0; k < nops && merge; k++)
      merge = p.stride[k][p.rank - 1] == st[k][i] * dom.dim[i];
    if (merge) {
      p.dim[p.rank - 1] *= dom.dim[i];
    } else {
      p.dim[p.rank++] = dom.dim[i];
    }
    for (int k = 0; k < nops; k++) p.stride[k][p.rank - 1] = st[k][i];
  }
  if (p.rank == 0) p.dim[p.rank++] = 1; /* a single element; strides 0 */
  p.len = p.dim[p.rank - 1];
  p.runs = ir_numel(dom) / p.len;
  return p;
}

/* Offsets of each operand at the start of run r. */
static void run_offsets(const Runs *p, int nops, long r, long off[2]) {
  off[0] = off[1] = 0;
  for (int i = p->rank - 2; i >= 0; i--) {
    long q = r % p->dim[i];
    r /= p->dim[i];
    for (int k = 0; k < nops; k++) off[k] += q * p->stride[k][i];
  }
}

/* ---- elementwise ---- */

/* y = f(x) over n elements. */
typedef void (*UnaryRun)(void *out, const void *x, long n);
/* out = f(x, y) over n elements; sx, sy are 1 (contiguous) or 0 (one repeated value). */
typedef void (*BinaryRun)(void *out, const void *x, long sx, const void *y, long sy, long n);

static void unary(const Node *n, void *out, void *const *in, UnaryRun run) {
  run(out, in[0], ir_numel(n->shape));
}

static void binary(const Node *n, void *out, void *const *in, BinaryRun run) {
  Shape ops[2] = {n->in[0]->shape, n->in[1]->shape};
  Runs p = lay_runs(n->shape, 2, ops);
  size_t es = ir_dtype_size(n->dtype);
  long sx = p.stride[0][p.rank - 1], sy = p.stride[1][p.rank - 1], off[2];
  for (long r = 0; r < p.runs; r++) {
    run_offsets(&p, 2, r, off);
    run(at(out, r * p.len, es), at(in[0], off[0], es), sx, at(in[1], off[1], es), sy, p.len);
  }
}

/* Each op's value from a (and b); a missing case is a link error for interp_ID.
 * A NaN goes through as in PyTorch: relu(NaN) and min(NaN, b) are NaN (and
 * argmax picks a NaN), so a NaN input cannot turn into a finite loss; step,
 * relu's derivative, is 0 at NaN like PyTorch's threshold_backward. */
#define UNARY_OPS(X)                                                                         \
  X(NEG, -a)                                                                                 \
  X(EXP, EXP_OF(a))                                                                             \
  X(LOG, log(a))                                                                             \
  X(SQRT, sqrt(a))                                                                           \
  X(TANH, TANH_OF(a))                                                                           \
  X(SIGMOID, 1 / (1 + EXP_OF(-a)))                                                              \
  X(RELU, a <= 0 ? 0 : a)                                                                    \
  X(STEP, a > 0 ? 1 : 0)                                                                     \
  X(STOP_GRAD, a)
#define BINARY_OPS(X)                                                                        \
  X(ADD, a + b)                                                                              \
  X(SUB, a - b)                                                                              \
  X(MUL, a * b)                                                                              \
  X(DIV, a / b)                                                                              \
  X(POW, pow(a, b))                                                                          \
  X(MIN, a < b || a != a ? a : b)

#define UNARY_RUN(T, S, ID, EXPR)                                                            \
  static void ID##_##S(void *out, const void *x, long n) {                                   \
    T *o = out;                                                                              \
    const T *xs = x;                                                                         \
    for (long i = 0; i < n; i++) {                                                           \
      T a = xs[i];                                                                           \
      o[i] = (T)(EXPR);                                                                      \
    }                                                                                        \
  }
#define UNARY_KERNEL(ID, EXPR)                                                               \
  UNARY_RUN(float, f, ID, EXPR)                                                              \
  UNARY_RUN(double, d, ID, EXPR)                                                             \
  KERNEL(ID) {                                                                               \
    (void)c;                                                                                 \
    unary(n, out, in, n->dtype == DT_F64 ? ID##_d : ID##_f);                                 \
  }
UNARY_OPS(UNARY_KERNEL)

/* Three loops so that each is a plain vectorizable loop (sx == sy == 0 only
 * happens for a single element). */
#define BINARY_RUN(T, S, ID, EXPR)                                                           \
  static void ID##_##S(void *out, const void *x, long sx, const void *y, long sy, long n) {  \
    T *o = out;                                                                              \
    const T *xs = x, *ys = y;                                                                \
    if (sx == sy) {                                                                          \
      for (long i = 0; i < n; i++) {                                                         \
        T a = xs[i], b = ys[i];                                                              \
        o[i] = (T)(EXPR);                                                                    \
      }                                                                                      \
    } else if (sx) {                                                                         \
      T b = ys[0];                                                                           \
      for (long i = 0; i < n; i++) {                                                         \
        T a = xs[i];                                                                         \
        o[i] = (T)(EXPR);                                                                    \
      }                                                                                      \
    } else {                                                                                 \
      T a = xs[0];                                                                           \
      for (long i = 0; i < n; i++) {                                                         \
        T b = ys[i];                                                                         \
        o[i] = (T)(EXPR);                                                                    \
      }                                                                                      \
    }                                                                                        \
  }
#define BINARY_KERNEL(ID, EXPR)                                                              \
  BINARY_RUN(float, f, ID, EXPR)                                                             \
  BINARY_RUN(double, d, ID, EXPR)                                                            \
  KERNEL(ID) {                                                                               \
    (void)c;                                                                                 \
    binary(n, out, in, n->dtype == DT_F64 ? ID##_d : ID##_f);                                \
  }
BINARY_OPS(BINARY_KERNEL)

#define DEF_ADDN(T, S)                                                                       \
  static void addn_##S(T *o, void *const *in, int nin, long count) {                         \
    memcpy(o, in[0], (size_t)count * sizeof(T));                                             \
    for (int k = 1; k < nin; k++) {                                                          \
      const T *x = in[k];                                                                    \
      for (long i = 0; i < count; i++) o[i] += x[i];                                         \
    }                                                                                        \
  }
FOR_FLOATS(DEF_ADDN)

KERNEL(ADDN) {
  (void)c;
  BY_DTYPE(n->dtype, addn, out, in, n->nin, ir_numel(n->shape));
}

/* ---- matrix product ---- */

/* The inner loops go in blocks of LANES elements, a fixed-size loop that
 * gcc turns into SIMD code even at -O2.  A dot product keeps LANES partial
 * sums: independent chains instead of one long chain of dependent adds. */
enum { LANES = 8 };

/* C[m,nn] = op(A) op(B), one row of C at a time.  Row i of op(A) is
 * contiguous, or (ta) gathered from column i of A into `col`, so that both
 * inner loops run over contiguous memory:
 *   tb = false  C[i,:] += A'[i,k] * B[k,:]    (i-k-j: a vectorizable axpy)
 *   tb = true   C[i,j]  = A'[i,:] . B[j,:]    (i-j-k: a dot of two rows) */
#define DEF_MATMUL(T, S)                                                                     \
  static T dot_##S(const T *x, const T *y, long k) {                                         \
    T lane[LANES] = {0}, total = 0;                                                          \
    long p = 0;                                                                              \
    for (; p + LANES <= k; p += LANES)                                                       \
      for (int q = 0; q < LANES; q++) lane[q] += x[p + q] * y[p + q];                        \
    for (; p < k; p++) total += x[p] * y[p];                                                 \
    for (int q = 0; q < LANES; q++) total += lane[q];                                        \
    return total;                                                                            \
  }                                                                                          \
  static void axpy_##S(T *restrict y, T a, const T *x, long n) {                             \
    long j = 0;                                                                              \
    for (; j + LANES <= n; j += LANES)                                                       \
      for (int q = 0; q < LANES; q++) y[j + q] += a * x[j + q];                              \
    for (; j < n; j++) y[j] += a * x[j];                                                     \
  }                                                                                          \
  static void matmul_##S(T *restrict cm, const T *a, const T *b, T *col, long m, long k,     \
                         long nn, bool ta, bool tb) {                                        \
    for (long i = 0; i < m; i++) {                                                           \
      const T *ai = a + i * k;                                                               \
      T *restrict ci = cm + i * nn;                                                          \
      if (ta) {                                                                              \
        for (long p = 0; p < k; p++) col[p] = a[p * m + i];                                  \
        ai = col;                                                                            \
      }                                                                                      \
      if (tb) {                                                                              \
        for (long j = 0; j < nn; j++) ci[j] = dot_##S(ai, b + j * k, k);                     \
        continue;                                                                            \
      }                                                                                      \
      for (long j = 0; j < nn; j++) ci[j] = 0;                                               \
      for (long p = 0; p < k; p++) axpy_##S(ci, ai[p], b + p * nn, nn);                      \
    }                                                                                        \
  }
FOR_FLOATS(DEF_MATMUL)

KERNEL(MATMUL) {
  (void)c;
  const Shape *as = &n->in[0]->shape;
  bool ta = n->attr.ta, tb = n->attr.tb;
  long m = n->shape.dim[0], nn = n->shape.dim[1], k = ta ? as->dim[0] : as->dim[1];
  BY_DTYPE(n->dtype, matmul, out, in[0], in[1], c->scratch, m, k, nn, ta, tb);
}

/* Element by element, in bytes: the same code for every dtype. */
KERNEL(TRANSPOSE) {
  (void)c;
  long rows = n->in[0]->shape.dim[0], cols = n->in[0]->shape.dim[1];
  size_t es = ir_dtype_size(n->dtype);
  for (long i = 0; i < rows; i++)
    for (long j = 0; j < cols; j++) memcpy(at(out, j * rows + i, es), at(in[0], i * cols + j, es), es);
}

/* ---- broadcast and reduce ---- */

#define DEF_SUM_RUN(T, S)                                                                    \
  static void sum_run_##S(T *t, long st, const T *x, long count) {                           \
    if (st) {                                                                                \
      for (long i = 0; i < count; i++) t[i] += x[i];                                         \
      return;                                                                                \
    }                                                                                        \
    T s = 0;                                                                                 \
    for (long i = 0; i < count; i++) s += x[i];                                              \
    t[0] += s;                                                                               \
  }
FOR_FLOATS(DEF_SUM_RUN)

/* Sums x over the axes where the target shape broadcasts: the domain is x,
 * the target the one (strided) operand. */
KERNEL(SUM_TO) {
  (void)c;
  Runs p = lay_runs(n->in[0]->shape, 1, &n->shape);
  size_t es = ir_dtype_size(n->dtype);
  long off[2];
  memset(out, 0, bytes(n));
  for (long r = 0; r < p.runs; r++) {
    run_offsets(&p, 1, r, off);
    BY_DTYPE(n->dtype, sum_run, at(out, off[0], es), p.stride[0][p.rank - 1],
             at(in[0], r * p.len, es), p.len);
  }
}

/* Any dtype: elements are copied as bytes. */
KERNEL(BROADCAST_TO) {
  (void)c;
  Runs p = lay_runs(n->shape, 1, &n->in[0]->shape);
  size_t es = ir_dtype_size(n->dtype);
  long off[2];
  for (long r = 0; r < p.runs; r++) {
    run_offsets(&p, 1, r, off);
    char *o = at(out, r * p.len, es), *x = at(in[0], off[0], es);
    if (p.stride[0][p.rank - 1]) {
      memcpy(o, x, (size_t)p.len * es);
    } else {
      for (long i = 0; i < p.len; i++) memcpy(at(o, i, es), x, es);
    }
  }
}

KERNEL(RESHAPE) {
  (void)c;
  memcpy(out, in[0], bytes(n));
}

/* ---- slices and joins: blocks of rows ---- */

/* Splits s at `axis` into [outer, s.dim[axis], inner] and returns outer;
 * *row is the size in bytes of `inner` elements of dtype dt. */
static long split(Shape s, int axis, DType dt, size_t *row) {
  long outer = 1, inner = 1;
  for (int i = 0; i < axis; i++) outer *= s.dim[i];
  for (int i = axis + 1; i < s.rank; i++) inner *= s.dim[i];
  *row = (size_t)inner * ir_dtype_size(dt);
  return outer;
}

/* For each of `outer` blocks: copies `len` rows of `row` bytes, starting at
 * row src_start of a source block of src_rows rows, to row dst_start of a
 * destination block of dst_rows rows. */
static void copy_rows(void *dst, long dst_rows, long dst_start, const void *src, long src_rows,
                      long src_start, long len, long outer, size_t row) {
  for (long o = 0; o < outer; o++)
    memcpy(at(dst, o * dst_rows + dst_start, row), at(src, o * src_rows + src_start, row),
           (size_t)len * row);
}

KERNEL(SLICE) {
  (void)c;
  size_t row;
  int ax = n->attr.axis;
  long outer = split(n->shape, ax, n->dtype, &row);
  copy_rows(out, n->attr.len, 0, in[0], n->in[0]->shape.dim[ax], n->attr.start, n->attr.len, outer,
            row);
}

KERNEL(PAD) {
  (void)c;
  size_t row;
  int ax = n->attr.axis, d = n->in[0]->shape.dim[ax];
  long outer = split(n->shape, ax, n->dtype, &row);
  memset(out, 0, bytes(n)); /* all-zero bytes are 0.0 and 0 */
  copy_rows(out, n->attr.len, n->attr.start, in[0], d, 0, d, outer, row);
}

KERNEL(CONCAT) {
  (void)c;
  size_t row;
  int ax = n->attr.axis, start = 0;
  long outer = split(n->shape, ax, n->dtype, &row);
  for (int k = 0; k < n->nin; k++) {
    int d = n->in[k]->shape.dim[ax];
    copy_rows(out, n->shape.dim[ax], start, in[k], d, 0, d, outer, row);
    start += d;
  }
}

KERNEL(SELECT) {
  (void)c;
  size_t row;
  const Shape *x = &n->in[0]->shape;
  long outer = split(*x, n->attr.axis, n->dtype, &row);
  copy_rows(out, 1, 0, in[0], x->dim[n->attr.axis], n->attr.start, 1, outer, row);
}

/* The output is [outer, nin, inner]: input k fills row k of every block. */
KERNEL(STACK) {
  (void)c;
  size_t row;
  long outer = split(n->shape, n->attr.axis, n->dtype, &row);
  for (int k = 0; k < n->nin; k++) copy_rows(out, n->nin, k, in[k], 1, 0, 1, outer, row);
}

/* ---- softmax family ---- */

/* Row by row over the last axis, shifted by the row's maximum so that exp
 * never overflows. */
#define DEF_SOFTMAX(T, S)                                                                    \
  static void softmax_##S(T *y, const T *x, long rows, long len, bool log_of) {              \
    for (long r = 0; r < rows; r++, x += len, y += len) {                                    \
      T mx = x[0], sum = 0;                                                                  \
      for (long j = 1; j < len; j++) mx = x[j] > mx ? x[j] : mx;                             \
      for (long j = 0; j < len; j++) sum += y[j] = EXP_OF(x[j] - mx);                           \
      T lse = log(sum), inv = 1 / sum;                                                       \
      for (long j = 0; j < len; j++) y[j] = log_of ? (x[j] - mx) - lse : y[j] * inv;         \
    }                                                                                        \
  }
FOR_FLOATS(DEF_SOFTMAX)

static void softmax(const Node *n, void *out, const void *x, bool log_of) {
  long len = n->shape.dim[n->shape.rank - 1];
  BY_DTYPE(n->dtype, softmax, out, x, ir_numel(n->shape) / len, len, log_of);
}

KERNEL(SOFTMAX) {
  (void)c;
  softmax(n, out, in[0], false);
}

KERNEL(LOG_SOFTMAX) {
  (void)c;
  softmax(n, out, in[0], true);
}

/* ---- integer data ---- */

/* Every id of `ids` (node idn) must lie in n's range (ir_id_range): reports
 * the first that does not, naming the input it came from. */
static bool ids_ok(InterpCtx *c, const Node *n, const Node *idn, const int32_t *ids) {
  int bound = ir_id_range(n, idn);
  long count = ir_numel(idn->shape);
  for (long i = 0; i < count; i++) {
    if (ids[i] >= 0 && ids[i] < bound) continue;
    char from[160] = "its ids";
    if (idn->op == OP_INPUT) snprintf(from, sizeof from, "input '%s'", idn->attr.name);
    interp_fail(c, n, "%s: id %d at element %ld of %s is out of range [0, %d)", ir_ops[n->op].name,
                (int)ids[i], i, from, bound);
    return false;
  }
  return true;
}

#define DEF_INT_DATA(T, S)                                                                   \
  static void one_hot_##S(T *o, const int32_t *ids, long count, int depth) {                 \
    memset(o, 0, (size_t)(count * depth) * sizeof(T));                                       \
    for (long i = 0; i < count; i++) o[i * depth + ids[i]] = 1;                              \
  }                                                                                          \
  static void scatter_add_##S(T *o, const int32_t *ids, const T *src, long count, long width, \
                              long rows) {                                                   \
    memset(o, 0, (size_t)(rows * width) * sizeof(T));                                        \
    for (long i = 0; i < count; i++, src += width) {                                         \
      T *dst = o + ids[i] * width;                                                           \
      for (long j = 0; j < width; j++) dst[j] += src[j];                                     \
    }                                                                                        \
  }                                                                                          \
  static void argmax_##S(int32_t *o, const T *x, long rows, long len) {                      \
    for (long r = 0; r < rows; r++, x += len) {                                              \
      int32_t best = 0;                                                                      \
      for (long j = 1; j < len; j++)                                                         \
        if (x[j] > x[best] || (x[j] != x[j] && x[best] == x[best])) best = (int32_t)j;        \
      o[r] = best;                                                                           \
    }                                                                                        \
  }                                                                                          \
  static void equal_##S(T *o, const int32_t *a, const int32_t *b, long count) {              \
    for (long i = 0; i < count; i++) o[i] = a[i] == b[i];                                    \
  }
FOR_FLOATS(DEF_INT_DATA)

KERNEL(ONE_HOT) {
  if (!ids_ok(c, n, n->in[0], in[0])) return;
  BY_DTYPE(n->dtype, one_hot, out, in[0], ir_numel(n->in[0]->shape), n->attr.len);
}

/* Any float dtype: rows of the table are copied as bytes. */
KERNEL(GATHER) {
  const Shape *t = &n->in[0]->shape;
  const int32_t *ids = in[1];
  if (!ids_ok(c, n, n->in[1], ids)) return;
  size_t row = (size_t)t->dim[1] * ir_dtype_size(n->dtype);
  long count = ir_numel(n->in[1]->shape);
  for (long i = 0; i < count; i++) memcpy(at(out, i, row), at(in[0], ids[i], row), row);
}

KERNEL(SCATTER_ADD) {
  if (!ids_ok(c, n, n->in[0], in[0])) return;
  BY_DTYPE(n->dtype, scatter_add, out, in[0], in[1], ir_numel(n->in[0]->shape), n->shape.dim[1],
           n->attr.len);
}

KERNEL(ARGMAX) {
  (void)c;
  const Shape *x = &n->in[0]->shape;
  long len = x->dim[x->rank - 1];
  BY_DTYPE(n->in[0]->dtype, argmax, out, in[0], ir_numel(*x) / len, len);
}

KERNEL(EQUAL) {
  (void)c;
  BY_DTYPE(n->dtype, equal, out, in[0], in[1], ir_numel(n->shape));
}

/* ---- the interpreter ---- */

struct Interp {
  const Graph *g;
  InterpCtx ctx;
  void **buf;  /* by node id: a leaf's own buffer; a computed node's place in `block` */
  void **scratch; /* by node id: where its kernel works (scratch_bytes), or NULL */
  bool *keep;  /* by node id: a leaf, a result or a held value: it stays across runs */
  unsigned char *hold; /* by node id: 0, HOLD_NEXT (compute, then keep) or HELD (not computed again) */
  void **args; /* the input buffers of the node being run */
  char *block; /* every computed node's value, laid out by the first run; NULL before it */
  size_t block_bytes;
};

static bool is_leaf(const Node *n) { return n->op == OP_PARAM || n->op == OP_INPUT; }

enum { HOLD_NEXT = 1, HELD };

/* The bytes n's kernel works in besides its output: a matrix product with a
 * transposed left operand gathers each row of it into one (matmul_S's col). */
static size_t scratch_bytes(const Node *n) {
  if (n->op != OP_MATMUL || !n->attr.ta) return 0;
  return size_mul((size_t)n->in[0]->shape.dim[0], ir_dtype_size(n->dtype));
}

Interp *interp_new(const Graph *g, uint64_t seed) {
  int n = g->nnodes, maxin = 1;
  Interp *it = mem_alloc(1, sizeof *it, "the interpreter");
  *it = (Interp){.g = g, .ctx = {.seed = seed}};
  it->buf = mem_calloc((size_t)n + 1, sizeof *it->buf, "the interpreter's buffers");
  it->scratch = mem_calloc((size_t)n + 1, sizeof *it->scratch, "the interpreter's buffers");
  it->keep = mem_calloc((size_t)n + 1, sizeof *it->keep, "the interpreter's buffers");
  it->hold = mem_calloc((size_t)n + 1, sizeof *it->hold, "the interpreter's buffers");
  for (int i = 0; i < n; i++) {
    const Node *x = g->nodes[i];
    if (x->id != i) die("interpreter needs a scheduled graph: node at %d has id %d", i, x->id);
    maxin = x->nin > maxin ? x->nin : maxin;
    for (int k = 0; k < x->nin; k++)
      if (x->in[k]->id >= i)
        die("interpreter: node %%%d reads %%%d, not computed before it", i, x->in[k]->id);
    if (is_leaf(x)) {
      it->keep[i] = true;
      it->buf[i] = mem_calloc_lines(1, bytes(x), "a parameter or input of the interpreter");
    }
  }
  for (int i = 0; i < g->nresults; i++) it->keep[g->results[i].node->id] = true;
  it->args = mem_alloc((size_t)maxin, sizeof *it->args, "the interpreter's arguments");
  return it;
}

/* Lays out every computed node's value (and its kernel's scratch) in one
 * block by liveness, as generated code's arena is (codegen/memplan.c): a
 * value lives from its node to its last consumer, a result to the end of
 * the run (the caller reads it before the next), a held value through
 * every run; the node's output is placed before its dying inputs are given
 * back, so no kernel writes over what it reads.  Once, on the first run:
 * every run after it reuses the block. */
static void lay_out(Interp *it) {
  const Graph *g = it->g;
  int n = g->nnodes;
  size_t *offset = mem_alloc((size_t)n + 1, sizeof *offset, "the interpreter's layout");
  size_t *scratch = mem_alloc((size_t)n + 1, sizeof *scratch, "the interpreter's layout");
  int *last = mem_alloc((size_t)n + 1, sizeof *last, "the interpreter's layout");
  for (int i = 0; i < n; i++) {
    last[i] = it->keep[i] ? n : i; /* i: never read, given back right after it is made */
    for (int k = 0; k < g->nodes[i]->nin; k++)
      if (!it->keep[g->nodes[i]->in[k]->id]) last[g->nodes[i]->in[k]->id] = i;
  }
  FreeList f = {0};
  for (int i = 0; i < n; i++) /* a held value lives from run to run: no node may borrow its place */
    if (it->hold[i]) offset[i] = freelist_take(&f, bytes(g->nodes[i]));
  for (int i = 0; i < n; i++) {
    const Node *x = g->nodes[i];
    if (is_leaf(x)) continue;
    if (!it->hold[i]) offset[i] = freelist_take(&f, bytes(x));
    size_t s = scratch_bytes(x);
    if (s) scratch[i] = freelist_take(&f, s);
    for (int k = 0; k <= x->nin; k++) {
      int id = k < x->nin ? x->in[k]->id : i;
      if (last[id] != i) continue;
      freelist_give_back(&f, offset[id], bytes(g->nodes[id]));
      last[id] = -1; /* x may read the same input twice */
    }
    if (s) freelist_give_back(&f, scratch[i], s);
  }
  freelist_free(&f);
  it->block_bytes = f.top;
  /* Filled with all-one bytes (NaN in either float type): a kernel that reads
   * part of its output before writing it finds NaN where no value lived yet
   * (and everywhere when every value is held and no place is reused, as
   * unit.interp runs it), not a plausible stale number. */
  it->block = mem_calloc_lines(1, f.top, "the interpreter's values");
  memset(it->block, 0xff, f.top);
  for (int i = 0; i < n; i++) {
    const Node *x = g->nodes[i];
    if (is_leaf(x)) continue;
    it->buf[i] = it->block + offset[i];
    if (scratch_bytes(x)) it->scratch[i] = it->block + scratch[i];
  }
  free(offset);
  free(scratch);
  free(last);
}

void interp_free(Interp *it) {
  if (!it) return;
  for (int i = 0; i < it->g->nnodes; i++)
    if (is_leaf(it->g->nodes[i])) free(it->buf[i]);
  free(it->block);
  free(it->buf);
  free(it->scratch);
  free(it->keep);
  free(it->hold);
  free(it->args);
  free(it);
}

/* n must be a node of the interpreter's graph. */
static int node_id(const Interp *it, const Node *n, const char *who) {
  if (n->id < 0 || n->id >= it->g->nnodes || it->g->nodes[n->id] != n)
    die("%s: node %%%d (%s) is not in the interpreter's graph", who, n->id, ir_ops[n->op].name);
  return n->id;
}

void *interp_leaf(Interp *it, const Node *leaf) {
  int id = node_id(it, leaf, "interp_leaf");
  if (!is_leaf(leaf))
    die("interp_leaf: node %%%d is a %s, not a param or input", id, ir_ops[leaf->op].name);
  return it->buf[id];
}

const void *interp_value(const Interp *it, const Node *n) {
  int id = node_id(it, n, "interp_value");
  if (!it->keep[id] || !it->buf[id])
    die("interp_value: node %%%d (%s) is not a leaf or a computed result", id, ir_ops[n->op].name);
  return it->buf[id];
}

size_t interp_block_bytes(const Interp *it) { return it->block ? it->block_bytes : 0; }

void interp_hold(Interp *it, const Node *n) {
  int id = node_id(it, n, "interp_hold");
  if (it->block) die("interp_hold: node %%%d held after the first run, which laid out the values", id);
  if (!is_leaf(n) && !it->hold[id]) it->hold[id] = HOLD_NEXT, it->keep[id] = true;
}

void interp_seed(Interp *it, uint64_t seed) { it->ctx.seed = seed; }

double interp_scalar(const Node *n, const double *operand) {
  union { double d; float f; } val[2], out;
  Node scalars[2], *scalar_in[2], one = *n;
  void *bufs[2];
  for (int k = 0; k < n->nin && k < 2; k++) {
    scalars[k] = *n->in[k];
    scalars[k].shape = ir_shape(0);
    scalar_in[k] = &scalars[k];
    if (n->dtype == DT_F64) val[k].d = operand[k];
    else val[k].f = (float)operand[k];
    bufs[k] = &val[k];
  }
  one.shape = ir_shape(0);
  one.in = scalar_in;
  InterpCtx ctx = {0};
  op_rules[n->op](&ctx, &one, &out, bufs);
  return n->dtype == DT_F64 ? out.d : out.f;
}

int interp_exec(Interp *it, char *err, size_t errlen) {
  const Graph *g = it->g;
  it->ctx.failed = NULL;
  if (!it->block) lay_out(it);
  for (int i = 0; i < g->nnodes; i++) {
    const Node *x = g->nodes[i];
    if (is_leaf(x) || it->hold[i] == HELD) continue;
    for (int k = 0; k < x->nin; k++) it->args[k] = it->buf[x->in[k]->id];
    it->ctx.scratch = it->scratch[i];
    op_rules[x->op](&it->ctx, x, it->buf[i], it->args);
    if (it->ctx.failed) {
      const SrcLoc *loc = &it->ctx.failed->loc;
      if (loc->file) snprintf(err, errlen, "%s:%d: %s", loc->file, loc->line, it->ctx.err);
      else snprintf(err, errlen, "%s", it->ctx.err);
      return -1;
    }
    if (it->hold[i]) it->hold[i] = HELD;
  }
  return 0;
}
