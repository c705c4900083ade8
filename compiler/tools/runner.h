/*
 * runner.h - a model loaded once and run many times by the drivers (rnnc
 * train and eval), through generated code (native.h) or the interpreter
 * (interp.h): the same buffers and calls either way, so `--backend interp`
 * trains and evaluates exactly what the generated code does, only slower.
 */
#ifndef RNNC_RUNNER_H
#define RNNC_RUNNER_H

#include <stdbool.h>

#include "native.h"
#include "interp.h"

typedef struct Runner Runner;

/* Graph g of goal (GOAL_PREDICT, GOAL_GRAD, GOAL_STEP or GOAL_APPLY) bound to `weights` and
 * `inputs` (by name, as bind.h says): through the compiled object so, or
 * the interpreter when so is NULL.  NULL, with a message, on a missing or
 * wrong tensor or an object that is not g's. */
Runner *runner_load(const char *so, const Graph *g, Goal goal, const StFile *weights, const StFile *inputs,
                    char *err, size_t errlen);
void runner_free(Runner *r);

/* Runs the goal once (dropout seed `seed`); a step updates the parameters
 * and optimizer state in place.  0, or -1 with a message (bad data the
 * interpreter's kernels find, such as a label out of range). */
int runner_exec(Runner *r, uint64_t seed, char *err, size_t errlen);

/* The buffer of g's input `name`, to fill before runner_exec (it keeps its
 * contents), or of its output or metric `name`, to read after it (valid
 * until the next runner_exec); NULL if g has none. */
void *runner_buffer(Runner *r, const char *name);
double runner_loss(const Runner *r); /* of the last run */
double runner_metric(Runner *r, const char *name); /* a scalar metric of the last run */

/* Copies every parameter of to's graph from `from` (the same model, another
 * goal: the training step's parameters into predict). */
void runner_copy_params(Runner *to, const Runner *from);

/* Copies the trainable parameters alone (generated code: the prefix of the
 * blob that the gradient blob mirrors), all that an update changes and a
 * grad reads of it: --threads' shards, whose optimizer state is never read. */
void runner_copy_trainable(Runner *to, const Runner *from);

/* Generated code's parameter blob (native_params: every parameter and the
 * optimizer's state), to compare between the ranks of an MPI job. */
const void *runner_params(Runner *r, size_t *bytes);

/* Generated code's gradient blob (native_grads): what a grad run wrote,
 * what an apply run reads.  The interpreter has none (a compiler bug to ask). */
void *runner_grads(Runner *r, size_t *bytes);

/* Every parameter and optimizer state tensor of g under its name. */
int runner_store_params(const Runner *r, StFile *out, char *err, size_t errlen);

/* NULL if every parameter and optimizer state value is finite, else the
 * first tensor that is not, described into buf ("lstm1.weight_ih holds NaN
 * in 3 of 64 values").  One pass over the values; naming costs more, but
 * only once. */
const char *runner_nonfinite_params(Runner *r, char *buf, size_t size);

#endif
