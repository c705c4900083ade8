/*
 * train.h - `rnnc train`: a spec trained on a dataset through generated code,
 * with checkpoints, resumption, evaluation after each epoch and curves.
 * `rnnc eval` (evaluate.h) and `rnnc sample` (sample.h) take the same options
 * (ToolOptions, model.h).
 */
#ifndef RNNC_TRAIN_H
#define RNNC_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* Trains o->spec on o->data (or goes on from o->resume) for o->epochs,
 * writing o->out after every epoch and STEM.csv / STEM.svg beside it.  On
 * SIGINT or SIGTERM it finishes the batch, writes STEM.interrupted.safetensors
 * and returns 128 + the signal.  0, or 1 after printing an error. */
int train_run(const ToolOptions *o);

#endif
