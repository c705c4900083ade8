/*
 * checkpoint.c - rnnc train's checkpoint files (see checkpoint.h).
 *
 * The state beside the parameters is metadata: one "rnnc.<key>" string per
 * scalar, numbers printed with %.17g (a double read back is the double
 * written) and the seed as an unsigned decimal.  Reading checks the format
 * key first, so a plain weights file gets a message saying what it is, then
 * every key it needs, so a damaged file is an error naming the key.  Every
 * count read bounds an allocation only once the file's own bytes back it,
 * and a bad file is an error returned, never an exit (so that the reader
 * can be fuzzed in-process).
 */
#include "checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "team.h" /* TEAM_MAX_MEMBERS */

#define CKPT_FORMAT "rnnc checkpoint 1"
enum { HISTORY_COLS = 6 }; /* epoch, train loss, train acc, test loss, test acc, seconds */

static void meta_num(StFile *w, const char *key, double v) {
  char name[64], value[64];
  snprintf(name, sizeof name, "rnnc.%s", key);
  snprintf(value, sizeof value, "%.17g", v);
  if (st_set_meta(w, name, value)) mem_fail(strlen(value), "checkpoint metadata");
}

static void meta_str(StFile *w, const char *key, const char *v) {
  char name[64];
  snprintf(name, sizeof name, "rnnc.%s", key);
  if (st_set_meta(w, name, v)) mem_fail(strlen(v), "checkpoint metadata");
}

int ckpt_write(const char *path, StFile *w, const Checkpoint *c, char *err, size_t errlen) {
  char seed[32];
  snprintf(seed, sizeof seed, "%llu", (unsigned long long)c->seed);
  meta_str(w, "format", CKPT_FORMAT);
  meta_str(w, "spec", c->spec);
  meta_str(w, "data", c->data);
  meta_str(w, "source", c->source);
  meta_str(w, "seed", seed);
  meta_str(w, "dtype", c->dtype == DT_F64 ? "f64" : "f32");
  const struct { const char *key; double v; } nums[] = {
      {"batch", c->batch},       {"steps", c->steps},         {"lr", c->lr},
      {"limit", (double)c->limit}, {"epochs", c->epochs},       {"epoch", c->epoch},       {"batch_done", (double)c->batch_done},
      {"loss_sum", c->loss_sum}, {"acc_sum", c->acc_sum},     {"seconds", c->seconds}, {"threads", c->threads},
      {"ranks", c->ranks > 0 ? c->ranks : 1}};
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) meta_num(w, nums[i].key, nums[i].v);
  if (c->epoch > 0) {
    int64_t shape[2] = {c->epoch, HISTORY_COLS};
    StTensor *t = st_add(w, "train.history", ST_F64, 2, shape, NULL);
    if (!t) mem_fail((size_t)c->epoch * HISTORY_COLS * sizeof(double), "the training history");
    double *h = t->data;
    for (int e = 0; e < c->epoch; e++) {
      const CkptEpoch *r = &c->history[e];
      double row[HISTORY_COLS] = {e + 1, r->train_loss, r->train_acc, r->test_loss, r->test_acc, r->seconds};
      memcpy(h + (size_t)e * HISTORY_COLS, row, sizeof row);
    }
  }
  if (c->nvocab > 0) {
    int64_t n = c->nvocab;
    if (!st_add(w, "data.vocab", ST_U8, 1, &n, c->vocab)) mem_fail((size_t)n, "the vocabulary");
  }
  return st_write(path, w, err, errlen);
}

/* rnnc.<key> as a finite number (integers must be whole and in range). */
static int get_num(const StFile *w, const char *key, double lo, double hi, double *v, char *err, size_t errlen) {
  char name[64];
  snprintf(name, sizeof name, "rnnc.%s", key);
  const char *s = st_get_meta(w, name);
  if (!s) return ir_errorf(err, errlen, "%s: checkpoint metadata '%s' is missing", w->path, name);
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(*v) || *v < lo || *v > hi)
    return ir_errorf(err, errlen, "%s: checkpoint metadata '%s' is '%s', not a number in [%.17g, %.17g]", w->path,
                     name, s, lo, hi);
  return 0;
}

static int get_str(const StFile *w, const char *key, char *buf, size_t size, char *err, size_t errlen) {
  char name[64];
  snprintf(name, sizeof name, "rnnc.%s", key);
  const char *s = st_get_meta(w, name);
  if (!s) return ir_errorf(err, errlen, "%s: checkpoint metadata '%s' is missing", w->path, name);
  if (strlen(s) >= size) return ir_errorf(err, errlen, "%s: checkpoint metadata '%s' is too long", w->path, name);
  snprintf(buf, size, "%s", s);
  return 0;
}

int ckpt_vocab(const StFile *w, unsigned char vocab[DATA_MAX_VOCAB], char *err, size_t errlen) {
  const StTensor *t = st_find(w, "data.vocab");
  if (!t) return 0;
  if (t->dtype != ST_U8 || t->rank != 1 || t->shape[0] < 1 || t->shape[0] > DATA_MAX_VOCAB)
    return ir_errorf(err, errlen, "%s: tensor 'data.vocab' must be U8 [1..%d]", w->path, DATA_MAX_VOCAB);
  memcpy(vocab, t->data, (size_t)t->shape[0]);
  return (int)t->shape[0];
}

