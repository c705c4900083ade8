/* expect: tests/check/mutual_recursion.c:11:23: error: recursion 'is_even' -> 'is_odd' -> 'is_even' is not allowed (generated code must run in bounded stack space) */
/* Recursion through another function, declared before it is defined. */

static int is_odd(unsigned n);

static int is_even(unsigned n) {
  return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(unsigned n) {
  return n == 0 ? 0 : is_even(n - 1);
}

int parity(unsigned n);
int parity(unsigned n) {
  return is_odd(n);
}
