/*
 * rnnc_init.h - initial parameter values with PyTorch's distributions, the
 * one implementation behind `rnnc init` and generated code's NAME_init.
 *
 * Randomness comes only from rnnc_rand.h: a parameter's stream is the 64-bit
 * FNV-1a hash of its name, element i of a uniform draw uses index i and a
 * normal draw (Box-Muller) uses indices 2i and 2i+1, so a value depends only
 * on (seed, name, i).  Values are computed in double.
 *
 * Orthogonal follows torch.nn.init.orthogonal_: a rows x cols normal matrix
 * (rows = shape[0], cols = the rest) is transposed if wide, factored A = QR by
 * Householder reflections (backward stable, so Q is orthonormal to rounding
 * even for badly conditioned draws), Q's columns are multiplied by
 * sign(diag(R)) to make the factorisation unique, Q is transposed back and
 * scaled by the gain.  Glorot is xavier_uniform_ with torch's fans.
 *
 * No allocation: the caller passes rnnc_init_scratch() doubles of scratch.
 * C99, header-only; include rnnc_rand.h before it (generated code pastes
 * both texts, so this one names no file of its own).
 */
#ifndef RNNC_RUNTIME_INIT_H
#define RNNC_RUNTIME_INIT_H

#include <math.h>
#include <stdint.h>

/* The kinds, in the order of InitKind (compiler/ir/ir.h). */
enum { RNNC_INIT_ZEROS, RNNC_INIT_CONST, RNNC_INIT_UNIFORM, RNNC_INIT_NORMAL, RNNC_INIT_ORTHOGONAL, RNNC_INIT_GLOROT };

typedef struct {
  uint64_t seed, stream;
} RnncRng;

static inline uint64_t rnnc_init_stream(const char *name) {
  uint64_t h = 0xcbf29ce484222325u;
  for (; *name; name++) h = (h ^ (unsigned char)*name) * 0x100000001b3u;
  return h;
}

/* Standard normal number i: Box-Muller on uniforms 2i and 2i+1 (1 - u keeps log finite). */
static inline double rnnc_init_normal(const RnncRng *r, uint64_t i) {
  double u1 = rnnc_uniform(r->seed, r->stream, 2 * i), u2 = rnnc_uniform(r->seed, r->stream, 2 * i + 1);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586476925 * u2);
}

static inline void rnnc_init_fill_uniform(const RnncRng *r, double lo, double hi, double *v, long n) {
  for (long i = 0; i < n; i++) v[i] = lo + (hi - lo) * rnnc_uniform(r->seed, r->stream, (uint64_t)i);
}

static inline void rnnc_init_fill_normal(const RnncRng *r, double mean, double std, double *v, long n) {
  for (long i = 0; i < n; i++) v[i] = mean + std * rnnc_init_normal(r, (uint64_t)i);
}

/* dst (c x r) = src (r x c) transposed; row-major. */
static inline void rnnc_init_transpose(const double *src, long r, long c, double *dst) {
  for (long i = 0; i < r; i++)
    for (long j = 0; j < c; j++) dst[j * r + i] = src[i * c + j];
}

/* Applies the reflection I - 2 v v^T / vv to columns [j0, n) of the m x n
 * matrix a, where v is nonzero in rows [k, m) only (stored in column k of vs). */
static inline void rnnc_init_reflect(double *a, long m, long n, long j0, const double *vs, long k, double vv) {
  for (long j = j0; j < n; j++) {
    double s = 0;
    for (long i = k; i < m; i++) s += vs[i * n + k] * a[i * n + j];
    double f = 2.0 * s / vv;
    for (long i = k; i < m; i++) a[i * n + j] -= f * vs[i * n + k];
  }
}

/* Replaces the m x n (m >= n) matrix a by the Q of its thin QR factorisation
 * with diag(R) >= 0 (torch's Q * sign(diag(R))); scratch: m n + 2 n doubles. */
