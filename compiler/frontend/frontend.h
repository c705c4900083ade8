/*
 * frontend.h - runs a Lua spec in a sandbox and returns its forward graph.
 */
#ifndef RNNC_FRONTEND_H
#define RNNC_FRONTEND_H

#include "ir.h"

typedef struct {
  int batch, steps; /* > 0: override the spec's model{} values */
  int dtype;        /* -1: as the spec says; DT_F32 / DT_F64: override */
  double lr;        /* > 0: overrides the optimizer's learning rate (rnnc train --lr) */
  bool training;    /* dropout active (false for inference graphs) */
  bool stream;      /* the streaming step's graph: every time loop is one step (Graph.streaming) */
} FeOptions;

/* Evaluates the spec at `path` (chunk name "@path", so messages say
 * "path:line: error: ...").  On any error prints that message to stderr and
 * returns NULL; never exits and never crashes on a bad spec. */
Graph *fe_load(const char *path, const FeOptions *o);

/* The wall-clock seconds a spec may run (the backstop to its instruction
 * limit) for every later fe_load of this process: `--spec-timeout`. */
#define FE_DEFAULT_TIMEOUT 30.0
void fe_set_timeout(double seconds);

#endif
