/*
 * shape.c - the shape and dtype rule of every op.
 *
 * A rule reads the inputs and attributes of a node, writes n->shape and
 * n->dtype (and n->seq where the op changes it), and returns NULL or the text
 * of an error phrased for the user ("matmul: inner dimensions differ: ...").
 * ir_try_node runs the rule when a node is made, so the error points at the
 * spec line that made it.  pass_verify (passes/verify.c) re-runs every rule
 * on a finished graph: after a rewrite, a node whose shape changed is a
 * compiler bug.
 *
 * Elementwise ops broadcast like numpy: shapes align on the right; two dims
 * are compatible when equal or when one of them is 1; rank 0 is a scalar.
 */
#include "ir.h"

#include <stdarg.h>
#include <stdio.h>

static char errbuf[256];

static const char *fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, sizeof errbuf, fmt, ap);
  va_end(ap);
  return errbuf;
}

static const char *show(Shape s) {
  static char bufs[4][64];
  static int next;
  char *b = bufs[next++ % 4];
  int k = snprintf(b, 64, "[");
  for (int i = 0; i < s.rank; i++) k += snprintf(b + k, (size_t)(64 - k), "%s%d", i ? ", " : "", s.dim[i]);
  snprintf(b + k, (size_t)(64 - k), "]");
  return b;
}

static const char *need_float(const Node *n, int i) {
  if (ir_is_float(n->in[i]->dtype)) return NULL;
  return fail("%s: input %d holds integers (int32); use one_hot or an embedding for token ids",
              ir_ops[n->op].name, i + 1);
}

static const char *need_int(const Node *n, int i) {
  if (!ir_is_float(n->in[i]->dtype)) return NULL;
  return fail("%s: input %d must hold integer ids (int32), got %s", ir_ops[n->op].name, i + 1,
              ir_dtype_name(n->in[i]->dtype));
}

static const char *need_static(const Node *n, int i) {
  if (!n->in[i]->seq) return NULL;
  return fail("%s: input %d varies over time steps; expected a value without a time axis",
              ir_ops[n->op].name, i + 1);
}

/* Normalises a possibly negative axis; -1 if out of range. */
static int norm_axis(int axis, int rank) {
  if (axis < 0) axis += rank;
  return axis >= 0 && axis < rank ? axis : -1;
}

/* ---- leaves ---- */

static const char *leaf(Node *n) {
  for (int i = 0; i < n->attr.shape.rank; i++)
    if (n->attr.shape.dim[i] <= 0) return fail("%s: dimension %d is %d; dimensions must be positive",
                                               ir_ops[n->op].name, i + 1, n->attr.shape.dim[i]);
  n->shape = n->attr.shape;
  return NULL;
}

const char *shape_PARAM(Node *n) { return leaf(n); }
const char *shape_INPUT(Node *n) { return leaf(n); }
const char *shape_CONST(Node *n) { return leaf(n); }
const char *shape_DROPOUT_MASK(Node *n) {
  if (!(n->attr.value >= 0 && n->attr.value < 1))
    return fail("dropout: probability %g is outside [0, 1)", n->attr.value);
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  return need_float(n, 0);
}

/* ---- time ---- */

const char *shape_STATE(Node *n) {
  const char *e = need_static(n, 0);
  if (e) return fail("state: the initial value varies over time steps; it must be fixed "
                     "before the first step");
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  n->seq = true;
  return NULL;
}

/* The lengths of a sequence (in[k]): int32 [B], one per example. */
static const char *need_lengths(const Node *n, int k) {
  if (n->nin != k + 1) return n->nin > k + 1 ? fail("%s: at most %d inputs", ir_ops[n->op].name, k + 1) : NULL;
  const Node *len = n->in[k];
  if (len->seq || ir_is_float(len->dtype) || len->shape.rank != 1 || len->shape.dim[0] != n->in[0]->shape.dim[0])
    return fail("%s: the lengths must be int32 [%d] (one per example), got %s %s", ir_ops[n->op].name,
                n->in[0]->shape.dim[0], ir_dtype_name(len->dtype), show(len->shape));
  return NULL;
}

const char *shape_STEPS(Node *n) {
  const Node *x = n->in[0];
  if (x->seq) return fail("steps: input already varies over time steps");
  if (x->shape.rank < 2) return fail("steps: input %s has no time axis (expected [batch, steps, ...])",
                                     show(x->shape));
  if (need_lengths(n, 1)) return errbuf;
  n->shape.rank = x->shape.rank - 1;
  n->shape.dim[0] = x->shape.dim[0];
  for (int i = 2; i < x->shape.rank; i++) n->shape.dim[i - 1] = x->shape.dim[i];
  n->dtype = x->dtype;
  n->seq = true;
  return NULL;
}

