/*
 * rnnc_rand.h - the random numbers of rnnc: counter-based, so any element of
 * any stream can be drawn in any order, and the interpreter, the host tools
 * and generated code all draw exactly the same values.
 *
 * A draw is a pure function of (seed, stream, index): SplitMix64's finalizer
 * applied to a mix of the three.  C99, header-only, no libc.
 */
#ifndef RNNC_RAND_H
#define RNNC_RAND_H

#include <stdint.h>

static inline uint64_t rnnc_mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15u;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
  return x ^ (x >> 31);
}

/* 64 random bits: element `index` of stream `stream` under `seed`. */
static inline uint64_t rnnc_bits(uint64_t seed, uint64_t stream, uint64_t index) {
  return rnnc_mix64(rnnc_mix64(seed ^ rnnc_mix64(stream)) + index);
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double rnnc_uniform(uint64_t seed, uint64_t stream, uint64_t index) {
  return (double)(rnnc_bits(seed, stream, index) >> 11) * (1.0 / 9007199254740992.0);
}

#ifdef RNNC_RAND_DROPOUT /* only where masks are made: unused static functions are warnings */
/* Dropout: element `index` of mask `stream` is kept (scaled by 1/(1-p)) when its
 * uniform draw is at least p. */
static inline double rnnc_dropout_scale(uint64_t seed, uint64_t stream, uint64_t index, double p) {
  return rnnc_uniform(seed, stream, index) >= p ? 1.0 / (1.0 - p) : 0.0;
}
#endif

#endif
