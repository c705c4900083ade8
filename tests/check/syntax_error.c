/* expect: tests/check/syntax_error.c:6:14: error: expected expression */
/* clang's own errors come first, in clang's words. */

float half(float x);
float half(float x) {
  return x / ;
}
