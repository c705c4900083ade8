/*
 * driver.c - one generated model's results, printed exactly, so that two
 * builds of the same C on different machines can be compared with cmp
 * (aarch64.sh: x86-64 natively against aarch64 under qemu).
 *
 * Generic over models through fields.h (tests/generated/fields.sh).  Nothing
 * depends on the machine: the parameters are NAME_init's (seed 1), the inputs
 * fill.h's xorshift stream.  It prints a hash of the parameters, every output
 * of NAME_predict on one batch, and every output of NAME_step over NAME_STEPS
 * streaming steps (after NAME_step_prepare and NAME_reset), as hex floats (%a):
 * two builds print the same text exactly when they computed the same bits.
 */
#include <stdint.h>
#include <stdio.h>

#include "fields.h"
#include HEADER
#include "fill.h"

/* Arenas hold floats, doubles and int32 ids: an array of double suits them all. */
#define ARENA(name, bytes) static double name[((bytes) + sizeof(double) - 1) / sizeof(double)]

static REAL params[K(_PARAMS_BYTES) / sizeof(REAL)];
static REAL step_params[K(_STEP_PARAMS_ELEMS)];
ARENA(init_arena, K(_INIT_ARENA_BYTES));
ARENA(infer_arena, K(_INFER_ARENA_BYTES));
ARENA(stream_arena, K(_STREAM_ARENA_BYTES));

#define BATCH_BUFFER(name, type, n, ids) static type batch_##name[n];
#define OUTPUT_BUFFER(name, type, n, ids) static type out_##name[n];
#define STEP_INPUT_BUFFER(name, type, n, ids) static type step_##name[n];
#define STEP_OUTPUT_BUFFER(name, type, n, ids) static type step_out_##name[n];
BATCH_FIELDS(BATCH_BUFFER)
OUTPUT_FIELDS(OUTPUT_BUFFER)
STEP_INPUT_FIELDS(STEP_INPUT_BUFFER)
STEP_OUTPUT_FIELDS(STEP_OUTPUT_BUFFER)

static void print(const char *what, const char *name, const REAL *v, long n) {
  for (long i = 0; i < n; i++) printf("%s %s[%ld] %a\n", what, name, i, (double)v[i]);
}

/* FNV-1a over the bytes of n values (both machines are little-endian). */
static unsigned long long hash(const REAL *v, long n) {
  const unsigned char *b = (const unsigned char *)v;
  unsigned long long h = 14695981039346656037ull;
  for (long i = 0; i < n * (long)sizeof(REAL); i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

#define BATCH_FILL(name, type, n, ids) in.name = fill(batch_##name, sizeof(type), n, ids);
#define OUTPUT_POINT(name, type, n, ids) out.name = out_##name;
#define OUTPUT_PRINT(name, type, n, ids) print("predict", #name, out_##name, n);
#define STEP_FILL(name, type, n, ids) fill(step_##name, sizeof(type), n, ids);
#define STEP_INPUT_POINT(name, type, n, ids) step_in.name = step_##name;
#define STEP_OUTPUT_POINT(name, type, n, ids) step_out.name = step_out_##name;
#define STEP_OUTPUT_PRINT(name, type, n, ids) print(what, #name, step_out_##name, n);

int main(void) {
  FN(_init)(params, 1, init_arena);
  printf("init fnv1a %016llx\n", hash(params, K(_PARAMS_BYTES) / (long)sizeof(REAL)));

  FN(_batch) in;
  BATCH_FIELDS(BATCH_FILL)
  FN(_outputs) out;
  OUTPUT_FIELDS(OUTPUT_POINT)
  FN(_predict)(params, &in, &out, infer_arena);
  OUTPUT_FIELDS(OUTPUT_PRINT)

  FN(_step_input) step_in;
  STEP_INPUT_FIELDS(STEP_INPUT_POINT)
  FN(_step_outputs) step_out;
  STEP_OUTPUT_FIELDS(STEP_OUTPUT_POINT)
  FN(_state) state;
  FN(_step_prepare)(params, step_params);
  FN(_reset)(&state);
  for (int t = 0; t < K(_STEPS); t++) {
    char what[32];
    sprintf(what, "step %d", t);
    STEP_INPUT_FIELDS(STEP_FILL)
    FN(_step)(step_params, &state, &step_in, &step_out, stream_arena);
    STEP_OUTPUT_FIELDS(STEP_OUTPUT_PRINT)
  }
  return 0;
}
