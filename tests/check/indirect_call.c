/* expect: tests/check/indirect_call.c:6:10: error: call through a function pointer is not allowed (generated code may only call functions it defines and libm) */
/* The callee must be known from the source: a pointer could lead anywhere. */

float apply(float (*f)(float), float x);
float apply(float (*f)(float), float x) {
  return f(x);
}
