/*
 * test_math.c - runtime/rnnc_math.h's double precision exp and tanh against libm.
 *
 * Generated f64 code calls rnnc_exp and rnnc_tanh where the interpreter
 * calls exp and tanh, so they must agree to rounding: within 2 ulp of libm
 * (counted on the bits, so also among subnormals) on a dense grid of each
 * function's range, on magnitudes from 1e-300 up, and at the ends: 0, the
 * signs of zero, infinities, NaN, overflow and underflow.  Built twice, with
 * the multiply-adds fused (RNNC_FMA as fma, what generated code uses where
 * the target has FMA) and not (RNNC_TEST_UNFUSED: a * b + c).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

#ifndef RNNC_TEST_UNFUSED
#define RNNC_FMA(a, b, c) fma(a, b, c)
#endif
#define RNNC_MATH_EXP_F64
#define RNNC_MATH_TANH_F64
#include "rnnc_math.h"

/* Distance in ulp between two doubles: the gap between their bits as
 * integers ordered like the values (-0 and +0 the same). */
static double ulps(double a, double b) {
  int64_t ia, ib;
  memcpy(&ia, &a, sizeof ia);
  memcpy(&ib, &b, sizeof ib);
  if (ia < 0) ia = INT64_MIN - ia;
  if (ib < 0) ib = INT64_MIN - ib;
  if ((ia < 0) != (ib < 0)) return fabs((double)ia) + fabs((double)ib); /* no overflow */
  return (double)(ia > ib ? ia - ib : ib - ia);
}

typedef double Fn(double);

/* The worst ulp distance of ours from libm's over n points of [lo, hi],
 * and over n magnitudes from 1e-300 to hi of either sign; *at receives
 * where it is. */
static double worst(Fn *ours, Fn *libm, double lo, double hi, long n, double *at) {
  double w = -1;
  for (long i = 0; i <= n; i++) {
    double x = lo + (hi - lo) * (double)i / (double)n, t = pow(hi / 1e-300, (double)i / (double)n) * 1e-300;
    const double xs[3] = {x, t, -t};
    for (int k = 0; k < 3; k++) {
      double d = ulps(ours(xs[k]), libm(xs[k]));
      if (d > w) w = d, *at = xs[k];
    }
  }
  return w;
}

static bool same(double a, double b) { return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b)); }

static void exp_values(void) {
  double at = 0, w = worst(rnnc_exp, exp, -746, 710, 2000000, &at);
  CHECK(w <= 2, "rnnc_exp is %g ulp from exp at %.17g", w, at);
  const double in[] = {0, -0.0, 1, -745.2, -744, 709.78, 709.79, 746, 1e300, -INFINITY, INFINITY, NAN},
               want[] = {1, 1, exp(1.0), 0, exp(-744), exp(709.78), INFINITY, INFINITY, INFINITY, 0, INFINITY, NAN};
  for (size_t i = 0; i < sizeof in / sizeof *in; i++)
    CHECK(same(rnnc_exp(in[i]), want[i]) || ulps(rnnc_exp(in[i]), want[i]) <= 2, "rnnc_exp(%g) = %.17g, not %.17g",
          in[i], rnnc_exp(in[i]), want[i]);
}

static void tanh_values(void) {
  double at = 0, w = worst(rnnc_tanh, tanh, -25, 25, 2000000, &at);
  CHECK(w <= 2, "rnnc_tanh is %g ulp from tanh at %.17g", w, at);
  w = worst(rnnc_tanh, tanh, 0.6, 0.65, 200000, &at); /* where it changes formula */
  CHECK(w <= 2, "rnnc_tanh is %g ulp from tanh at %.17g", w, at);
  const double in[] = {0, -0.0, 1e-320, -1e-320, 19.1, -19.1, 1e300, -INFINITY, INFINITY, NAN},
               want[] = {0, -0.0, 1e-320, -1e-320, 1, -1, 1, -1, 1, NAN};
  for (size_t i = 0; i < sizeof in / sizeof *in; i++)
    CHECK(same(rnnc_tanh(in[i]), want[i]), "rnnc_tanh(%g) = %.17g, not %.17g", in[i], rnnc_tanh(in[i]), want[i]);
}

int main(void) {
  exp_values();
  tanh_values();
  return check_done("test_math");
}