static const char *from_time(Node *n) {
  if (!n->in[0]->seq)
    return fail("%s: input does not vary over time steps; nothing to reduce over time",
                ir_ops[n->op].name);
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  n->seq = false;
  return NULL;
}

const char *shape_LAST(Node *n) { return from_time(n); }
const char *shape_TIME_SUM(Node *n) { return need_float(n, 0) ? errbuf : from_time(n); }

const char *shape_TIME_STACK(Node *n) {
  const char *e = from_time(n);
  if (e) return e;
  Shape s = n->in[0]->shape;
  if (s.rank + 1 > IR_MAXDIM || s.rank < 1) return fail("time_stack: cannot stack %s over time", show(s));
  n->shape.rank = s.rank + 1;
  n->shape.dim[0] = s.dim[0];
  n->shape.dim[1] = n->attr.len;
  for (int i = 1; i < s.rank; i++) n->shape.dim[i + 1] = s.dim[i];
  return NULL;
}

const char *shape_REVERSE(Node *n) {
  if (!n->in[0]->seq)
    return fail("reverse: input does not vary over time steps; reverse reads a per-step value (a sequence, "
                "a recurrent layer's output with return_sequences) from its last step to its first");
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  return need_lengths(n, 1);
}

/* VALID and FINAL: a mask per step, [B, 1], of a loop of attr.len steps. */
static const char *step_mask(Node *n) {
  const Node *len = n->in[0];
  if (len->seq || ir_is_float(len->dtype) || len->shape.rank != 1)
    return fail("%s: the lengths must be int32 [batch], got %s %s", ir_ops[n->op].name, ir_dtype_name(len->dtype),
                show(len->shape));
  if (n->attr.len < 1) return fail("%s: %d steps", ir_ops[n->op].name, n->attr.len);
  n->shape = ir_shape(2, len->shape.dim[0], 1);
  n->seq = true;
  return NULL;
}

const char *shape_VALID(Node *n) { return step_mask(n); }
const char *shape_FINAL(Node *n) { return step_mask(n); }

