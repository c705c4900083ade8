/*
 * test_init.c - parameter initialisers (init.c).
 *
 * Checks determinism (same seed and name -> same values; another seed or name
 * -> other values), the documented draw (stream = FNV-1a of the name, element
 * i uses index i), the moments of uniform and normal draws on a large tensor,
 * that orthogonal weights have orthonormal rows (wide) or columns (tall) to
 * 1e-12 in f64 and are torch's Q (Q^T A upper triangular with a positive
 * diagonal, A the underlying normal draw), the glorot bound, and the sample
 * inputs of init_input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "init.h"
#include "ir.h"
#include "rnnc_rand.h"

static Graph *g;

enum { SEED = 1234 };

static Node *param(const char *name, Shape s, InitKind kind, double a, double b) {
  return ir_param(g, name, s, (Init){kind, a, b}, true);
}

/* The initial value of p as doubles (caller frees). */
static double *values(const Node *p, uint64_t seed) {
  long n = ir_numel(p->shape);
  double *v = malloc((size_t)n * sizeof *v);
  CHECK(init_param(p, seed, v) == 0, "init_param failed for '%s'", p->attr.name);
  return v;
}

static bool same(const double *a, const double *b, long n) {
  return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

static void test_determinism(void) {
  Node *p = param("l1.w", ir_shape(2, 4, 5), INIT_UNIFORM, -1, 1);
  Node *q = param("l2.w", ir_shape(2, 4, 5), INIT_UNIFORM, -1, 1);
  double *a = values(p, SEED), *b = values(p, SEED), *c = values(q, SEED), *d = values(p, SEED + 1);
  CHECK(same(a, b, 20), "same seed and name gave different values");
  CHECK(!same(a, c, 20), "different names gave the same values");
  CHECK(!same(a, d, 20), "different seeds gave the same values");
  free(a), free(b), free(c), free(d);
}

/* The contract other tools reproduce: stream = FNV-1a("l1.w"), element i = index i. */
static void test_documented_draw(void) {
  Node *p = param("l1.w", ir_shape(1, 10), INIT_UNIFORM, -2, 3);
  uint64_t h = 0xcbf29ce484222325u;
  for (const char *s = "l1.w"; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3u;
  double *v = values(p, SEED);
  for (int i = 0; i < 10; i++)
    CHECK(v[i] == -2 + 5 * rnnc_uniform(SEED, h, (uint64_t)i), "element %d is %g", i, v[i]);
  free(v);
}

static void moments(const double *v, long n, double *mean, double *var) {
  double s = 0, s2 = 0;
  for (long i = 0; i < n; i++) s += v[i];
  *mean = s / (double)n;
  for (long i = 0; i < n; i++) s2 += (v[i] - *mean) * (v[i] - *mean);
  *var = s2 / (double)n;
}

static void test_distributions(void) {
  enum { N = 200000 };
  double mean, var, lo = 1e300, hi = -1e300;
  double *v = values(param("u", ir_shape(2, 400, 500), INIT_UNIFORM, -2, 3), SEED);
  for (long i = 0; i < N; i++) lo = fmin(lo, v[i]), hi = fmax(hi, v[i]);
  CHECK(lo >= -2 && hi < 3 && lo < -1.99 && hi > 2.99, "uniform range [%g, %g]", lo, hi);
  moments(v, N, &mean, &var);
  CHECK(fabs(mean - 0.5) < 0.02 && fabs(var - 25.0 / 12) < 0.03, "U(-2,3): mean %g var %g", mean,
        var);
  free(v);

  v = values(param("n", ir_shape(1, N), INIT_NORMAL, 1, 2), SEED);
  moments(v, N, &mean, &var);
  CHECK(fabs(mean - 1) < 0.03 && fabs(var - 4) < 0.08, "N(1,2): mean %g var %g", mean, var);
  long beyond = 0; /* P(|z| > 2) = 4.55% */
  for (long i = 0; i < N; i++) beyond += fabs(v[i] - 1) > 4;
  CHECK(fabs((double)beyond / N - 0.0455) < 0.003, "normal tails: %ld beyond 2 sigma", beyond);
  free(v);

  v = values(param("z", ir_shape(1, 7), INIT_ZEROS, 5, 5), SEED);
  double *c = values(param("c", ir_shape(2, 2, 3), INIT_CONST, 0.25, 0), SEED);
  for (int i = 0; i < 7; i++) CHECK(v[i] == 0, "zeros[%d] = %g", i, v[i]);
  for (int i = 0; i < 6; i++) CHECK(c[i] == 0.25, "const[%d] = %g", i, c[i]);
  free(v), free(c);
}

/* W (rows x cols, rank >= 2 flattened) is gain * torch's orthogonal Q. */
static void check_orthogonal(const char *name, Shape s, double gain) {
  Node *p = param(name, s, INIT_ORTHOGONAL, gain, 0);
  long rows = s.dim[0], cols = ir_numel(s) / rows, k = rows < cols ? rows : cols;
  double *w = values(p, SEED);
  /* z: the normal matrix the weights were made from (same stream, same indices). */
  double *z = values(param(name, s, INIT_NORMAL, 0, 1), SEED);
  bool wide = rows < cols;
  double worst = 0, worst_tri = 0;
  for (long i = 0; i < k; i++)
    for (long j = 0; j < k; j++) {
      double dot = 0, r = 0; /* (W W^T or W^T W)[i][j], and R[i][j] = (W z^T or W^T z)[i][j] */
      for (long t = 0; t < (wide ? cols : rows); t++) {
        long a = wide ? i * cols + t : t * cols + i, b = wide ? j * cols + t : t * cols + j;
        dot += w[a] * w[b];
        r += w[a] * z[b];
      }
      worst = fmax(worst, fabs(dot / (gain * gain) - (i == j)));
      if (i > j) worst_tri = fmax(worst_tri, fabs(r));
      if (i == j) CHECK(r > 0, "%s: diag(R)[%ld] = %g is not positive", name, i, r);
    }
  CHECK(worst < 1e-12, "%s: orthonormality error %g", name, worst);
  CHECK(worst_tri < 1e-10, "%s: Q^T A is not upper triangular (%g)", name, worst_tri);
  free(w), free(z);
}

static void test_orthogonal(void) {
  g->cfg.dtype = DT_F64;
  check_orthogonal("tall", ir_shape(2, 32, 8), 1);
  check_orthogonal("wide", ir_shape(2, 8, 32), 1);
  check_orthogonal("square", ir_shape(2, 150, 150), 1);
  check_orthogonal("gain", ir_shape(2, 12, 5), 2);
  check_orthogonal("rank3", ir_shape(3, 4, 3, 5), 1);
  check_orthogonal("column", ir_shape(2, 6, 1), 1);
  double v[4];
  CHECK(init_param(param("vec", ir_shape(1, 4), INIT_ORTHOGONAL, 1, 0), SEED, v) == -1,
        "orthogonal accepted a vector");
}

static void test_glorot(void) {
  double *v = values(param("gl", ir_shape(2, 20, 30), INIT_GLOROT, 2, 0), SEED);
  double bound = 2 * sqrt(6.0 / 50), top = 0;
  for (int i = 0; i < 600; i++) top = fmax(top, fabs(v[i]));
  CHECK(top <= bound && top > 0.95 * bound, "glorot [20, 30]: max |w| %g, bound %g", top, bound);
  free(v);
  /* torch's fans for rank 3: fan_in = 5 * 6, fan_out = 4 * 6 */
  v = values(param("gl3", ir_shape(3, 4, 5, 6), INIT_GLOROT, 1, 0), SEED);
  bound = sqrt(6.0 / 54), top = 0;
  for (int i = 0; i < 120; i++) top = fmax(top, fabs(v[i]));
  CHECK(top <= bound && top > 0.9 * bound, "glorot [4, 5, 6]: max |w| %g, bound %g", top, bound);
  free(v);
  CHECK(init_param(param("glv", ir_shape(1, 4), INIT_GLOROT, 1, 0), SEED, (double[4]){0}) == -1,
        "glorot accepted a vector");
}

/* f32 parameters hold the f64 values rounded. */
static void test_f32(void) {
  g->cfg.dtype = DT_F64;
  double *d = values(param("mix", ir_shape(2, 6, 3), INIT_ORTHOGONAL, 1, 0), SEED);
  g->cfg.dtype = DT_F32;
  float f[18];
  CHECK(init_param(param("mix", ir_shape(2, 6, 3), INIT_ORTHOGONAL, 1, 0), SEED, f) == 0, "f32");
  for (int i = 0; i < 18; i++) CHECK(f[i] == (float)d[i], "f32[%d] = %g, f64 %g", i, f[i], d[i]);
  free(d);
}

/* Sample inputs: deterministic, N(0, 1) floats, ids inside [0, max), else
 * inside the range their consumer reads (a one_hot's depth), else [0, 2). */
static void test_inputs(void) {
  enum { N = 20000 };
  g->cfg.dtype = DT_F64;
  Node *x = ir_input(g, "x", ir_shape(2, 100, 200), DT_F64);
  double *a = malloc(N * sizeof *a), *b = malloc(N * sizeof *b), mean, var;
  init_input(g, x, SEED, a);
  init_input(g, x, SEED, b);
  CHECK(same(a, b, N), "sample inputs are not deterministic");
  moments(a, N, &mean, &var);
  CHECK(fabs(mean) < 0.05 && fabs(var - 1) < 0.05, "input N(0,1): mean %g var %g", mean, var);
  free(a), free(b);

  Node *ids = ir_input(g, "ids", ir_shape(1, 1000), DT_I32),
       *bits = ir_input(g, "b", ir_shape(1, 1000), DT_I32);
  Node *tokens = ir_input(g, "tokens", ir_shape(1, 1000), DT_I32);
  ids->attr.max = 7;
  ir_node(g, OP_ONE_HOT, 1, &tokens, &(Attr){.len = 5});
  int32_t v[1000], w[1000], t[1000];
  int seen[7] = {0}, ones = 0, most = 0;
  init_input(g, ids, SEED, v);
  init_input(g, bits, SEED, w);
  init_input(g, tokens, SEED, t);
  for (int i = 0; i < 1000; i++) {
    CHECK(v[i] >= 0 && v[i] < 7, "id %d = %d is outside [0, 7)", i, v[i]);
    CHECK(w[i] == 0 || w[i] == 1, "unbounded id %d = %d is outside [0, 2)", i, w[i]);
    CHECK(t[i] >= 0 && t[i] < 5, "one_hot(5)'s id %d = %d is outside [0, 5)", i, t[i]);
    seen[v[i]]++, ones += w[i], most = t[i] > most ? t[i] : most;
  }
  for (int k = 0; k < 7; k++) CHECK(seen[k] > 100, "id %d drawn %d times of 1000", k, seen[k]);
  CHECK(ones > 400 && ones < 600, "%d ones of 1000", ones);
  CHECK(most == 4, "one_hot(5)'s ids reach %d, not 4", most);
}

int main(void) {
  g = ir_graph_new();
  g->cfg.dtype = DT_F64;
  test_determinism();
  test_documented_draw();
  test_distributions();
  test_orthogonal();
  test_glorot();
  test_f32();
  test_inputs();
  ir_graph_free(g);
  return check_done("test_init");
}
