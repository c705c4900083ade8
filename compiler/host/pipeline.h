/*
 * pipeline.h - spec to scheduled graph, every pass in order, in one function.
 */
#ifndef RNNC_PIPELINE_H
#define RNNC_PIPELINE_H

#include "frontend.h"
#include "passes.h"

/* What the finished graph computes. */
typedef enum {
  GOAL_PREDICT, /* model outputs only; no targets needed; dropout off */
  GOAL_STREAM,  /* one step at batch 1, states as inputs and outputs (stream_step.c) */
  GOAL_LOSS,    /* loss, outputs and metrics (forward of a training step) */
  GOAL_GRAD,    /* ... and grad.<param> for every trainable parameter */
  GOAL_STEP,    /* loss, metrics and the updated parameters and optimizer state */
  GOAL_APPLY,   /* the updated parameters and optimizer state from grad.<param> inputs (grads_in.c) */
} Goal;

typedef struct {
  const char *spec;
  FeOptions fe;
  Goal goal;
  Stage stop;             /* build up to this stage (rnnc graph --stage); default: scheduled */
  bool keep_stop_grad;    /* simplify keeps STOP_GRAD nodes, for gradcheck to hold their values */
  const char *dump_after; /* print the IR after this pass ("all": after each) ... */
  void *dump_to;          /* ... to this FILE* (NULL: stderr) */
} PipelineOptions;

/* Returns the graph, or NULL after printing a user error. */
Graph *pipeline_run(const PipelineOptions *o);

/* Whether the spec can have a streaming step (GOAL_STREAM): false when a
 * state's initial value is learned or a sequence is a whole input
 * (stream_step.c), with a one-line note at the spec's line if `note`.  true when its front end fails: pipeline_run
 * reports that. */
bool pipeline_can_stream(const PipelineOptions *o, bool note);

#endif
