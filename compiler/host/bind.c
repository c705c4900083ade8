/*
 * bind.c - moving tensors between safetensors files and graph buffers.
 *
 * bind_load enforces the file contract of bind.h in a fixed order: the
 * tensor exists (else the message lists a few names the file does have), its
 * shape is the node's, its dtype family matches (floats for float nodes,
 * I32/I64 for integer inputs), then element by element: floats are converted
 * to the node's dtype, integers are narrowed to int32 and checked against
 * [0, attr.max).  Every message starts "PATH: tensor 'NAME' " so the user
 * knows which file and entry to fix.  On error buf holds unspecified values.
 * bind_all_finite and its two companions find the NaN and infinities in
 * results, for the commands and training to refuse them.
 */
#include "alloc.h"
#include "bind.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

_Static_assert((int)IR_MAXDIM <= (int)ST_MAXDIM, "every IR shape must fit a safetensors shape");

enum { BIND_LIST_NAMES = 5 }; /* names shown when a tensor is missing */

typedef struct {
  const char *path, *name;
  char *err;
  size_t errlen;
} BindCtx;

/* "PATH: tensor 'NAME' msg"; returns -1. */
static int bind_fail(const BindCtx *c, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(c->err, c->errlen, "%s: tensor '%s' %s", c->path, c->name, msg);
  return -1;
}

static int bind_missing(const BindCtx *c, const StFile *f) {
  char names[300] = "";
  size_t k = 0;
  for (int i = 0; i < f->ntensors && i < BIND_LIST_NAMES && k < sizeof names; i++)
    k += (size_t)snprintf(names + k, sizeof names - k, "%s'%s'", i ? ", " : "", f->tensors[i].name);
  if (f->ntensors == 0) return bind_fail(c, "is missing (the file has no tensors)");
  if (f->ntensors <= BIND_LIST_NAMES) return bind_fail(c, "is missing (the file has %s)", names);
  return bind_fail(c, "is missing (the file has %s and %d more)", names,
                   f->ntensors - BIND_LIST_NAMES);
}

static void bind_dims(Shape s, int64_t *dims) {
  for (int i = 0; i < s.rank; i++) dims[i] = s.dim[i];
}

static int bind_check_shape(const BindCtx *c, const StTensor *t, Shape want) {
  int64_t dims[IR_MAXDIM];
  bind_dims(want, dims);
  bool same = t->rank == want.rank;
  for (int i = 0; same && i < t->rank; i++) same = t->shape[i] == dims[i];
  if (same) return 0;
  char have[160], need[160];
  return bind_fail(c, "has shape %s, but the model needs %s",
                   st_shape_str(have, sizeof have, t->rank, t->shape),
                   st_shape_str(need, sizeof need, want.rank, dims));
}

/* ---- floats ---- */

static int bind_floats(const BindCtx *c, const StTensor *t, DType dt, void *buf) {
  if (t->dtype != ST_F32 && t->dtype != ST_F64)
    return bind_fail(c, "is %s, but the model needs floats (F32 or F64)", st_dtype_name(t->dtype));
  int64_t n = st_numel(t);
  for (int64_t i = 0; i < n; i++) {
    double v = st_get(t, i);
    if (dt == DT_F32)
      ((float *)buf)[i] = (float)v;
    else
      ((double *)buf)[i] = v;
  }
  return 0;
}

/* ---- integer ids ---- */

/* Element `flat` of t as coordinates, e.g. "[2, 5]". */
static char *bind_coords(char *buf, size_t size, const StTensor *t, int64_t flat) {
  int64_t idx[ST_MAXDIM];
  for (int d = t->rank - 1; d >= 0; d--) {
    idx[d] = flat % t->shape[d];
    flat /= t->shape[d];
  }
  return st_shape_str(buf, size, t->rank, idx);
}

static int bind_bad_id(const BindCtx *c, const StTensor *t, int64_t i, int64_t v, const char *why) {
  char at[160];
  return bind_fail(c, "element %s is %" PRId64 ", %s", bind_coords(at, sizeof at, t, i), v, why);
}

static int bind_ints(const BindCtx *c, const StTensor *t, int max, int32_t *buf) {
  if (t->dtype != ST_I32 && t->dtype != ST_I64)
    return bind_fail(c, "is %s, but the model needs integer ids (I32 or I64)",
                     st_dtype_name(t->dtype));
  char range[64];
  snprintf(range, sizeof range, "outside [0, %d)", max);
  int64_t n = st_numel(t);
  for (int64_t i = 0; i < n; i++) {
    int64_t v = t->dtype == ST_I32 ? ((const int32_t *)t->data)[i] : ((const int64_t *)t->data)[i];
    if (v < INT32_MIN || v > INT32_MAX) return bind_bad_id(c, t, i, v, "outside the int32 range");
    if (max > 0 && (v < 0 || v >= max)) return bind_bad_id(c, t, i, v, range);
    buf[i] = (int32_t)v;
  }
  return 0;
}

