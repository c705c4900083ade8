/*
 * evaluate.c - loss, accuracy and confusion matrix of a model on a split,
 * computed on the host from predict's outputs; `rnnc eval`.
 *
 * The generated predict runs a whole batch of the spec's size, so a split
 * goes through it in batches whose last one is padded with copies of its
 * last example; only real rows are counted, so every example counts exactly
 * once whatever the batch size.  The metrics are those of the spec's loss
 * (cross_entropy: log-sum-exp minus the label's logit, in double; mse: the
 * squared error of every value), averaged as the training loss averages
 * them: over every label (or value) of every example.  Next to the loss go
 * the data's baselines (data.h) that say what it is worth: the noise variance
 * and the last-value predictor for a series, the unigram entropy for text
 * (with the loss in bits per character).
 */
#include "evaluate.h"
#include "alloc.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "progress.h"

/* ---- metrics ---- */

/* Does output o fit target t for the loss kind? */
static bool fits(bool classifier, const Node *o, const Node *t) {
  if (classifier) {
    if (t->dtype != DT_I32 || o->shape.rank != t->shape.rank + 1 || !ir_is_float(o->dtype)) return false;
    for (int k = 0; k < t->shape.rank; k++)
      if (o->shape.dim[k] != t->shape.dim[k]) return false;
    return true;
  }
  return ir_is_float(t->dtype) && ir_shape_eq(o->shape, t->shape);
}

int eval_metrics_init(EvalMetrics *m, const Graph *fwd, const Graph *pg, char *err, size_t errlen) {
  *m = (EvalMetrics){0};
  const char *kind = fwd->cfg.loss_kind;
  if (!kind) return ir_errorf(err, errlen, "%s: the spec has no loss(cross_entropy(...)) or loss(mse(...)) to evaluate", fwd->cfg.name);
  if (strcmp(kind, "cross_entropy") && strcmp(kind, "mse"))
    return ir_errorf(err, errlen, "the loss of %s is '%s': only cross_entropy and mse are evaluated on the host",
                 fwd->cfg.name, kind);
  m->classifier = !strcmp(kind, "cross_entropy");
  for (int i = 0; i < fwd->ninputs && !m->output; i++) {
    const Node *t = fwd->inputs[i];
    if (!t->attr.target) continue;
    for (int k = 0; k < pg->nresults && !m->output; k++) {
      const Result *r = &pg->results[k];
      if (r->role != ROLE_OUTPUT || !fits(m->classifier, r->node, t)) continue;
      m->output = r->name, m->target = t->attr.name;
      m->per_example = ir_numel(t->shape) / t->shape.dim[0];
      if (m->classifier) m->classes = r->node->shape.dim[r->node->shape.rank - 1];
    }
  }
  if (!m->output)
    return ir_errorf(err, errlen, "%s: no output of the model fits its %s target (%s)", fwd->cfg.name, kind,
                 m->classifier ? "logits shaped as the labels plus a class axis" : "values shaped as the target");
  if (m->classifier) {
    m->confusion = mem_calloc((size_t)m->classes * (size_t)m->classes, sizeof *m->confusion, "the confusion matrix");
  }
  return 0;
}

void eval_metrics_reset(EvalMetrics *m) {
  m->loss_sum = 0, m->count = 0, m->correct = 0;
  if (m->confusion) memset(m->confusion, 0, (size_t)m->classes * (size_t)m->classes * sizeof *m->confusion);
}

void eval_metrics_add(EvalMetrics *m, const EvalMetrics *part) {
  m->loss_sum += part->loss_sum, m->count += part->count, m->correct += part->correct;
  if (m->confusion)
    for (long i = 0; i < (long)m->classes * m->classes; i++) m->confusion[i] += part->confusion[i];
}

void eval_metrics_free(EvalMetrics *m) {
  free(m->confusion);
  m->confusion = NULL;
}

double eval_loss(const EvalMetrics *m) { return m->count ? m->loss_sum / (double)m->count : NAN; }

double eval_accuracy(const EvalMetrics *m) {
  return m->classifier && m->count ? (double)m->correct / (double)m->count : NAN;
}

static double value(const void *p, DType dt, long i) {
  return dt == DT_F64 ? ((const double *)p)[i] : dt == DT_F32 ? (double)((const float *)p)[i] : ((const int32_t *)p)[i];
}