const char *shape_TRUNCATE(Node *n) {
  if (!n->in[0]->seq) return fail("truncate: input does not vary over time steps");
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

/* ---- elementwise ---- */

static const char *unary(Node *n) {
  if (need_float(n, 0)) return errbuf;
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_NEG(Node *n) { return unary(n); }
const char *shape_EXP(Node *n) { return unary(n); }
const char *shape_LOG(Node *n) { return unary(n); }
const char *shape_SQRT(Node *n) { return unary(n); }
const char *shape_TANH(Node *n) { return unary(n); }
const char *shape_SIGMOID(Node *n) { return unary(n); }
const char *shape_RELU(Node *n) { return unary(n); }
const char *shape_STEP(Node *n) { return unary(n); }
const char *shape_STOP_GRAD(Node *n) { return unary(n); }

/* numpy broadcasting of a and b into *out; false if incompatible. */
static bool shape_broadcast(Shape a, Shape b, Shape *out) {
  int rank = a.rank > b.rank ? a.rank : b.rank;
  out->rank = rank;
  for (int i = 0; i < rank; i++) {
    int ia = a.rank - rank + i, ib = b.rank - rank + i;
    int da = ia >= 0 ? a.dim[ia] : 1, db = ib >= 0 ? b.dim[ib] : 1;
    if (da != db && da != 1 && db != 1) return false;
    out->dim[i] = da == 1 ? db : da;
  }
  return true;
}

static const char *binary(Node *n) {
  if (need_float(n, 0) || need_float(n, 1)) return errbuf;
  if (!shape_broadcast(n->in[0]->shape, n->in[1]->shape, &n->shape))
    return fail("%s: shapes %s and %s do not broadcast", ir_ops[n->op].name,
                show(n->in[0]->shape), show(n->in[1]->shape));
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_ADD(Node *n) { return binary(n); }
const char *shape_SUB(Node *n) { return binary(n); }
const char *shape_MUL(Node *n) { return binary(n); }
const char *shape_DIV(Node *n) { return binary(n); }
const char *shape_POW(Node *n) { return binary(n); }
const char *shape_MIN(Node *n) { return binary(n); }

const char *shape_ADDN(Node *n) {
  for (int i = 0; i < n->nin; i++) {
    if (need_float(n, i)) return errbuf;
    if (!ir_shape_eq(n->in[i]->shape, n->in[0]->shape))
      return fail("addn: input %d has shape %s, input 1 has %s", i + 1, show(n->in[i]->shape),
                  show(n->in[0]->shape));
  }
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

/* ---- linear algebra and shape ---- */

const char *shape_MATMUL(Node *n) {
  Shape a = n->in[0]->shape, b = n->in[1]->shape;
  if (need_float(n, 0) || need_float(n, 1)) return errbuf;
  if (a.rank != 2 || b.rank != 2)
    return fail("matmul: needs two matrices, got %s and %s", show(a), show(b));
  int m = n->attr.ta ? a.dim[1] : a.dim[0], ka = n->attr.ta ? a.dim[0] : a.dim[1];
  int kb = n->attr.tb ? b.dim[1] : b.dim[0], nn = n->attr.tb ? b.dim[0] : b.dim[1];
  if (ka != kb)
    return fail("matmul: inner dimensions differ: %s%s x %s%s (%d vs %d)", show(a),
                n->attr.ta ? "^T" : "", show(b), n->attr.tb ? "^T" : "", ka, kb);
  n->shape = ir_shape(2, m, nn);
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_TRANSPOSE(Node *n) {
  Shape s = n->in[0]->shape;
  if (s.rank != 2) return fail("transpose: needs a matrix, got %s", show(s));
  n->shape = ir_shape(2, s.dim[1], s.dim[0]);
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_SUM_TO(Node *n) {
  Shape x = n->in[0]->shape, t = n->attr.shape, b;
  if (need_float(n, 0)) return errbuf;
  if (!shape_broadcast(x, t, &b) || !ir_shape_eq(b, x))
    return fail("sum_to: cannot sum %s down to %s", show(x), show(t));
  n->shape = t;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_BROADCAST_TO(Node *n) {
  Shape x = n->in[0]->shape, t = n->attr.shape, b;
  if (!shape_broadcast(x, t, &b) || !ir_shape_eq(b, t))
    return fail("broadcast_to: cannot broadcast %s to %s", show(x), show(t));
  n->shape = t;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_RESHAPE(Node *n) {
  if (ir_numel(n->in[0]->shape) != ir_numel(n->attr.shape))
    return fail("reshape: %s and %s hold different numbers of elements", show(n->in[0]->shape),
                show(n->attr.shape));
  n->shape = n->attr.shape;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

static const char *slice_like(Node *n, bool pad) {
  Shape x = n->in[0]->shape;
  int ax = norm_axis(n->attr.axis, x.rank);
  if (ax < 0) return fail("%s: axis %d out of range for %s", ir_ops[n->op].name, n->attr.axis, show(x));
  n->attr.axis = ax;
  int outer = pad ? n->attr.len : x.dim[ax], inner = pad ? x.dim[ax] : n->attr.len;
  if (n->attr.start < 0 || inner <= 0 || n->attr.start + inner > outer)
    return fail("%s: range [%d, %d) does not fit axis %d of size %d", ir_ops[n->op].name,
                n->attr.start, n->attr.start + inner, ax, outer);
  n->shape = x;
  n->shape.dim[ax] = n->attr.len;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_SLICE(Node *n) { return slice_like(n, false); }
const char *shape_PAD(Node *n) { return slice_like(n, true); }

const char *shape_CONCAT(Node *n) {
  Shape s = n->in[0]->shape;
  int ax = norm_axis(n->attr.axis, s.rank);
  if (ax < 0) return fail("concat: axis %d out of range for %s", n->attr.axis, show(s));
  n->attr.axis = ax;
  int total = 0;
  for (int i = 0; i < n->nin; i++) {
    Shape t = n->in[i]->shape;
    t.dim[ax] = s.dim[ax];
    if (!ir_shape_eq(t, s) || n->in[i]->dtype != n->in[0]->dtype)
      return fail("concat: input %d has shape %s, which does not match %s outside axis %d", i + 1,
                  show(n->in[i]->shape), show(s), ax);
    total += n->in[i]->shape.dim[ax];
  }
  n->shape = s;
  n->shape.dim[ax] = total;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_SELECT(Node *n) {
  Shape x = n->in[0]->shape;
  int ax = norm_axis(n->attr.axis, x.rank);
  if (ax < 0 || n->attr.start < 0 || n->attr.start >= x.dim[ax])
    return fail("select: index %d on axis %d is out of range for %s", n->attr.start, n->attr.axis,
                show(x));
  n->attr.axis = ax;
  n->shape.rank = x.rank - 1;
  for (int i = 0, k = 0; i < x.rank; i++)
    if (i != ax) n->shape.dim[k++] = x.dim[i];
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_STACK(Node *n) {
  Shape s = n->in[0]->shape;
  int ax = norm_axis(n->attr.axis, s.rank + 1);
  if (ax < 0 || s.rank + 1 > IR_MAXDIM) return fail("stack: axis %d out of range", n->attr.axis);
  n->attr.axis = ax;
  for (int i = 0; i < n->nin; i++)
    if (!ir_shape_eq(n->in[i]->shape, s) || n->in[i]->dtype != n->in[0]->dtype)
      return fail("stack: input %d has shape %s, input 1 has %s", i + 1, show(n->in[i]->shape), show(s));
  n->shape.rank = s.rank + 1;
  for (int i = 0, k = 0; i < n->shape.rank; i++) n->shape.dim[i] = i == ax ? n->nin : s.dim[k++];
  n->dtype = n->in[0]->dtype;
  return NULL;
}

/* ---- softmax family ---- */

static const char *last_axis(Node *n) {
  if (need_float(n, 0)) return errbuf;
  if (n->in[0]->shape.rank < 1) return fail("%s: needs at least one axis", ir_ops[n->op].name);
  n->shape = n->in[0]->shape;
  n->dtype = n->in[0]->dtype;
  return NULL;
}

const char *shape_SOFTMAX(Node *n) { return last_axis(n); }
const char *shape_LOG_SOFTMAX(Node *n) { return last_axis(n); }

/* ---- integer data ---- */

static const char *append_axis(Node *n, Shape idx, int size) {
  if (idx.rank + 1 > IR_MAXDIM) return fail("%s: ids of shape %s have too many axes", ir_ops[n->op].name, show(idx));
  n->shape = idx;
  n->shape.dim[n->shape.rank++] = size;
  return NULL;
}

const char *shape_ONE_HOT(Node *n) {
  if (need_int(n, 0)) return errbuf;
  if (n->attr.len <= 0) return fail("one_hot: depth must be positive, got %d", n->attr.len);
  return append_axis(n, n->in[0]->shape, n->attr.len);
}

const char *shape_GATHER(Node *n) {
  Shape t = n->in[0]->shape;
  if (need_float(n, 0) || need_int(n, 1)) return errbuf;
  if (t.rank != 2) return fail("gather: the table must be a matrix [rows, width], got %s", show(t));
  n->dtype = n->in[0]->dtype;
  return append_axis(n, n->in[1]->shape, t.dim[1]);
}

const char *shape_SCATTER_ADD(Node *n) {
  Shape idx = n->in[0]->shape, src = n->in[1]->shape;
  if (need_int(n, 0) || need_float(n, 1)) return errbuf;
  Shape want;
  if (append_axis(n, idx, src.dim[src.rank - 1])) return errbuf;
  want = n->shape;
  if (!ir_shape_eq(want, src))
    return fail("scatter_add: values %s do not match ids %s", show(src), show(idx));
  n->shape = ir_shape(2, n->attr.len, src.dim[src.rank - 1]);
  n->dtype = n->in[1]->dtype;
  return NULL;
}

const char *shape_ARGMAX(Node *n) {
  Shape x = n->in[0]->shape;
  if (need_float(n, 0)) return errbuf;
  if (x.rank < 1) return fail("argmax: needs at least one axis");
  n->shape = x;
  n->shape.rank--;
  n->dtype = DT_I32;
  return NULL;
}

const char *shape_EQUAL(Node *n) {
  if (need_int(n, 0) || need_int(n, 1)) return errbuf;
  if (!ir_shape_eq(n->in[0]->shape, n->in[1]->shape))
    return fail("equal: shapes %s and %s differ", show(n->in[0]->shape), show(n->in[1]->shape));
  n->shape = n->in[0]->shape; /* dtype: the graph's float type, set by ir_try_node */
  return NULL;
}

int ir_id_range(const Node *n, const Node *x) {
  switch (n->op) {
  case OP_ONE_HOT:
  case OP_SCATTER_ADD: return n->in[0] == x ? n->attr.len : 0;
  case OP_GATHER: return n->in[1] == x ? n->in[0]->shape.dim[0] : 0;
  default: return 0;
  }
}
