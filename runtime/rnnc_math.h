/*
 * rnnc_math.h - exp and tanh in single precision, written so that compilers
 * vectorize loops that call them.
 *
 * libm's expf and tanhf are function calls: a loop over an LSTM cell that
 * calls them stays scalar, and they took a third of a training step.  These
 * versions are straight-line arithmetic with no calls at all (gcc does not
 * vectorize floorf under strict ISO C), accurate to a few ulp.  The interpreter uses the same functions for f32, so both
 * backends compute the same values; double precision uses libm.
 *
 * Each function is compiled only where its macro is defined (RNNC_MATH_EXP,
 * RNNC_MATH_TANH): generated code carries no function it does not call, as
 * clang warns about those.
 *
 * C99, header-only, <math.h> and <stdint.h> only.
 */
#ifndef RNNC_MATH_H
#define RNNC_MATH_H

#include <math.h>
#include <stdint.h>

#ifdef RNNC_MATH_EXP
/* e^x: x = n ln2 + r with |r| <= ln2/2 (ln2 split in two for an exact
 * product), e^r by its degree-6 Taylor polynomial (relative error below
 * 2e-7 on that interval), 2^n built in the exponent bits.  Inputs are
 * clamped to the range where the result is finite and normal.  n is
 * x/ln2 rounded to nearest by adding and subtracting 1.5 * 2^23, which
 * leaves no bits below the unit (exact for |x/ln2| < 2^22).  Infinities
 * and NaN give libm's (and PyTorch's) e^-inf = 0, e^inf = inf, e^NaN = NaN:
 * a -inf mask must weigh nothing in a softmax (a NaN is computed as -87
 * first, since converting a NaN n to int is undefined). */
static inline float rnnc_expf(float in) {
  float x = in > -87.0f ? (in < 88.0f ? in : 88.0f) : -87.0f;
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  union {
    int32_t i;
    float f;
  } scale;
  scale.i = ((int32_t)n + 127) << 23;
  float y = p * scale.f;
  return in - in == 0 ? y : in == -HUGE_VALF ? 0.0f : in; /* in - in is 0 for every finite in */
}
#endif

#ifdef RNNC_MATH_TANH
/* tanh(x) as an odd rational function of x on [-7.9, 7.9] (beyond that it
 * is +-1 in single precision); the coefficients are those of Eigen's and
 * XLA's float tanh. */
static inline float rnnc_tanhf(float x) {
  x = x < -7.90531110763549805f ? -7.90531110763549805f : x > 7.90531110763549805f ? 7.90531110763549805f : x;
  float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return x * p / q;
}
#endif

#endif