/* Adds `rows` examples: out in dt (predict's output), target in tdt. */
static void add_rows(EvalMetrics *m, const void *out, DType dt, const void *target, DType tdt, int rows) {
  long n = rows * m->per_example;
  for (long i = 0; i < n; i++) {
    double y = value(target, tdt, i);
    if (!m->classifier) {
      double d = value(out, dt, i) - y;
      m->loss_sum += d * d;
      continue;
    }
    long base = i * m->classes, best = 0;
    double top = value(out, dt, base);
    for (long c = 1; c < m->classes; c++)
      if (value(out, dt, base + c) > top) top = value(out, dt, base + c), best = c;
    double sum = 0;
    for (long c = 0; c < m->classes; c++) sum += exp(value(out, dt, base + c) - top);
    long label = (long)y;
    if (label < 0 || label >= m->classes) continue; /* bind.h's contract: labels in range; never index out */
    m->loss_sum += top + log(sum) - value(out, dt, base + label);
    m->correct += best == label;
    m->confusion[label * m->classes + best]++;
  }
  m->count += n;
}

/* ---- baselines ---- */

const char *eval_baselines(char *buf, size_t size, const EvalMetrics *m, double loss, const Dataset *d, long ntest) {
  bool have = !isnan(loss);
  double naive = m->classifier ? NAN : data_last_value_mse(&d->test, ntest);
  double unigram = m->classifier ? data_unigram_bits(&d->train) : NAN;
  double bayes = m->classifier ? data_bytes_bayes(&d->train, &d->test, ntest, m->classes) : NAN;
  if (!isnan(naive)) {
    char noise[64] = "";
    if (d->noise_var > 0 && have) snprintf(noise, sizeof noise, "noise variance %.4g: %.2fx; ", d->noise_var, loss / d->noise_var);
    else if (d->noise_var > 0) snprintf(noise, sizeof noise, "noise variance %.4g; ", d->noise_var);
    if (have) snprintf(buf, size, "test mse %.4g (%slast-value predictor %.4g)", loss, noise, naive);
    else snprintf(buf, size, "%slast-value predictor test mse %.4g", noise, naive);
  } else if (!isnan(unigram)) {
    if (have) snprintf(buf, size, "test %.3f bits/char (unigram entropy %.3f)", loss / log(2.0), unigram);
    else snprintf(buf, size, "unigram entropy %.3f bits/char", unigram);
  } else if (!isnan(bayes)) {
    snprintf(buf, size, "naive Bayes over the characters: test accuracy %.4f", bayes);
  } else {
    snprintf(buf, size, "%s", "");
  }
  return buf;
}

/* ---- running predict over a split ---- */

static long field_elems(const DataField *f) { return ir_numel(f->shape); }

int eval_dest(Runner *b, const Graph *g, const DataSplit *s, int rows, void **dest, void **scratch, char *err,
              size_t errlen) {
  for (int f = 0; f < s->nfields; f++) {
    dest[f] = scratch[f] = NULL;
    for (int i = 0; i < g->ninputs; i++)
      if (!strcmp(g->inputs[i]->attr.name, s->field[f].name)) dest[f] = runner_buffer(b, s->field[f].name);
    if (!dest[f]) {
      dest[f] = scratch[f] = mem_calloc((size_t)rows * (size_t)field_elems(&s->field[f]), sizeof(double), "a split's outputs");
    }
  }
  for (int i = 0; i < g->ninputs; i++) {
    int f = 0;
    while (f < s->nfields && strcmp(g->inputs[i]->attr.name, s->field[f].name)) f++;
    if (f == s->nfields) {
      eval_dest_free(s, scratch);
      return ir_errorf(err, errlen, "the data has no '%s' for the spec's input of that name", g->inputs[i]->attr.name);
    }
  }
  return 0;
}

void eval_dest_free(const DataSplit *s, void **scratch) {
  for (int f = 0; f < s->nfields; f++) free(scratch[f]), scratch[f] = NULL;
}

