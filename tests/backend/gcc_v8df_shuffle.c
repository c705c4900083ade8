/*
 * gcc_v8df_shuffle.c - the gcc bug behind f64 code's 256-bit vectors (codegen/preamble.c).
 *
 *   gcc -O2 -mavx512f -Wno-psabi gcc_v8df_shuffle.c -o v8df && ./v8df
 *
 * gcc 12.2 (Debian 12.2.0-14) prints "0 0 2 3 5 5 6 7" and exits 1, at any
 * -O including -O0: the shuffle of 8 doubles below crosses a 128-bit lane
 * (elements 2 and 3 come from 4), but the i386 backend accepts it as
 * vpermilpd, which moves elements only within a lane (the assembly shows
 * `vpermilpd $184, %zmm0, %zmm0`; 184 is the lane-local immediate of the
 * mask with element 4 taken as "element 2 of lane 1").  With -mavx2 (256-bit
 * vectors) or clang it prints "0 0 4 4 4 5 6 7".  Random masks fail only for
 * 8 doubles: shuffles of 4 doubles, 8 or 16 floats, 8 or 16 integers are
 * right.
 *
 * Generated code meets it through the vectorizer: with 512-bit vectors
 * (-march=native on an AVX-512 machine, or -mprefer-vector-width=512), SLP
 * builds such a shuffle to broadcast two row sums of a [2, 4] product to a
 * [2, 2] tile, as tests/random/regress/v8df_shuffle.lua does in its gradient.
 */
#include <stdio.h>

typedef double v8df __attribute__((vector_size(64)));
typedef long long v8di __attribute__((vector_size(64)));

v8df shuffle(v8df x); /* extern and noinline: compiled on its own, not folded */
__attribute__((noinline)) v8df shuffle(v8df x) {
#ifdef __clang__
  return __builtin_shufflevector(x, x, 0, 0, 4, 4, 4, 5, 6, 7);
#else
  return __builtin_shuffle(x, (v8di){0, 0, 4, 4, 4, 5, 6, 7});
#endif
}

int main(void) {
  static const double want[8] = {0, 0, 4, 4, 4, 5, 6, 7};
  v8df r = shuffle((v8df){0, 1, 2, 3, 4, 5, 6, 7});
  int bad = 0;
  for (int i = 0; i < 8; i++) {
    printf("%g%s", r[i], i < 7 ? " " : "\n");
    bad |= r[i] != want[i];
  }
  return bad;
}
