/*
 * model.h - what train, eval and sample share: their options, and a spec
 * made ready to run (its graphs, and its code compiled and cached).
 */
#ifndef RNNC_MODEL_H
#define RNNC_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend.h"
#include "safetensors.h"

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
  int threads;          /* train: > 0: --threads (shards per batch; with --mpi, per rank); else from the
                           checkpoint, else 1 */
  bool mpi;             /* train: --mpi: one rank of an MPI job (ranks.h), every rank a part of every batch */
  int length;           /* sample: characters to draw */
  double temperature;   /* sample: logits are divided by it (0: always the likeliest) */
} ToolOptions;

/* A spec made ready to run through generated code. */
typedef struct {
  Graph *fwd;      /* forward graph: every input and target, as data_load wants */
  Graph *pred;     /* GOAL_PREDICT */
  Graph *step;     /* GOAL_STEP, when asked for; with TOOL_SHARDS GOAL_APPLY: the graph whose runner
                      holds the parameters and optimizer state and updates them */
  Graph *grad;     /* GOAL_GRAD, with TOOL_SHARDS: what each shard of a batch runs */
  Graph *stream;   /* GOAL_STREAM, when asked for */
  char so[4096];   /* the compiled object (native_build: cached by content) */
  double compile_s;
} ToolModel;

enum { TOOL_STEP = 1, TOOL_STREAM = 2, TOOL_INTERP = 4 /* no generated code */, TOOL_SHARDS = 8 /* --threads */ };

/* Builds the graphs (plus those `want` names) and compiles the spec's code
 * (unless want has TOOL_INTERP) with fe's overrides.  0, or 1 after printing an error. */
int tool_model_build(const char *spec, FeOptions fe, int want, ToolModel *m);
void tool_model_free(ToolModel *m);
/* The compiled object for runner_load: NULL when built with TOOL_INTERP. */
const char *tool_model_so(const ToolModel *m);

/* Zero-filled tensors for every input of g, for native_load to bind
 * (a driver fills the bound buffers itself, batch after batch). */
void tool_zero_inputs(const Graph *g, StFile *x);

/* STEM of a checkpoint path: without a final ".safetensors" (malloc'd). */
char *tool_stem(const char *path);

#endif
