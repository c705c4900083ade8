/*
 * main.c - a product's program on a model compiled by an installed rnnc, at
 * BATCH 1 and STEPS 6 (project/CMakeLists.txt).  It predicts the next value
 * of one sequence of 6 samples of sin(0.3 t) three times: with
 * sine_rnn_predict on weights from sine_rnn_init(params, 1, arena), with
 * sine_rnn_predict on the embedded sine_rnn_weights (`rnnc init --seed 1`, so
 * the same values bit for bit), and with sine_rnn_step one sample at a time
 * (on sine_rnn_step_weights, the embedded weights prepared for it).  The three
 * must agree; it prints "prediction P" and exits 0, or says what differs and
 * exits 1.  Strict C99: the arena is aligned by hand, not with _Alignas.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sine_rnn.h"

/* BATCH and STEPS reached the generated code: refused at compile time otherwise. */
typedef char batch_is_1[SINE_RNN_BATCH == 1 ? 1 : -1];
typedef char steps_is_6[SINE_RNN_STEPS == 6 ? 1 : -1];

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ARENA_BYTES \
  MAX(SINE_RNN_INIT_ARENA_BYTES, MAX(SINE_RNN_INFER_ARENA_BYTES, SINE_RNN_STREAM_ARENA_BYTES))

/* The generated code wants 64-byte aligned scratch memory. */
static unsigned char arena_bytes[ARENA_BYTES + 63];
/* Parameters and optimizer state; float-typed, so aligned for the floats. */
static float params[SINE_RNN_PARAMS_BYTES / sizeof(float)];

int main(void) {
  unsigned char *arena = arena_bytes + (64 - (uintptr_t)arena_bytes % 64) % 64;
  float x[SINE_RNN_STEPS], initialised, whole, streamed = 0;
  sine_rnn_batch batch = {0};
  sine_rnn_outputs out = {0};
  sine_rnn_state state;
  int t;

  for (t = 0; t < SINE_RNN_STEPS; t++) x[t] = sinf(0.3f * (float)t);
  batch.x = x;
  sine_rnn_init(params, 1, arena); /* parameters first, then the optimizer state */
  if (memcmp(params, sine_rnn_weights, sizeof sine_rnn_weights) != 0) {
    printf("sine_rnn_init(seed 1) differs from the embedded `rnnc init --seed 1` weights\n");
    return 1;
  }
  out.prediction = &initialised;
  sine_rnn_predict(params, &batch, &out, arena);
  out.prediction = &whole;
  sine_rnn_predict(sine_rnn_weights, &batch, &out, arena);

  sine_rnn_reset(&state);
  for (t = 0; t < SINE_RNN_STEPS; t++) {
    sine_rnn_step_input in = {0};
    sine_rnn_step_outputs step_out = {0};
    in.x = &x[t];
    step_out.prediction = &streamed;
    sine_rnn_step(sine_rnn_step_weights, &state, &in, &step_out, arena);
  }

  if (!isfinite(whole) || initialised != whole || fabsf(whole - streamed) > 1e-5f) {
    printf("predict %.9g (init) and %.9g (embedded), streaming %.9g\n", (double)initialised,
           (double)whole, (double)streamed);
    return 1;
  }
  printf("prediction %.6f\n", (double)whole);
  return 0;
}
