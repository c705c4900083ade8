/* expect: tests/check/vla.c:7:9: error: variable-length array in the type of 'tmp' is not allowed (array sizes in generated code are compile-time constants) */
/* Sizes are known when the code is generated; a VLA hides stack use (and C11 made VLAs optional). */

float total(int n, const float *x);
float total(int n, const float *x) {
  float sum = 0;
  float tmp[n];
  for (int i = 0; i < n; i++) tmp[i] = x[i];
  for (int i = 0; i < n; i++) sum += tmp[i];
  return sum;
}
