/* expect: tests/check/warning.c:6:9: warning: unused variable 'unused' [-Wunused-variable] */
/* Generated code must compile warning-free with -Wall -Wextra -Wpedantic: a warning fails. */

float same(float x);
float same(float x) {
  float unused;
  return x;
}
