/* expect: tests/check/call_malloc.c:7:19: error: call to 'malloc' is not allowed (generated code may only call functions it defines and libm) */
/* Generated code gets its buffers from the caller, never from the heap. */
#include <stdlib.h>

float *scratch(int n);
float *scratch(int n) {
  return (float *)malloc((size_t)n * sizeof(float));
}
