/*
 * rnnc_math.h - exp and tanh in single precision, written so that compilers
 * vectorize loops that call them.
 *
 * libm's expf and tanhf are function calls: a loop over an LSTM cell that
 * calls them stays scalar, and they took a third of a training step.  These
 * versions are straight-line arithmetic with no calls at all (gcc does not
 * vectorize floorf under strict ISO C), accurate to a few ulp.  The
 * interpreter uses the same functions for f32, so both backends compute the
 * same values (to the last bit where both fuse the polynomials' multiply-adds
 * or neither does; see RNNC_FMA); double precision uses libm.
 *
 * Each function is compiled only where its macro is defined (RNNC_MATH_EXP;
 * RNNC_MATH_TANH, tanh's numerator and denominator, and RNNC_MATH_TANH_CALL
 * besides, rnnc_tanhf, their quotient as a function, which the interpreter
 * needs): generated code carries no function it does not call, as clang
 * warns about those.
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

#endif
