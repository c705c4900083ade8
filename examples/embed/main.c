/*
 * main.c - streaming inference with a compiled-in model, as a product would
 * run it: the code and the weights are the two generated files (sine_rnn.h,
 * sine_rnn.c), memory is one static arena, and each sample is fed as it comes.
 * specs/sine_rnn.lua predicts the next value of a sine wave from the values so
 * far; this feeds it 24 samples of sin(0.3 t) and prints, for each step, the
 * step, the sample and the model's prediction of the next one.
 */
#include <math.h>
#include <stdio.h>

#include "sine_rnn.h"

#define SAMPLES 24

/* The scratch memory of sine_rnn_step; nothing in it is kept between calls.
 * An array of double is aligned for every value generated code keeps there
 * (C99 has no _Alignas; 64-byte alignment would only help speed). */
static double arena[(SINE_RNN_STREAM_ARENA_BYTES + sizeof(double) - 1) / sizeof(double)];

int main(void) {
  sine_rnn_state state; /* the recurrent state, carried from step to step */
  sine_rnn_reset(&state);
  for (int t = 0; t < SAMPLES; t++) {
    float x = sinf(0.3f * (float)t), prediction;
    sine_rnn_step_input in = {.x = &x};
    sine_rnn_step_outputs out = {.prediction = &prediction};
    sine_rnn_step(sine_rnn_step_weights, &state, &in, &out, arena);
    printf("%d %.6f %.6f\n", t, (double)x, (double)prediction);
  }
  return 0;
}