/* ---- entry points ---- */

int bind_load(const StFile *f, const Node *leaf, void *buf, char *err,
              size_t errlen) {
  BindCtx c = {f->path ? f->path : "(tensors in memory)", leaf->attr.name, err, errlen};
  const StTensor *t = st_find(f, c.name);
  if (!t) return bind_missing(&c, f);
  if (bind_check_shape(&c, t, leaf->shape)) return -1;
  if (ir_is_float(leaf->dtype)) return bind_floats(&c, t, leaf->dtype, buf);
  return bind_ints(&c, t, leaf->attr.max, buf);
}

void bind_store(StFile *f, const char *name, const Node *n, const void *buf) {
  static const StDType st_of[] = {[DT_F32] = ST_F32, [DT_F64] = ST_F64, [DT_I32] = ST_I32};
  int64_t dims[IR_MAXDIM];
  bind_dims(n->shape, dims);
  if (!st_add(f, name, st_of[n->dtype], n->shape.rank, dims, buf)) {
    char what[300];
    snprintf(what, sizeof what, "tensor '%s'", name);
    mem_fail(size_mul((size_t)ir_numel(n->shape), ir_dtype_size(n->dtype)), what);
  }
}

/* Fills the leaves of `list` from file f. */
static int load_leaves(Interp *it, Node *const *list, int count, const StFile *f, char *err,
                       size_t errlen) {
  for (int i = 0; i < count; i++)
    if (bind_load(f, list[i], interp_leaf(it, list[i]), err, errlen)) return -1;
  return 0;
}

int bind_run_interp(const Graph *g, const StFile *weights, const StFile *inputs, uint64_t seed,
               StFile *out, char *err, size_t errlen) {
  Interp *it = interp_new(g, seed);
  int rc = load_leaves(it, g->params, g->nparams, weights, err, errlen);
  if (!rc) rc = load_leaves(it, g->inputs, g->ninputs, inputs, err, errlen);
  if (!rc) rc = interp_exec(it, err, errlen);
  for (int i = 0; !rc && i < g->nresults; i++) {
    const Result *r = &g->results[i];
    bind_store(out, r->name, r->node, interp_value(it, r->node));
  }
  interp_free(it);
  return rc;
}

/* ---- non-finite values ---- */

/* inf - inf and NaN - NaN are NaN, a finite x - x is 0: the sum of x - x is
 * NaN exactly when some x is not finite.  In 16 independent sums, which
 * compilers vectorize at -O2 (a test and branch per value they do not:
 * three times slower on fmnist_lstm's 1 MB of parameters and Adam state). */
#define DEF_ALL_FINITE(T)                                                                    \
  static bool all_finite_##T(const T *x, long n) {                                           \
    T sum[16] = {0}, total = 0;                                                              \
    long i = 0;                                                                              \
    for (; i + 16 <= n; i += 16)                                                             \
      for (int k = 0; k < 16; k++) sum[k] += x[i + k] - x[i + k];                            \
    for (; i < n; i++) total += x[i] - x[i];                                                 \
    for (int k = 0; k < 16; k++) total += sum[k];                                            \
    return total == 0;                                                                       \
  }
DEF_ALL_FINITE(float)
DEF_ALL_FINITE(double)

bool bind_all_finite(const void *buf, long n, DType dt) {
  return dt == DT_F64 ? all_finite_double(buf, n) : all_finite_float(buf, n);
}

static long bind_numel(const StTensor *t) {
  long n = 1;
  for (int i = 0; i < t->rank; i++) n *= (long)t->shape[i];
  return n;
}

static bool bind_tensor_finite(const StTensor *t) {
  if (t->dtype != ST_F32 && t->dtype != ST_F64) return true;
  return bind_all_finite(t->data, bind_numel(t), t->dtype == ST_F64 ? DT_F64 : DT_F32);
}

const StTensor *bind_find_nonfinite(const StFile *f) {
  for (int i = 0; i < f->ntensors; i++)
    if (!bind_tensor_finite(&f->tensors[i])) return &f->tensors[i];
  return NULL;
}

const char *bind_nonfinite_str(const StTensor *t, char *buf, size_t size) {
  long n = bind_numel(t), bad = 0, nans = 0;
  double seen = 0; /* the last non-finite value */
  for (long i = 0; i < n; i++) {
    double v = t->dtype == ST_F64 ? ((const double *)t->data)[i] : ((const float *)t->data)[i];
    if (!isfinite(v)) bad++, nans += isnan(v), seen = v;
  }
  if (n == 1) snprintf(buf, size, "%s is %s", t->name, isnan(seen) ? "NaN" : seen > 0 ? "inf" : "-inf");
  else
    snprintf(buf, size, "%s holds %s in %ld of %ld values", t->name,
             nans == bad ? "NaN" : nans ? "NaN and infinities" : "infinities", bad, n);
  return buf;
}
