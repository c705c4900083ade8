/* expect: tests/check/recursion.c:6:27: error: recursion 'fact' -> 'fact' is not allowed (generated code must run in bounded stack space) */
/* Direct recursion. */

int fact(int n);
int fact(int n) {
  return n <= 1 ? 1 : n * fact(n - 1);
}
