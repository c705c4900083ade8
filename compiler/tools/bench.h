/*
 * bench.h - `rnnc bench`: the interpreter against generated code on one graph.
 */
#ifndef RNNC_BENCH_H
#define RNNC_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "frontend.h"
#include "tile_choice.h"

typedef struct {
  const char *spec;
  FeOptions fe;  /* batch, steps, dtype overrides */
  int repeat;    /* timed runs of each computation, after one warm-up run */
  uint64_t seed; /* parameters, inputs and dropout masks */
  bool json;     /* one JSON object on `out` instead of the table */
} BenchOptions;

/* Times the training step (forward, BPTT, clipping, optimizer; when the spec
 * has a loss and an optimizer) and predict, each in the interpreter and in
 * the generated code compiled as `--backend c` compiles it, on the same
 * random parameters and inputs.  Prints median and min per computation and
 * backend, their ratio, and the time spent on graphs, generation and
 * compilation.  0, or 1 after printing an error. */
int bench_run(const BenchOptions *o, FILE *out);

/* The generated code's train step (its predict, if the spec does not
 * train) with the given tiles, timed as bench_run times it: median and min
 * in ms, and which computation in *what.  Where tiles.seen is set, the
 * shapes of the products of every entry point are added to it.  0, or 1
 * after printing an error. */
int bench_generated(const BenchOptions *o, TileChoice tiles, const char **what, double ms[2]);

/* `rnnc bench --compile`: generation and compile time of the spec's C at
 * T = 28, 256 and 1000 (or only o->fe.steps when given), at -O2 and at the
 * backend's flags, with the size of the code.  0, or 1 after an error. */
int bench_compile(const BenchOptions *o, FILE *out);

#endif