int eval_split(Runner *b, const Graph *pg, const DataSplit *s, long from, long to, EvalMetrics *m, char *err,
               size_t errlen) {
  int B = pg->cfg.batch, tf = 0;
  DType dt = pg->cfg.dtype;
  void *dest[DATA_MAX_FIELDS], *scratch[DATA_MAX_FIELDS];
  while (tf < s->nfields && strcmp(s->field[tf].name, m->target)) tf++;
  if (tf == s->nfields) return ir_errorf(err, errlen, "the data has no '%s' for the spec's target", m->target);
  if (eval_dest(b, pg, s, B, dest, scratch, err, errlen)) return -1;
  long *idx = mem_alloc((size_t)B, sizeof *idx, "a batch's indices");
  DType tdt = s->field[tf].dtype == DT_I32 ? DT_I32 : dt;
  int rc = 0;
  for (long start = from; !rc && start < to; start += B) {
    int count = to - start < B ? (int)(to - start) : B;
    for (int i = 0; i < B; i++) idx[i] = start + (i < count ? i : count - 1);
    data_gather(s, idx, B, dt, dest);
    if (!(rc = runner_exec(b, 0, err, errlen))) add_rows(m, runner_buffer(b, m->output), dt, dest[tf], tdt, count);
  }
  free(idx);
  eval_dest_free(s, scratch);
  return rc;
}

/* ---- the confusion matrix ---- */

/* A class's label: its character (escaped) with a vocabulary, else its id. */
static const char *class_label(char *buf, size_t size, int c, const unsigned char *vocab, int nvocab) {
  if (c >= nvocab) snprintf(buf, size, "%d", c);
  else if (vocab[c] == '\n') snprintf(buf, size, "\\n");
  else if (vocab[c] == '\t') snprintf(buf, size, "\\t");
  else if (vocab[c] == ' ') snprintf(buf, size, "' '");
  else if (vocab[c] < 0x20 || vocab[c] >= 0x7f) snprintf(buf, size, "\\x%02x", vocab[c]);
  else snprintf(buf, size, "%c", vocab[c]);
  return buf;
}

typedef struct {
  long count;
  int truth, pred;
} Confusion;

static int by_count(const void *a, const void *b) {
  long x = ((const Confusion *)a)->count, y = ((const Confusion *)b)->count;
  return (x < y) - (x > y);
}

void eval_print_confusion(const EvalMetrics *m, const unsigned char *vocab, int nvocab, FILE *out) {
  if (!m->classifier) return;
  int C = m->classes;
  char lab[16];
  if (C <= 20) {
    long top = 1;
    for (long i = 0; i < (long)C * C; i++) top = m->confusion[i] > top ? m->confusion[i] : top;
    int w = snprintf(NULL, 0, "%ld", top) + 1;
    w = w < 5 ? 5 : w;
    fprintf(out, "confusion matrix (rows: true class, columns: predicted; last column: recall)\n%6s", "");
    for (int p = 0; p < C; p++) fprintf(out, "%*s", w, class_label(lab, sizeof lab, p, vocab, nvocab));
    fprintf(out, "%9s\n", "recall");
    for (int t = 0; t < C; t++) {
      long row = 0;
      fprintf(out, "%6s", class_label(lab, sizeof lab, t, vocab, nvocab));
      for (int p = 0; p < C; p++) fprintf(out, "%*ld", w, m->confusion[(long)t * C + p]), row += m->confusion[(long)t * C + p];
      if (row) fprintf(out, "%9.3f\n", (double)m->confusion[(long)t * C + t] / (double)row);
      else fprintf(out, "%9s\n", "-");
    }
    return;
  }
  /* too many classes for a table: the largest off-diagonal cells */
  Confusion *all = mem_alloc((size_t)C * (size_t)C * sizeof *all, 1, "the confusion table");
  int n = 0;
  for (int t = 0; t < C; t++)
    for (int p = 0; p < C; p++)
      if (t != p && m->confusion[(long)t * C + p]) all[n++] = (Confusion){m->confusion[(long)t * C + p], t, p};
  qsort(all, (size_t)n, sizeof *all, by_count);
  fprintf(out, "confusion matrix: %d classes, the %d most frequent confusions (true -> predicted: count, share of the true class)\n",
          C, n < 15 ? n : 15);
  for (int i = 0; i < n && i < 15; i++) {
    long row = 0;
    for (int p = 0; p < C; p++) row += m->confusion[(long)all[i].truth * C + p];
    char pred[16];
    fprintf(out, "  %6s -> %-6s %8ld  %5.1f%%\n", class_label(lab, sizeof lab, all[i].truth, vocab, nvocab),
            class_label(pred, sizeof pred, all[i].pred, vocab, nvocab), all[i].count, 100.0 * (double)all[i].count / (double)row);
  }
  free(all);
}

