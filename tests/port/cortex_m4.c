/*
 * cortex_m4.c - the smallest product of a generated model: streaming inference
 * on a microcontroller (cortex_m4.sh builds it for a Cortex-M4F and prints its
 * size).  The weights are compiled in (rnnc build --embed-weights: the const
 * NAME_step_weights, in flash); RAM holds only the recurrent state, one step's
 * arena and the step's input and output.  Generic over models through fields.h
 * (tests/generated/fields.sh).
 */
#include "fields.h"
#include HEADER

/* Arenas hold floats, doubles and int32 ids: an array of double suits them all. */
static double arena[(K(_STREAM_ARENA_BYTES) + sizeof(double) - 1) / sizeof(double)];
static FN(_state) state;

#define INPUT_BUFFER(name, type, n, ids) static type in_##name[n];
#define OUTPUT_BUFFER(name, type, n, ids) static type out_##name[n];
STEP_INPUT_FIELDS(INPUT_BUFFER)
STEP_OUTPUT_FIELDS(OUTPUT_BUFFER)

/* A sample as a sensor would give it: here t mod 8, or an id in [0, ids). */
#define INPUT_SET(name, type, n, ids) in_##name[0] = (type)(t % (ids > 0 ? ids : 8));
#define INPUT_POINT(name, type, n, ids) in.name = in_##name;
#define OUTPUT_POINT(name, type, n, ids) out.name = out_##name;

int main(void) {
  FN(_step_input) in;
  STEP_INPUT_FIELDS(INPUT_POINT)
  FN(_step_outputs) out;
  STEP_OUTPUT_FIELDS(OUTPUT_POINT)
  FN(_reset)(&state);
  for (int t = 0; t < 1000; t++) {
    STEP_INPUT_FIELDS(INPUT_SET)
    FN(_step)(FN(_step_weights), &state, &in, &out, arena);
  }
  return 0;
}
