/*
 * evaluate.h - a model's loss and accuracy on a data split, computed on the
 * host from predict's outputs, and `rnnc eval`.
 */
#ifndef RNNC_EVALUATE_H
#define RNNC_EVALUATE_H

#include <stdbool.h>
#include <stdio.h>

#include "runner.h"
#include "data.h"
#include "model.h"

/* What the spec's loss compares (g->cfg.loss_kind): "cross_entropy" (mean
 * softmax cross-entropy and accuracy over every label, per step for
 * per-step labels, and a confusion matrix) or "mse" (mean squared error over
 * every value).  Sums over the examples seen so far. */
typedef struct {
  bool classifier;      /* cross_entropy (else mse) */
  const char *output;   /* predict's output the loss reads */
  const char *target;   /* the target input it is compared with */
  int classes;          /* classifier: the output's last axis */
  long per_example;     /* target values per example */
  double loss_sum;
  long count, correct;  /* values seen; labels predicted right */
  long *confusion;      /* classifier: classes x classes, [true][predicted] */
} EvalMetrics;

/* Finds output and target for the loss of fwd (the spec's forward graph)
 * among predict's outputs (pg).  0, or -1 with a message. */
int eval_metrics_init(EvalMetrics *m, const Graph *fwd, const Graph *pg, char *err, size_t errlen);
void eval_metrics_reset(EvalMetrics *m);
void eval_metrics_free(EvalMetrics *m);
double eval_loss(const EvalMetrics *m);
double eval_accuracy(const EvalMetrics *m); /* NaN unless a classifier */

/* Where data_gather puts split s's fields for model b of graph g: the buffer
 * of g's input of the same name, else scratch[f] (rows * per-example values,
 * allocated here; free with eval_dest_free).  0, or -1 when an input of g has
 * no field of s. */
int eval_dest(Runner *b, const Graph *g, const DataSplit *s, int rows, void **dest, void **scratch, char *err,
              size_t errlen);
void eval_dest_free(const DataSplit *s, void **scratch);

/* Adds the sums of part (another part of the same split, with the same
 * model) to m. */
void eval_metrics_add(EvalMetrics *m, const EvalMetrics *part);

/* Runs predict (b, loaded for pg) on examples [from, to) of s in batches of
 * the model's batch, the last one padded (padded rows are not counted), and
 * adds them to m.  0, or -1 with a message. */
int eval_split(Runner *b, const Graph *pg, const DataSplit *s, long from, long to, EvalMetrics *m, char *err,
               size_t errlen);

/* The test loss read against the data's baselines (data.h), in buf:
 *   mse on a series:   "test mse 0.01082 (noise variance 0.01: 1.08x; last-value predictor 0.02512)"
 *                      (the noise variance only when d knows it)
 *   classifier on text: "test 1.923 bits/char (unigram entropy 4.636)"
 * with the last-value predictor on the first ntest test examples (those the
 * loss was computed on) and the entropy of the training text.  With loss NaN,
 * the baselines alone: "noise variance 0.01; last-value predictor test mse
 * 0.02512", "unigram entropy 4.636 bits/char".  Empty when neither applies. */
const char *eval_baselines(char *buf, size_t size, const EvalMetrics *m, double loss, const Dataset *d, long ntest);

/* The confusion matrix (classes labelled by vocab when nvocab > 0): whole
 * when small, else the most frequent confusions and the worst classes. */
void eval_print_confusion(const EvalMetrics *m, const unsigned char *vocab, int nvocab, FILE *out);

/* `rnnc eval`: loss and accuracy of o->weights on the test split of o->data
 * (or the checkpoint's), and the confusion matrix.  0, or 1 after an error. */
int eval_run(const ToolOptions *o);

#endif
