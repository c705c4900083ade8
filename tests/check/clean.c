/* expect: clean */
/* What generated code may do: const tables, libm (float and double, and the
 * builtins <math.h>'s macros expand to), helpers shared by several callers,
 * constant sizeof, casts, block-scope arrays of constant size. */
#include <math.h>
#include <stddef.h>

typedef float Row[4];

static const float weight[2][4] = {{0.5f, -1.0f, 0.25f, 2.0f}, {1.0f, 0.0f, -0.5f, 0.75f}}; /* (out, in) */
static const Row bias = {0.1f, 0.2f, 0.0f, 0.0f};
static const char *const names[] = {"h", "c"};

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static float dot(const float *a, const float *b, int n) {
  float s = 0;
  for (int i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

/* Both gates use dot: a diamond in the call graph, not a cycle. */
static float gate_in(const float *x) { return sigmoid(dot(weight[0], x, 4) + bias[0]); }
static float gate_out(const float *x) { return tanhf(dot(weight[1], x, 4)) + (float)tanh(0.5); }

/* x: (4), out: (2) */
void model_step(const float *x, float *out);
void model_step(const float *x, float *out) {
  float m = -INFINITY;
  float tmp[sizeof weight / sizeof weight[0]];
  tmp[0] = gate_in(x);
  tmp[1] = gate_out(x);
  for (size_t k = 0; k < sizeof tmp / sizeof tmp[0]; k++) m = fmaxf(m, tmp[k]);
  out[0] = isnan(m) ? 0.0f : m;
  out[1] = sqrtf(fabsf(tmp[0])) + logf(1.0f + tmp[1] * tmp[1]) + (float)names[1][0];
}
