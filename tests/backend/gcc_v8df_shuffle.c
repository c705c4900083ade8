/*
 * gcc_v8df_shuffle.c - the gcc bug behind f64 code's 256-bit vectors (codegen/preamble.c).
 *
 *   gcc -O3 -mavx512f -mprefer-vector-width=512 -fno-tree-slp-vectorize -Wno-psabi \
 *       gcc_v8df_shuffle.c -o v8df && ./v8df
 *
 * gcc 12.2 (Debian 12.2.0-14) prints "0 0 2 3 5 5 6 7" twice and exits 1: the
 * shuffle of 8 doubles below crosses a 128-bit lane (elements 2 and 3 come
 * from 4), but the i386 backend accepts it as vpermilpd, which moves
 * elements only within a lane: `vpermilpd $184, %zmm0, %zmm0`.  184 is what
 * a lane-local encoding of the mask gives when elements 2-3 are checked only
 * for coming from 2 or above: (4 - 2) << 2 | (4 - 2) << 3 | 1 << 5 | 1 << 7.
 * Of 600 masks (all 288 of the form {0-1, 0-1, 2-7, 2-7, 4-5, 4-5, 6-7, 6-7},
 * and random ones), every one gcc got wrong was of that form with element 2
 * or 3 from 4-7; the right ones of that form were whole-lane moves, which it
 * emits as vshuff64x2.  Any -O, SLP or not: the same instruction comes out
 * of __builtin_shuffle at -O0 and of the loop vectorizer, with SLP off, on
 * the plain C loop below.  With -mavx2 or clang it prints "0 0 4 4 4 5 6 7"
 * twice; with -mprefer-vector-width=256 the loop's line is right (the loop
 * vectorizer shuffles 4 doubles; shuffles of 4 doubles and of floats are
 * right).
 *
 * Generated code met it through the vectorizer: with 512-bit vectors
 * everywhere, SLP built such a shuffle to broadcast two row sums of a [2, 4]
 * product to a [2, 2] tile (tests/random/regress/v8df_shuffle.lua's
 * gradient).  tests/backend/v8df_scan.py runs this file, and reads gcc's
 * RTL of every vpermilpd in generated f64 code for the same mistake.
 */
#include <stdio.h>

typedef double v8df __attribute__((vector_size(64)));
typedef long long v8di __attribute__((vector_size(64)));

static const int pick[8] = {0, 0, 4, 4, 4, 5, 6, 7};

v8df shuffle(v8df x); /* extern and noinline: compiled on its own, not folded */
__attribute__((noinline)) v8df shuffle(v8df x) {
#ifdef __clang__
  return __builtin_shufflevector(x, x, 0, 0, 4, 4, 4, 5, 6, 7);
#else
  return __builtin_shuffle(x, (v8di){0, 0, 4, 4, 4, 5, 6, 7});
#endif
}

/* out[8i + j] = in[8i + pick[j]], written out: a loop the loop vectorizer
 * takes 8 doubles at a time, shuffling each group with pick. */
void groups(double *restrict out, const double *restrict in, int n);
__attribute__((noinline)) void groups(double *restrict out, const double *restrict in, int n) {
  for (int i = 0; i < n; i++) {
    const double *a = in + 8 * i;
    double *o = out + 8 * i;
    o[0] = a[0], o[1] = a[0], o[2] = a[4], o[3] = a[4], o[4] = a[4], o[5] = a[5], o[6] = a[6], o[7] = a[7];
  }
}

/* Prints r and says whether it is in[pick]; volatile, so that the check is
 * not vectorized (and shuffled) the same way. */
static int wrong(const volatile double *r, const double *in) {
  int bad = 0;
  for (int i = 0; i < 8; i++) {
    printf("%g%s", r[i], i < 7 ? " " : "\n");
    bad |= r[i] != in[pick[i]];
  }
  return bad;
}

int main(void) {
  static double in[8 * 16], out[8 * 16];
  for (int i = 0; i < 8 * 16; i++) in[i] = i % 8;
  v8df r = shuffle((v8df){0, 1, 2, 3, 4, 5, 6, 7});
  double s[8];
  for (int i = 0; i < 8; i++) s[i] = r[i];
  groups(out, in, 16);
  int bad = wrong(s, in);
  return wrong(out + 8 * 15, in) | bad;
}
