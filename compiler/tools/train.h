/*
 * train.h - `rnnc train`: a spec trained on a dataset through generated code,
 * with checkpoints, resumption, evaluation after each epoch and curves.
 * `rnnc eval` (evaluate.h) and `rnnc sample` (sample.h) take the same options.
 */
#ifndef RNNC_TRAIN_H
#define RNNC_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend.h"
#include "safetensors.h"

enum { TRAIN_MAX_THREADS = 256 }; /* the shard's index takes 8 bits of its dropout seed's index */

typedef struct {
  const char *spec;
  const char *data;     /* --data: a dataset (data.h); NULL: the checkpoint's */
  const char *weights;  /* eval, sample: a weights file or checkpoint */
  const char *resume;   /* train: a checkpoint to go on from */
  const char *out;      /* train: the checkpoint to write (curves beside it) */
  const char *prime;    /* sample: text fed before sampling (NULL: a newline) */
  FeOptions fe;         /* batch, steps, dtype, lr: > 0 (dtype >= 0) overrides spec and checkpoint */
  uint64_t seed;        /* with seed_given; else the checkpoint's, else 0 */
  bool seed_given;
  int epochs;           /* train: total epochs (0: the spec's) */
  long limit;           /* > 0: at most this many examples of each split */
  long eval_every;      /* train: > 0: also evaluate on the test split after every this many batches */
  bool interp;          /* train, eval: --backend interp (else generated code) */
  int threads;          /* train: > 0: --threads (shards per batch); else the checkpoint's, else 1 */
  int length;           /* sample: characters to draw */
  double temperature;   /* sample: logits are divided by it (0: always the likeliest) */
} TrainOptions;

/* Trains o->spec on o->data (or goes on from o->resume) for o->epochs,
 * writing o->out after every epoch and STEM.csv / STEM.svg beside it.  On
 * SIGINT or SIGTERM it finishes the batch, writes STEM.interrupted.safetensors
 * and returns 128 + the signal.  0, or 1 after printing an error. */
int train_run(const TrainOptions *o);

/* A spec made ready to run through generated code. */
typedef struct {
  Graph *fwd;      /* forward graph: every input and target, as data_load wants */
  Graph *pred;     /* GOAL_PREDICT */
  Graph *step;     /* GOAL_STEP, when asked for; with TRAIN_SHARDS GOAL_APPLY: the graph whose runner
                      holds the parameters and optimizer state and updates them */
  Graph *grad;     /* GOAL_GRAD, with TRAIN_SHARDS: what each shard of a batch runs */
  Graph *stream;   /* GOAL_STREAM, when asked for */
  char so[4096];   /* the compiled object (backend_c_build: cached by content) */
  double compile_s;
} TrainModel;

enum { TRAIN_STEP = 1, TRAIN_STREAM = 2, TRAIN_INTERP = 4 /* no generated code */, TRAIN_SHARDS = 8 /* --threads */ };

/* Builds the graphs (plus those `want` names) and compiles the spec's code
 * (unless want has TRAIN_INTERP) with fe's overrides.  0, or 1 after printing an error. */
int train_model(const char *spec, FeOptions fe, int want, TrainModel *m);
void train_model_free(TrainModel *m);
/* The compiled object for runner_load: NULL when built with TRAIN_INTERP. */
const char *train_so(const TrainModel *m);

/* Zero-filled tensors for every input of g, for backend_c_load to bind
 * (a driver fills the bound buffers itself, batch after batch). */
void train_zero_inputs(const Graph *g, StFile *x);

/* STEM of a checkpoint path: without a final ".safetensors" (malloc'd). */
char *train_stem(const char *path);

#endif