int ckpt_read(const char *path, StFile *w, Checkpoint *c, char *err, size_t errlen) {
  *c = (Checkpoint){0};
  st_init(w);
  if (st_read(path, w, err, errlen)) return -1;
  const char *format = st_get_meta(w, "rnnc.format");
  if (!format) return ir_errorf(err, errlen, "%s: not a checkpoint of rnnc train (a weights file has no run to resume)", path);
  if (strcmp(format, CKPT_FORMAT))
    return ir_errorf(err, errlen, "%s: checkpoint format '%s' is not '%s'", path, format, CKPT_FORMAT);
  char seed[32], dtype[8];
  double batch, steps, limit, epochs, epoch, done;
  if (get_str(w, "spec", c->spec, sizeof c->spec, err, errlen) ||
      get_str(w, "data", c->data, sizeof c->data, err, errlen) ||
      get_str(w, "source", c->source, sizeof c->source, err, errlen) ||
      get_str(w, "seed", seed, sizeof seed, err, errlen) || get_str(w, "dtype", dtype, sizeof dtype, err, errlen) ||
      get_num(w, "batch", 1, IR_MAX_BATCH, &batch, err, errlen) ||
      get_num(w, "steps", 1, IR_MAX_STEPS, &steps, err, errlen) ||
      get_num(w, "lr", 0, INFINITY, &c->lr, err, errlen) || get_num(w, "limit", 0, 1e15, &limit, err, errlen) ||
      get_num(w, "epochs", 1, 1e9, &epochs, err, errlen) || get_num(w, "epoch", 0, 1e9, &epoch, err, errlen) || get_num(w, "batch_done", 0, 1e15, &done, err, errlen) ||
      get_num(w, "loss_sum", -INFINITY, INFINITY, &c->loss_sum, err, errlen) ||
      get_num(w, "acc_sum", -INFINITY, INFINITY, &c->acc_sum, err, errlen) ||
      get_num(w, "seconds", 0, INFINITY, &c->seconds, err, errlen))
    return -1;
  double threads = 1; /* older checkpoints have no rnnc.threads */
  if (st_get_meta(w, "rnnc.threads") && get_num(w, "threads", 1, TEAM_MAX_MEMBERS, &threads, err, errlen)) return -1;
  double ranks = 1; /* nor rnnc.ranks: trained in one process */
  if (st_get_meta(w, "rnnc.ranks") && get_num(w, "ranks", 1, TEAM_MAX_MEMBERS, &ranks, err, errlen)) return -1;
  char *end;
  errno = 0;
  c->seed = strtoull(seed, &end, 10);
  if (errno || end == seed || *end) return ir_errorf(err, errlen, "%s: checkpoint metadata 'rnnc.seed' is not valid", path);
  if (strcmp(dtype, "f32") && strcmp(dtype, "f64"))
    return ir_errorf(err, errlen, "%s: checkpoint metadata 'rnnc.dtype' is not f32 or f64", path);
  c->dtype = strcmp(dtype, "f64") ? DT_F32 : DT_F64;
  c->batch = (int)batch, c->steps = (int)steps, c->limit = (long)limit, c->epoch = (int)epoch;
  c->batch_done = (long)done, c->epochs = (int)epochs, c->threads = (int)threads;
  c->ranks = (int)ranks;
  if (batch != c->batch || steps != c->steps || epoch != c->epoch || done != c->batch_done || limit != c->limit ||
      epochs != c->epochs || threads != c->threads || ranks != c->ranks)
    return ir_errorf(err, errlen, "%s: checkpoint metadata holds a fraction where a count belongs", path);
  if (c->batch % c->threads)
    return ir_errorf(err, errlen, "%s: checkpoint metadata: batch %d is not %d shards (threads) of one size", path,
                     c->batch, c->threads);
  if (c->threads % c->ranks)
    return ir_errorf(err, errlen, "%s: checkpoint metadata: %d shards (threads) are not spread evenly over %d ranks",
                     path, c->threads, c->ranks);
  const StTensor *h = st_find(w, "train.history");
  if (c->epoch > 0 && (!h || h->dtype != ST_F64 || h->rank != 2 || h->shape[0] != c->epoch || h->shape[1] != HISTORY_COLS))
    return ir_errorf(err, errlen, "%s: tensor 'train.history' must be F64 [%d, %d] (one row per epoch done)", path,
                 c->epoch, HISTORY_COLS);
  /* epoch rows are in the file (train.history's shape, checked above against its bytes) */
  c->history = calloc((size_t)c->epoch + 1, sizeof *c->history);
  if (!c->history) return ir_errorf(err, errlen, "%s: out of memory for %d epochs of history", path, c->epoch);
  for (int e = 0; e < c->epoch; e++) {
    const double *row = (const double *)h->data + (size_t)e * HISTORY_COLS;
    c->history[e] = (CkptEpoch){row[1], row[2], row[3], row[4], row[5]};
  }
  c->nvocab = ckpt_vocab(w, c->vocab, err, errlen);
  return c->nvocab < 0 ? -1 : 0;
}

int ckpt_read_weights(const char *path, StFile *w, Checkpoint *c, char *err, size_t errlen) {
  *c = (Checkpoint){0};
  st_init(w);
  if (st_read(path, w, err, errlen)) return -1;
  if (!st_get_meta(w, "rnnc.format")) return 0;
  st_free(w);
  return ckpt_read(path, w, c, err, errlen) ? -1 : 1;
}

void ckpt_settings(const Checkpoint *c, FeOptions *fe) {
  if (fe->batch <= 0) fe->batch = c->batch / (c->threads > 0 ? c->threads : 1);
  if (fe->steps <= 0) fe->steps = c->steps;
  if (fe->dtype < 0) fe->dtype = c->dtype;
  if (fe->lr <= 0) fe->lr = c->lr;
}

void ckpt_free(Checkpoint *c) {
  free(c->history);
  c->history = NULL;
}
