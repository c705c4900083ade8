/*
 * rnnc_math.h - exp and tanh in single and double precision, written so
 * that compilers vectorize loops that call them.
 *
 * libm's exp and tanh are function calls: a loop over an LSTM cell that
 * calls them stays scalar, and they took a third of a training step (over
 * half of a small f64 one).  These versions are straight-line arithmetic
 * with no calls at all (gcc does not vectorize floorf under strict ISO C):
 * the float ones accurate to a few ulp, the double ones to 2 ulp
 * (tests/test_math.c holds them against libm).  The interpreter uses the
 * float functions for f32, so both backends compute the same values (to the
 * last bit where both fuse the polynomials' multiply-adds or neither does;
 * see RNNC_FMA); its f64 uses libm, the reference that generated f64 code
 * agrees with to rounding.
 *
 * Each function is compiled only where its macro is defined (RNNC_MATH_EXP;
 * RNNC_MATH_TANH, tanh's numerator and denominator, and RNNC_MATH_TANH_CALL
 * besides, rnnc_tanhf, their quotient as a function, which the interpreter
 * needs; RNNC_MATH_EXP_F64 and RNNC_MATH_TANH_F64 for double): generated
 * code carries no function it does not call, as clang warns about those.
 *
 * C99, header-only, <math.h> and <stdint.h> only.
 */
#ifndef RNNC_MATH_H
#define RNNC_MATH_H

#include <math.h>
#include <stdint.h>

/* a * b + c.  Generated code defines it (one rounding where the target has a
 * fast fused multiply-add); elsewhere it is a multiply and an add. */
#ifndef RNNC_FMA
#define RNNC_FMA(a, b, c) ((a) * (b) + (c))
#endif

#if defined(RNNC_MATH_EXP) || defined(RNNC_MATH_TANH)
/* The bits of a float, unsigned and signed, for clamps and powers of two
 * without conditionals on floats. */
typedef union {
  float f;
  uint32_t u;
  int32_t i;
} rnnc_float_bits;

/* x clamped to [-bound, bound] (bound positive and finite), a NaN returned as
 * it is, by two integer minima on the bits.  A conditional on a float that
 * later arithmetic reads is control flow to gcc -O2 (which then vectorizes
 * nothing of the loop: an LSTM cell ran scalar); integer minima are not.
 * Adding 2^23 - 1 to the bits (mod 2^32) takes +inf to INT32_MAX and the
 * NaNs of either sign past the ends, so that as signed integers the order is
 * +NaN < -0 .. -inf < -NaN < +0 .. +inf, and a signed minimum with bound's
 * bits clamps (bound, +inf] alone; as unsigned integers it is
 * -NaN < +0 .. +inf < +NaN < -0 .. -inf, and an unsigned minimum with
 * -bound's bits clamps [-inf, -bound) alone. */
static inline float rnnc_clamp(float x, float bound) {
  rnnc_float_bits b, hi;
  b.f = x, hi.f = bound;
  b.u += 0x007fffffu;
  hi.u += 0x007fffffu;
  b.i = b.i < hi.i ? b.i : hi.i;
  const uint32_t lo = hi.u + 0x80000000u; /* the bits of -bound, moved likewise */
  b.u = b.u < lo ? b.u : lo;
  b.u -= 0x007fffffu;
  return b.f;
}
#endif

#ifdef RNNC_MATH_EXP
/* e^x: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact
 * product), e^r by its degree-6 Taylor polynomial (relative error below
 * 2e-7 on that interval), 2^n built in the exponent bits of two factors
 * (2^n alone would not be a normal float at both ends).  n is x/ln2 rounded
 * to nearest by adding 1.5 * 2^23, which leaves no bits below the unit
 * (exact for |x/ln2| < 2^22): n is then in the low bits of the sum, read
 * without a float-to-int conversion (undefined for a NaN).  Inputs are
 * clamped to [-104, 104]: e^-104 rounds to 0 and e^88.8 already to
 * infinity, so -inf gives 0 and inf gives inf as in libm (and PyTorch; a
 * -inf mask must weigh nothing in a softmax), and a NaN stays a NaN through
 * the arithmetic. */
static inline float rnnc_expf(float in) {
  float x = rnnc_clamp(in, 104.0f);
  rnnc_float_bits sum, half1, half2;
  sum.f = RNNC_FMA(x, 1.44269504088896341f, 12582912.0f);
  float n = sum.f - 12582912.0f;
  float r = RNNC_FMA(n, -0.693359375f, x);
  r = RNNC_FMA(n, 2.12194440e-4f, r);
  float p = 1.0f / 720;
  p = RNNC_FMA(p, r, 1.0f / 120);
  p = RNNC_FMA(p, r, 1.0f / 24);
  p = RNNC_FMA(p, r, 1.0f / 6);
  p = RNNC_FMA(p, r, 0.5f);
  p = RNNC_FMA(p, r, 1.0f);
  p = RNNC_FMA(p, r, 1.0f);
  uint32_t u = sum.u - 0x4b400000u + 256u; /* n + 256, in [106, 406]: unsigned halves */
  half1.u = ((u >> 1) - 1u) << 23;        /* 2^floor(n/2) */
  half2.u = (u - (u >> 1) - 1u) << 23;    /* 2^(n - floor(n/2)) */
  return p * half1.f * half2.f;
}
#endif

#ifdef RNNC_MATH_TANH
/* tanh(x) as an odd rational function of x on [-7.9, 7.9] (beyond that it
 * is +-1 in single precision); the coefficients are those of Eigen's and
 * XLA's float tanh.  Numerator and denominator are functions of their own
 * so that generated code can divide a product of quotients once (the
 * denominator is in [0.0048, 0.9]); a compiler computes what they share
 * once. */
