/* expect: tests/check/call_printf.c:7:3: error: call to 'printf' is not allowed (generated code may only call functions it defines and libm) */
/* No stdio: an embedded target may have no console at all. */
#include <stdio.h>

void trace(float loss);
void trace(float loss) {
  printf("loss %f\n", (double)loss);
}
