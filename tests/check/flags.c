/* expect: clean */
/* args: tests/check/flags.c -I tests/check/include -DUNITS=4 -D FEATURES=3 */
/* -I and -D options after the files go to clang, attached or not. */
#include "flags.h"

float dot_row(const float *w, const float *x);
float dot_row(const float *w, const float *x) {
  float s = 0;
  for (int i = 0; i < UNITS * FEATURES; i++) s += w[i] * x[i];
  return s;
}
