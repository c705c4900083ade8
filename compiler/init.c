/*
 * init.c - initial parameter values with PyTorch's distributions.
 *
 * Randomness comes only from rnnc_rand.h: a parameter's stream is the 64-bit
 * FNV-1a hash of its name, element i of a uniform draw uses index i and a
 * normal draw (Box-Muller) uses indices 2i and 2i+1, so a value depends only
 * on (seed, name, i).  Values are generated in double and stored in the
 * parameter's dtype.
 *
 * Orthogonal follows torch.nn.init.orthogonal_: a rows x cols normal matrix
 * (rows = shape[0], cols = the rest) is transposed if wide, factored A = QR by
 * Householder reflections (backward stable, so Q is orthonormal to rounding
 * even for badly conditioned draws), Q's columns are multiplied by
 * sign(diag(R)) to make the factorisation unique, Q is transposed back and
 * scaled by the gain.  Glorot is xavier_uniform_ with torch's fans.
 *
 * Sample inputs (init_input) draw the same way from their input's name:
 * floats N(0, 1), integer ids floor(u * bound).
 */
#include "init.h"

#include <math.h>
#include <stdlib.h>

#include "rnnc_rand.h"

#define INIT_TWO_PI 6.283185307179586476925

typedef struct {
  uint64_t seed, stream;
} InitRng;

static uint64_t init_fnv1a(const char *s) {
  uint64_t h = 0xcbf29ce484222325u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3u;
  return h;
}

static double init_uniform(const InitRng *r, uint64_t i) {
  return rnnc_uniform(r->seed, r->stream, i);
}

/* Standard normal number i: Box-Muller on uniforms 2i and 2i+1 (1 - u keeps log finite). */
static double init_normal(const InitRng *r, uint64_t i) {
  double u1 = init_uniform(r, 2 * i), u2 = init_uniform(r, 2 * i + 1);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(INIT_TWO_PI * u2);
}

static void init_fill_uniform(const InitRng *r, double lo, double hi, double *v, long n) {
  for (long i = 0; i < n; i++) v[i] = lo + (hi - lo) * init_uniform(r, (uint64_t)i);
}

static void init_fill_normal(const InitRng *r, double mean, double std, double *v, long n) {
  for (long i = 0; i < n; i++) v[i] = mean + std * init_normal(r, (uint64_t)i);
}

/* ---- orthogonal ---- */

static double *init_alloc(long n) {
  double *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
  if (!p) die("out of memory (%ld doubles)", n);
  return p;
}

/* dst (c x r) = src (r x c) transposed; row-major. */
static void init_transpose(const double *src, long r, long c, double *dst) {
  for (long i = 0; i < r; i++)
    for (long j = 0; j < c; j++) dst[j * r + i] = src[i * c + j];
}

/* Applies the reflection I - 2 v v^T / vv to columns [j0, n) of the m x n
 * matrix a, where v is nonzero in rows [k, m) only (stored in column k of vs). */
static void init_reflect(double *a, long m, long n, long j0, const double *vs, long k, double vv) {
  for (long j = j0; j < n; j++) {
    double s = 0;
    for (long i = k; i < m; i++) s += vs[i * n + k] * a[i * n + j];
    double f = 2.0 * s / vv;
    for (long i = k; i < m; i++) a[i * n + j] -= f * vs[i * n + k];
  }
}

/* Replaces the m x n (m >= n) matrix a by the Q of its thin QR factorisation
 * with diag(R) >= 0 (torch's Q * sign(diag(R))). */
static void init_qr_q(double *a, long m, long n) {
  double *vs = init_alloc(m * n), *vv = init_alloc(n), *rdiag = init_alloc(n);
  for (long k = 0; k < n; k++) {
    double norm = 0;
    for (long i = k; i < m; i++) norm += a[i * n + k] * a[i * n + k];
    norm = sqrt(norm);
    rdiag[k] = a[k * n + k] > 0 ? -norm : norm; /* the sign that avoids cancellation */
    vv[k] = 0;
    for (long i = k; i < m; i++) {
      vs[i * n + k] = a[i * n + k] - (i == k ? rdiag[k] : 0);
      vv[k] += vs[i * n + k] * vs[i * n + k];
    }
    if (vv[k] > 0) init_reflect(a, m, n, k, vs, k, vv[k]);
  }
  /* Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I. */
  for (long i = 0; i < m * n; i++) a[i] = i / n == i % n ? 1.0 : 0.0;
  for (long k = n - 1; k >= 0; k--)
    if (vv[k] > 0) init_reflect(a, m, n, 0, vs, k, vv[k]);
  for (long i = 0; i < m; i++)
    for (long j = 0; j < n; j++)
      if (rdiag[j] < 0) a[i * n + j] = -a[i * n + j];
  free(vs);
  free(vv);
  free(rdiag);
}