static inline void rnnc_init_qr_q(double *a, long m, long n, double *scratch) {
  double *vs = scratch, *vv = vs + m * n, *rdiag = vv + n;
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
    if (vv[k] > 0) rnnc_init_reflect(a, m, n, k, vs, k, vv[k]);
  }
  /* Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I. */
  for (long i = 0; i < m * n; i++) a[i] = i / n == i % n ? 1.0 : 0.0;
  for (long k = n - 1; k >= 0; k--)
    if (vv[k] > 0) rnnc_init_reflect(a, m, n, 0, vs, k, vv[k]);
  for (long i = 0; i < m; i++)
    for (long j = 0; j < n; j++)
      if (rdiag[j] < 0) a[i * n + j] = -a[i * n + j];
}

static inline long rnnc_init_numel(int rank, const int *shape) {
  long n = 1;
  for (int i = 0; i < rank; i++) n *= shape[i];
  return n;
}

#ifdef RNNC_INIT_SIZES /* for the host: generated code gets the sizes as constants */
/* Doubles of scratch rnnc_init_values needs for this kind and shape. */
static inline long rnnc_init_scratch(int kind, int rank, const int *shape) {
  long n = rnnc_init_numel(rank, shape);
  return kind == RNNC_INIT_ORTHOGONAL ? 2 * n + 2 * (rank ? shape[0] : 1) + 2 * (rank ? n / (shape[0] ? shape[0] : 1) : 1)
                                      : 0;
}
#endif

static inline int rnnc_init_orthogonal(const RnncRng *r, int rank, const int *shape, double gain, double *v,
                                       double *scratch) {
  if (rank < 2) return -1;
  long rows = shape[0], n = rnnc_init_numel(rank, shape), cols = rows ? n / rows : 0;
  if (n == 0) return 0;
  rnnc_init_fill_normal(r, 0, 1, v, n);
  int wide = rows < cols;
  double *a = wide ? scratch : v, *qr = wide ? scratch + n : scratch;
  if (wide) rnnc_init_transpose(v, rows, cols, a);
  rnnc_init_qr_q(a, wide ? cols : rows, wide ? rows : cols, qr);
  if (wide) rnnc_init_transpose(a, cols, rows, v);
  for (long i = 0; i < n; i++) v[i] *= gain;
  return 0;
}

/* torch's _calculate_fan_in_and_fan_out: dims past the second are a receptive field. */
static inline int rnnc_init_glorot(const RnncRng *r, int rank, const int *shape, double gain, double *v) {
  if (rank < 2) return -1;
  long n = rnnc_init_numel(rank, shape);
  if (n == 0) return 0;
  long fan_in = n / shape[0], fan_out = n / shape[1];
  double bound = gain * sqrt(6.0 / (double)(fan_in + fan_out));
  rnnc_init_fill_uniform(r, -bound, bound, v, n);
  return 0;
}

/* The initial values of the parameter `name` (kind with arguments a, b) in
 * v; 0, or -1 if the kind does not apply to the shape. */
static inline int rnnc_init_values(int kind, double a, double b, int rank, const int *shape, const char *name,
                                   uint64_t seed, double *v, double *scratch) {
  RnncRng r = {seed, rnnc_init_stream(name)};
  long n = rnnc_init_numel(rank, shape);
  switch (kind) {
  case RNNC_INIT_ZEROS:
  case RNNC_INIT_CONST:
    for (long i = 0; i < n; i++) v[i] = kind == RNNC_INIT_CONST ? a : 0.0;
    return 0;
  case RNNC_INIT_UNIFORM: rnnc_init_fill_uniform(&r, a, b, v, n); return 0;
  case RNNC_INIT_NORMAL: rnnc_init_fill_normal(&r, a, b, v, n); return 0;
  case RNNC_INIT_ORTHOGONAL: return rnnc_init_orthogonal(&r, rank, shape, a, v, scratch);
  case RNNC_INIT_GLOROT: return rnnc_init_glorot(&r, rank, shape, a, v);
  default: return -1;
  }
}

#endif