/* ---- rnnc eval ---- */

static int fail(const char *msg) {
  ir_report("%s\n", msg);
  return 1;
}

int eval_run(const ToolOptions *o) {
  char err[1024] = "";
  StFile w;
  Checkpoint ck;
  int is_ckpt = ckpt_read_weights(o->weights, &w, &ck, err, sizeof err);
  if (is_ckpt < 0) {
    st_free(&w), ckpt_free(&ck);
    return fail(err);
  }
  FeOptions fe = o->fe;
  if (is_ckpt) ckpt_settings(&ck, &fe);
  const char *data = o->data ? o->data : is_ckpt && ck.data[0] ? ck.data : NULL;
  if (data == ck.data) fprintf(stderr, "rnnc: data: %s (from the checkpoint)\n", data); /* it may name any path */
  DataOptions dopt = {.seed = o->seed_given || !is_ckpt ? o->seed : ck.seed};
  ToolModel tm = {0};
  Dataset d = {0};
  bool have_data = false;
  EvalMetrics m = {0};
  Runner *b = NULL;
  StFile zeros;
  st_init(&zeros);
  unsigned char vocab[DATA_MAX_VOCAB];
  int nvocab = 0, rc = 1;
  if (!data) {
    fail("eval needs --data DATA (the weights file is not a checkpoint of rnnc train naming its data)");
    goto done;
  }
  if (tool_model_build(o->spec, fe, o->interp ? TOOL_INTERP : 0, &tm)) goto done;
  if (!(have_data = !data_load(data, tm.fwd, &dopt, &d, err, sizeof err)) ||
      eval_metrics_init(&m, tm.fwd, tm.pred, err, sizeof err)) {
    fail(err);
    goto done;
  }
  if ((nvocab = ckpt_vocab(&w, vocab, err, sizeof err)) < 0) {
    fail(err);
    goto done;
  }
  if (nvocab && (nvocab != d.nvocab || memcmp(vocab, d.vocab, (size_t)nvocab))) {
    ir_report("%s: the vocabulary of the data differs from the one %s was trained with\n", data,
            o->weights);
    goto done;
  }
  tool_zero_inputs(tm.pred, &zeros);
  if (!(b = runner_load(tool_model_so(&tm), tm.pred, GOAL_PREDICT, &w, &zeros, err, sizeof err))) {
    fail(err);
    goto done;
  }
  long n = o->limit > 0 && o->limit < d.test.n ? o->limit : d.test.n;
  if (n == 0) {
    ir_report("%s: the test split is empty\n", d.source);
    goto done;
  }
  if (eval_split(b, tm.pred, &d.test, 0, n, &m, err, sizeof err)) {
    fail(err);
    goto done;
  }
  char count[32], total[32], line[256];
  printf("eval %s (%s) on %s: test split, %s examples%s\n", tm.pred->cfg.name, o->spec, d.source,
         progress_count(count, sizeof count, n), n < d.test.n ? " (--limit)" : "");
  if (m.classifier)
    printf("loss %.4f  accuracy %.4f (%s of %s %s)\n", eval_loss(&m), eval_accuracy(&m),
           progress_count(count, sizeof count, m.correct), progress_count(total, sizeof total, m.count),
           m.per_example > 1 ? "labels" : "examples");
  else
    printf("loss %.6g (mean squared error over %s values)\n", eval_loss(&m), progress_count(count, sizeof count, m.count));
  if (eval_baselines(line, sizeof line, &m, eval_loss(&m), &d, n)[0]) printf("%s\n", line);
  if (m.classifier && m.classes == 10 && strstr(d.source, "fashion-mnist"))
    printf("classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, "
           "9 Ankle boot\n");
  eval_print_confusion(&m, d.nvocab ? d.vocab : vocab, d.nvocab ? d.nvocab : nvocab, stdout);
  rc = 0;
done:
  runner_free(b);
  eval_metrics_free(&m);
  if (have_data) data_free(&d);
  tool_model_free(&tm);
  st_free(&w), st_free(&zeros);
  ckpt_free(&ck);
  return rc;
}