static int init_orthogonal(const InitRng *r, Shape s, double gain, double *v) {
  if (s.rank < 2) return -1;
  long rows = s.dim[0], n = ir_numel(s), cols = rows ? n / rows : 0;
  if (n == 0) return 0;
  init_fill_normal(r, 0, 1, v, n);
  bool wide = rows < cols;
  double *a = v;
  if (wide) {
    a = init_alloc(n);
    init_transpose(v, rows, cols, a);
  }
  init_qr_q(a, wide ? cols : rows, wide ? rows : cols);
  if (wide) {
    init_transpose(a, cols, rows, v);
    free(a);
  }
  for (long i = 0; i < n; i++) v[i] *= gain;
  return 0;
}

/* ---- glorot ---- */

/* torch's _calculate_fan_in_and_fan_out: dims past the second are a receptive field. */
static int init_glorot(const InitRng *r, Shape s, double gain, double *v) {
  if (s.rank < 2) return -1;
  long n = ir_numel(s);
  if (n == 0) return 0;
  long fan_in = n / s.dim[0], fan_out = n / s.dim[1];
  double bound = gain * sqrt(6.0 / (double)(fan_in + fan_out));
  init_fill_uniform(r, -bound, bound, v, n);
  return 0;
}

/* ---- entry point ---- */

static int init_values(const Init *in, const InitRng *r, Shape s, double *v) {
  long n = ir_numel(s);
  switch (in->kind) {
  case INIT_ZEROS:
  case INIT_CONST:
    for (long i = 0; i < n; i++) v[i] = in->kind == INIT_CONST ? in->a : 0.0;
    return 0;
  case INIT_UNIFORM:
    init_fill_uniform(r, in->a, in->b, v, n);
    return 0;
  case INIT_NORMAL:
    init_fill_normal(r, in->a, in->b, v, n);
    return 0;
  case INIT_ORTHOGONAL:
    return init_orthogonal(r, s, in->a, v);
  case INIT_GLOROT:
    return init_glorot(r, s, in->a, v);
  }
  die("unknown initialiser %d", (int)in->kind);
}

/* Stores the double values v in dtype dt (a float type) at buf. */
static void init_store(DType dt, const double *v, long n, void *buf) {
  for (long i = 0; i < n; i++) {
    if (dt == DT_F32)
      ((float *)buf)[i] = (float)v[i];
    else
      ((double *)buf)[i] = v[i];
  }
}

static InitRng init_rng(const Node *n, uint64_t seed) {
  return (InitRng){seed, init_fnv1a(n->attr.name)};
}

int init_param(const Node *p, uint64_t seed, void *buf) {
  if (!ir_is_float(p->dtype)) return -1;
  InitRng r = init_rng(p, seed);
  long n = ir_numel(p->shape);
  double *v = init_alloc(n);
  int rc = init_values(&p->attr.init, &r, p->shape, v);
  if (rc == 0) init_store(p->dtype, v, n, buf);
  free(v);
  return rc;
}

void init_input(const Node *x, uint64_t seed, void *buf) {
  InitRng r = init_rng(x, seed);
  long n = ir_numel(x->shape);
  if (ir_is_float(x->dtype)) {
    double *v = init_alloc(n);
    init_fill_normal(&r, 0, 1, v, n);
    init_store(x->dtype, v, n, buf);
    free(v);
    return;
  }
  int bound = x->attr.max > 0 ? x->attr.max : 2;
  for (long i = 0; i < n; i++)
    ((int32_t *)buf)[i] = (int32_t)(init_uniform(&r, (uint64_t)i) * bound);
}
