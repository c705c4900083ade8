/*
 * data_baselines.c - the baselines of data.h a model's loss is read against.
 * They read a split's fields and nothing else, so they apply to any source
 * giving those shapes.
 */
#include "data.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

/* Field f of s if it holds dt values of the given rank (per example), else NULL. */
static const DataField *field_of(const DataSplit *s, int f, DType dt, int rank) {
  if (s->nfields < 2 || s->field[f].dtype != dt || s->field[f].shape.rank != rank) return NULL;
  return &s->field[f];
}

double data_last_value_mse(const DataSplit *s, long n) {
  const DataField *x = field_of(s, 0, DT_F32, 2), *y = field_of(s, 1, DT_F32, 1);
  const DataField *ys = y ? NULL : field_of(s, 1, DT_F32, 2); /* per step: [H, F] */
  if (ys) y = ys;
  long F = x ? x->shape.dim[1] : 0, H = ys ? ys->shape.dim[0] : 1;
  if (!x || !y || y->shape.dim[ys ? 1 : 0] != F) return NAN;
  long W = x->shape.dim[0];
  n = n < s->n ? n : s->n;
  if (n <= 0) return NAN;
  const float *xv = x->data, *yv = y->data;
  double sum = 0;
  for (long i = 0; i < n; i++)
    for (long j = 0; j < H * F; j++) {
      double e = (double)xv[(i * W + W - 1) * F + j % F] - (double)yv[i * H * F + j];
      sum += e * e;
    }
  return sum / (double)(n * H * F);
}

double data_unigram_bits(const DataSplit *s) {
  const DataField *x = field_of(s, 0, DT_I32, 1), *y = field_of(s, 1, DT_I32, 1);
  if (!x || !y) return NAN;
  long count[DATA_MAX_VOCAB] = {0}, total = s->n * y->shape.dim[0];
  const int32_t *id = y->data;
  for (long i = 0; i < total; i++) {
    if (id[i] < 0 || id[i] >= DATA_MAX_VOCAB) return NAN; /* not ids of a text */
    count[id[i]]++;
  }
  if (total == 0) return NAN;
  double bits = 0;
  for (int c = 0; c < DATA_MAX_VOCAB; c++)
    if (count[c]) {
      double p = (double)count[c] / (double)total;
      bits -= p * log2(p);
    }
  return bits;
}

/* Naive Bayes over the ids of a sequence (within its lengths, if the split
 * has them), trained on `train` with add-one smoothing: its accuracy on the
 * first n examples of `test`. */
/* Example i of split s: its ids, how many of them are real, and its label. */
static const int32_t *example(const DataSplit *s, long i, long T, bool lengths, long *len, int *label) {
  *len = lengths ? ((const int32_t *)s->field[2].data)[i] : T;
  if (*len > T) *len = T;
  *label = ((const int32_t *)s->field[1].data)[i];
  return (const int32_t *)s->field[0].data + i * T;
}

double data_bytes_bayes(const DataSplit *train, const DataSplit *test, long n, int classes) {
  const DataField *x = field_of(train, 0, DT_I32, 1), *y = field_of(train, 1, DT_I32, 0);
  if (!x || !y || classes < 2 || classes > DATA_MAX_VOCAB || !field_of(test, 0, DT_I32, 1)) return NAN;
  bool lengths = train->nfields > 2 && test->nfields > 2;
  long T = x->shape.dim[0], len, correct = 0;
  int label;
  /* logp[c][v]: log P(id v | class c) with add-one smoothing; prior[c]: log of the class count + 1 */
  double *logp = calloc((size_t)classes * DATA_MAX_VOCAB + (size_t)classes, sizeof *logp);
  if (!logp) return NAN;
  double *prior = logp + (size_t)classes * DATA_MAX_VOCAB;
  for (long i = 0; i < train->n; i++) {
    const int32_t *ids = example(train, i, T, lengths, &len, &label);
    if (label < 0 || label >= classes) continue;
    prior[label]++;
    for (long t = 0; t < len; t++) logp[label * DATA_MAX_VOCAB + (ids[t] & (DATA_MAX_VOCAB - 1))]++;
  }
  for (int c = 0; c < classes; c++) {
    double total = DATA_MAX_VOCAB;
    for (int v = 0; v < DATA_MAX_VOCAB; v++) total += logp[c * DATA_MAX_VOCAB + v];
    for (int v = 0; v < DATA_MAX_VOCAB; v++) logp[c * DATA_MAX_VOCAB + v] = log((logp[c * DATA_MAX_VOCAB + v] + 1) / total);
    prior[c] = log(prior[c] + 1);
  }
  n = n < test->n ? n : test->n;
  for (long i = 0; i < n; i++) {
    const int32_t *ids = example(test, i, T, lengths, &len, &label);
    int best = 0;
    double top = -INFINITY;
    for (int c = 0; c < classes; c++) {
      double score = prior[c];
      for (long t = 0; t < len; t++) score += logp[c * DATA_MAX_VOCAB + (ids[t] & (DATA_MAX_VOCAB - 1))];
      if (score > top) top = score, best = c;
    }
    correct += best == label;
  }
  free(logp);
  return n > 0 ? (double)correct / (double)n : NAN;
}
