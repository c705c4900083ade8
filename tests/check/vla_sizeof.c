/* expect: tests/check/vla_sizeof.c:7:10: error: sizeof of a variable-length array is not allowed (array sizes in generated code are compile-time constants) */
/* A VLA type without a VLA variable: only sizeof shows it. */
#include <stddef.h>

size_t row_bytes(int n);
size_t row_bytes(int n) {
  return sizeof(float[n]);
}