static inline float rnnc_tanhf_num(float in) {
  float x = rnnc_clamp(in, 7.90531110763549805f);
  float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = RNNC_FMA(p, x2, 2.00018790482477e-13f);
  p = RNNC_FMA(p, x2, -8.60467152213735e-11f);
  p = RNNC_FMA(p, x2, 5.12229709037114e-08f);
  p = RNNC_FMA(p, x2, 1.48572235717979e-05f);
  p = RNNC_FMA(p, x2, 6.37261928875436e-04f);
  p = RNNC_FMA(p, x2, 4.89352455891786e-03f);
  return x * p;
}

static inline float rnnc_tanhf_den(float in) {
  float x = rnnc_clamp(in, 7.90531110763549805f);
  float x2 = x * x;
  float q = 1.19825839466702e-06f;
  q = RNNC_FMA(q, x2, 1.18534705686654e-04f);
  q = RNNC_FMA(q, x2, 2.26843463243900e-03f);
  q = RNNC_FMA(q, x2, 4.89352518554385e-03f);
  return q;
}

#ifdef RNNC_MATH_TANH_CALL
static inline float rnnc_tanhf(float in) { return rnnc_tanhf_num(in) / rnnc_tanhf_den(in); }
#endif
#endif

#if defined(RNNC_MATH_EXP_F64) || defined(RNNC_MATH_TANH_F64)
typedef union {
  double f;
  uint64_t u;
  int64_t i;
} rnnc_double_bits;

/* rnnc_clamp in double precision: the same order of the bits, made by
 * adding 2^52 - 1. */
static inline double rnnc_clampd(double x, double bound) {
  rnnc_double_bits b, hi;
  b.f = x, hi.f = bound;
  b.u += UINT64_C(0x000fffffffffffff);
  hi.u += UINT64_C(0x000fffffffffffff);
  b.i = b.i < hi.i ? b.i : hi.i;
  const uint64_t lo = hi.u + UINT64_C(0x8000000000000000);
  b.u = b.u < lo ? b.u : lo;
  b.u -= UINT64_C(0x000fffffffffffff);
  return b.f;
}

/* e^x as rnnc_expf computes it, in double precision: ln2 split as fdlibm
 * splits it (n times its high part is exact), e^r by its degree-13 Taylor
 * polynomial (the first term left out is below 5e-18 for |r| <= ln2/2), n
 * rounded by adding 1.5 * 2^52.  Inputs clamped to [-746, 746]: e^-746
 * rounds to 0 and e^709.8 already to infinity. */
static inline double rnnc_exp(double in) {
  double x = rnnc_clampd(in, 746.0);
  rnnc_double_bits sum, half1, half2;
  sum.f = RNNC_FMA(x, 1.4426950408889634074, 6755399441055744.0);
  double n = sum.f - 6755399441055744.0;
  double r = RNNC_FMA(n, -6.93147180369123816490e-01, x);
  r = RNNC_FMA(n, -1.90821492927058770002e-10, r);
  double p = 1.0 / 6227020800.0;
  p = RNNC_FMA(p, r, 1.0 / 479001600.0);
  p = RNNC_FMA(p, r, 1.0 / 39916800.0);
  p = RNNC_FMA(p, r, 1.0 / 3628800.0);
  p = RNNC_FMA(p, r, 1.0 / 362880.0);
  p = RNNC_FMA(p, r, 1.0 / 40320.0);
  p = RNNC_FMA(p, r, 1.0 / 5040.0);
  p = RNNC_FMA(p, r, 1.0 / 720.0);
  p = RNNC_FMA(p, r, 1.0 / 120.0);
  p = RNNC_FMA(p, r, 1.0 / 24.0);
  p = RNNC_FMA(p, r, 1.0 / 6.0);
  p = RNNC_FMA(p, r, 0.5);
  p = RNNC_FMA(p, r, 1.0);
  p = RNNC_FMA(p, r, 1.0);
  uint64_t u = sum.u - UINT64_C(0x4338000000000000) + 2048u; /* n + 2048, in [971, 3125] */
  half1.u = ((u >> 1) - 1u) << 52;                           /* 2^floor(n/2) */
  half2.u = (u - (u >> 1) - 1u) << 52;                       /* 2^(n - floor(n/2)) */
  return p * half1.f * half2.f;
}
#endif

#ifdef RNNC_MATH_TANH_F64
/* tanh(x): below 0.625 in magnitude, x + x^3 P(x^2) / Q(x^2) with Cephes'
 * coefficients (relative error 2e-17 there); above, 1 - 2 / (e^2|x| + 1)
 * (|x| clamped to 20, where tanh rounds to 1).  Both are computed for |x|,
 * one is picked by the bits, not by a conditional (see rnnc_clamp), and
 * given the sign of x. */
static inline double rnnc_tanh(double in) {
  double a = fabs(rnnc_clampd(in, 20.0)), z = a * a;
  double p = RNNC_FMA(RNNC_FMA(-9.64399179425052238628e-1, z, -9.92877231001918586564e1), z,
                      -1.61468768441708447952e3);
  double q = RNNC_FMA(RNNC_FMA(z + 1.12811678491632931402e2, z, 2.23548839060100448583e3), z,
                      4.84406305325125486048e3);
  rnnc_double_bits small, big;
  small.f = RNNC_FMA(a * z, p / q, a);
  big.f = 1.0 - 2.0 / (rnnc_exp(a + a) + 1.0);
  const uint64_t pick_small = UINT64_C(0) - (uint64_t)(a < 0.625);
  small.u = (small.u & pick_small) | (big.u & ~pick_small);
  return copysign(small.f, in);
}
#endif

#endif
